"""Accounts: log in, register a supplier company, create users, change passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker import audit
from matchmaker.auth import tokens
from matchmaker.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from matchmaker.db import utcnow, writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.models import Buyer, Role, Supplier, SupplierStatus, User
from matchmaker.notices import services as notices
from matchmaker.permissions import require_role
from matchmaker.suppliers.inn import is_valid_inn, normalize_inn


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


@writes
def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None without saying which was wrong."""
    user = find_user(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.commit()
    return user


def _check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError(field, _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def _check_email_free(session: Session, email: str, field: str = "email") -> None:
    if find_user(session, email) is not None:
        raise FieldError(field, _("An account with this e-mail already exists."))


@dataclass(frozen=True)
class SupplierRegistration:
    company_name: str
    inn: str
    region: str
    email: str
    password: str
    contact_name: str = ""
    city: str = ""


@writes
def register_supplier(session: Session, data: SupplierRegistration) -> User:
    """Create a pending supplier company and its first user account."""
    inn = normalize_inn(data.inn)
    if not is_valid_inn(inn):
        raise FieldError("inn", _("This INN is not valid: check the digits."))
    if session.scalar(select(Supplier.id).where(Supplier.inn == inn)) is not None:
        raise FieldError(
            "inn", _("A company with this INN is already registered. Ask its users to add you.")
        )
    _check_email_free(session, data.email)
    _check_password(data.password)
    email = normalize_email(data.email)
    supplier = Supplier(
        name=data.company_name.strip(),
        inn=inn,
        region=data.region.strip(),
        city=data.city.strip(),
        email=email,
        status=SupplierStatus.PENDING.value,
    )
    user = User(
        email=email,
        name=data.contact_name.strip(),
        password_hash=hash_password(data.password),
        role=Role.SUPPLIER.value,
        supplier=supplier,
    )
    session.add_all([supplier, user])
    session.flush()
    audit.record(session, user, "supplier.registered", "supplier", supplier.id, inn=inn)
    session.commit()
    return user


@dataclass(frozen=True)
class NewUser:
    email: str
    role: Role
    password: str
    name: str = ""
    buyer_name: str | None = None
    supplier_id: int | None = None
    locale: str = "en"


def _new_login(
    session: Session, email: str, name: str, role: Role, locale: str, password: str
) -> User:
    """A user for an address nobody has yet (not added to the session)."""
    _check_email_free(session, email)
    return User(
        email=normalize_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        role=role.value,
        locale=locale,
    )


@writes
def create_user(session: Session, actor: User | None, data: NewUser) -> User:
    """Create a login for staff, a buyer's employee or a supplier's employee."""
    _check_password(data.password)
    user = _new_login(session, data.email, data.name, data.role, data.locale, data.password)
    if data.role is Role.BUYER:
        buyer = session.scalar(select(Buyer).where(Buyer.name == (data.buyer_name or "")))
        if buyer is None:
            raise FieldError("buyer", _("Choose an existing buyer organisation."))
        user.buyer = buyer
    elif data.role is Role.SUPPLIER:
        supplier = session.get(Supplier, data.supplier_id) if data.supplier_id else None
        if supplier is None:
            raise FieldError("supplier", _("Choose an existing supplier company."))
        user.supplier = supplier
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, role=data.role.value)
    session.commit()
    return user


@writes
def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Replace the user's password and end their other sessions."""
    if not verify_password(user.password_hash, current):
        raise FieldError("current_password", _("The current password is not correct."))
    _check_password(new, "new_password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    audit.record(session, user, "user.password_changed", "user", user.id)
    session.commit()


@writes
def reset_feed_token(session: Session, user: User) -> str:
    """Give the user a new calendar subscription address; the old one stops working."""
    user.feed_token = secrets.token_urlsafe(32)
    audit.record(session, user, "user.feed_token_reset", "user", user.id)
    session.commit()
    return user.feed_token


def user_for_feed(session: Session, token: str) -> User | None:
    """The active user a calendar subscription address belongs to."""
    if not token or len(token) > 64:
        return None
    user = session.scalar(select(User).where(User.feed_token == token))
    return user if user is not None and user.active else None


@writes
def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember the language the user reads the pages in."""
    user.locale = locale
    session.commit()


@writes
def send_password_link(session: Session, email: str) -> None:
    """E-mail a link to set a new password to the active user with this e-mail.

    Says nothing either way: a stranger must not learn which addresses have accounts.
    """
    user = find_user(session, email)
    if user is None or not user.active:
        session.rollback()
        return
    notices.password_notice(session, user, invitation=False)
    audit.record(session, None, "user.password_link_sent", "user", user.id)
    session.commit()


def user_for_password_link(
    session: Session, secret: str, token: str, max_age_seconds: int
) -> User | None:
    """The active user a password link is for, while the link is valid and unused."""
    named = tokens.read(secret, token, max_age_seconds)
    if named is None:
        return None
    user = session.get(User, named[0])
    if user is None or not user.active or user.session_version != named[1]:
        return None
    return user


@writes
def set_password_by_link(
    session: Session, secret: str, token: str, max_age_seconds: int, password: str
) -> User:
    """Set the password of the user a link is for; the link (and any other) then stops."""
    user = user_for_password_link(session, secret, token, max_age_seconds)
    if user is None:
        raise FieldError("password", _("This link is no longer valid. Ask for a new one."))
    _check_password(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record(session, user, "user.password_set_by_link", "user", user.id)
    session.commit()
    return user


@dataclass(frozen=True)
class Invitation:
    supplier_id: int
    email: str
    name: str = ""
    locale: str = "ru"


@writes
def invite_supplier_user(session: Session, actor: User, data: Invitation) -> User:
    """Open an account for a supplier's employee and e-mail a link to choose a password.

    For companies staff imported from a list: their INN is already taken, so they
    cannot register themselves.
    """
    require_role(actor, Role.STAFF)
    supplier = session.get(Supplier, data.supplier_id)
    if supplier is None:
        raise NotFound()
    # Nobody knows this password: the person chooses one through the link.
    password = secrets.token_urlsafe(32)
    user = _new_login(session, data.email, data.name, Role.SUPPLIER, data.locale, password)
    user.supplier = supplier
    session.add(user)
    session.flush()
    notices.password_notice(session, user, invitation=True)
    audit.record(session, actor, "user.invited", "user", user.id, supplier_id=supplier.id)
    session.commit()
    return user
