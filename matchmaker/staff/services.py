"""What cluster staff see at a glance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from matchmaker.models import Role, Supplier, SupplierDay, SupplierStatus, User
from matchmaker.permissions import require_role


@dataclass(frozen=True)
class Dashboard:
    pending: list[Supplier]
    upcoming: list[SupplierDay]
    supplier_count: int
    verified_count: int
    user_count: int


def dashboard(session: Session, actor: User, today: dt.date | None = None) -> Dashboard:
    """Suppliers waiting for review and the next Supplier Days."""
    require_role(actor, Role.STAFF)
    today = today or dt.date.today()
    pending = session.scalars(
        select(Supplier)
        .where(Supplier.status == SupplierStatus.PENDING.value)
        .order_by(Supplier.created_at)
    ).all()
    upcoming = session.scalars(
        select(SupplierDay)
        .where(SupplierDay.date >= today)
        .options(selectinload(SupplierDay.buyer), selectinload(SupplierDay.needs))
        .order_by(SupplierDay.date)
    ).all()
    supplier_count = session.scalar(select(func.count(Supplier.id))) or 0
    verified_count = (
        session.scalar(
            select(func.count(Supplier.id)).where(Supplier.status == SupplierStatus.VERIFIED.value)
        )
        or 0
    )
    user_count = session.scalar(select(func.count(User.id))) or 0
    return Dashboard(list(pending), list(upcoming), supplier_count, verified_count, user_count)


def list_users(session: Session, actor: User) -> list[User]:
    require_role(actor, Role.STAFF)
    return list(
        session.scalars(
            select(User)
            .options(selectinload(User.buyer), selectinload(User.supplier))
            .order_by(User.role, User.email)
        ).all()
    )
