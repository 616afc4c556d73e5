"""Signed links that let a person set a password: an invitation or a reset.

A link names the user and the user's session version. Setting a password bumps the
version, so a link works once, and an older link stops working when a newer one is
used; it also expires after a while.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from matchmaker.models import User

_SALT = "matchmaker.password-link"


def make(secret: str, user: User) -> str:
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps([user.id, user.session_version])


def read(secret: str, token: str, max_age_seconds: int) -> tuple[int, int] | None:
    """The (user id, session version) a link names, or None if it is forged or expired."""
    try:
        value = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age_seconds)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, int) for v in value):
        return None
    return value[0], value[1]
