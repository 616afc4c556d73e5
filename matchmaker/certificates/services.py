"""Certificate validity as people read it, and the certificates staff should watch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.models import Certification, Role, Supplier, User
from matchmaker.permissions import require_role

EXPIRY_WINDOW_DAYS = 60


@dataclass(frozen=True)
class CertificateStatus:
    """Where a certificate stands today: valid, expiring within the window, or expired."""

    state: str  # "valid" | "expiring" | "expired"
    days_left: int | None  # None when no expiry date is stated
    verified: bool


def status_of(
    certification: Certification, today: dt.date, window_days: int = EXPIRY_WINDOW_DAYS
) -> CertificateStatus:
    """Say where a certificate stands on ``today``: valid, expiring or expired."""
    until = certification.valid_until
    if until is None:
        return CertificateStatus("valid", None, certification.verified)
    days_left = (until - today).days
    if days_left < 0:
        state = "expired"
    elif days_left <= window_days:
        state = "expiring"
    else:
        state = "valid"
    return CertificateStatus(state, days_left, certification.verified)


@dataclass(frozen=True)
class ExpiryLists:
    today: dt.date
    window_days: int
    expiring: list[Certification]
    expired: list[Certification]


def expiry_lists(
    session: Session,
    actor: User,
    today: dt.date | None = None,
    window_days: int = EXPIRY_WINDOW_DAYS,
) -> ExpiryLists:
    """List certificates that expire within ``window_days`` (soonest first), and expired ones."""
    require_role(actor, Role.STAFF)
    today = today or dt.date.today()
    dated = (
        select(Certification)
        .join(Supplier, Certification.supplier_id == Supplier.id)
        .where(Certification.valid_until.is_not(None))
        .options(selectinload(Certification.supplier))
    )
    expiring = session.scalars(
        dated.where(
            Certification.valid_until >= today,
            Certification.valid_until <= today + dt.timedelta(days=window_days),
        ).order_by(Certification.valid_until, Supplier.name, Certification.id)
    ).all()
    expired = session.scalars(
        dated.where(Certification.valid_until < today).order_by(
            Certification.valid_until.desc(), Supplier.name, Certification.id
        )
    ).all()
    return ExpiryLists(today, window_days, list(expiring), list(expired))
