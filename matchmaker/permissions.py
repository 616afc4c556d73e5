"""Role checks that services share."""

from __future__ import annotations

from matchmaker.errors import PermissionDenied
from matchmaker.models import Role, User


def require_role(actor: User, *roles: Role) -> None:
    """Raise PermissionDenied unless ``actor`` has one of ``roles``."""
    if actor.role not in {role.value for role in roles}:
        raise PermissionDenied()
