"""Needs that fit a supplier: where it stands in the rankings of every open need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from matchmaker.models import (
    DayStatus,
    MatchResult,
    Need,
    Supplier,
    SupplierDay,
    SupplierStatus,
    User,
)
from matchmaker.shortlists import services as shortlists
from matchmaker.shortlists.cache import IndexCache
from matchmaker.suppliers import services as supplier_services


def accepting(day: SupplierDay, today: dt.date) -> bool:
    """Tell whether a day still takes suppliers' interest (the rule of ``mark_interest``)."""
    return day.status == DayStatus.OPEN.value and (
        day.registration_deadline is None or today <= day.registration_deadline
    )


def open_needs(session: Session, today: dt.date) -> list[Need]:
    """List the needs of Supplier Days that are open and whose registration has not closed."""
    statement = (
        select(Need)
        .join(SupplierDay, Need.supplier_day_id == SupplierDay.id)
        .where(
            SupplierDay.status == DayStatus.OPEN.value,
            or_(
                SupplierDay.registration_deadline.is_(None),
                SupplierDay.registration_deadline >= today,
            ),
        )
        .options(
            selectinload(Need.supplier_day).selectinload(SupplierDay.buyer),
            selectinload(Need.processes),
            selectinload(Need.materials),
        )
        .order_by(SupplierDay.date, Need.id)
    )
    return list(session.scalars(statement).all())


@dataclass(frozen=True)
class Opportunity:
    """One open need and where the supplier stands in its ranking."""

    need: Need
    result: MatchResult
    interested: bool

    @property
    def day(self) -> SupplierDay:
        return self.need.supplier_day

    @property
    def near_miss(self) -> bool:
        return self.result.near_miss

    @property
    def explanation(self) -> dict[str, Any]:
        return self.result.explanation or {}

    @property
    def missing(self) -> list[dict[str, Any]]:
        """The need's requirements the supplier does not meet, as the checklist states them."""
        return [r for r in self.explanation.get("requirements", []) if not r.get("met")]


@dataclass(frozen=True)
class Opportunities:
    supplier: Supplier
    matches: list[Opportunity]
    near_misses: list[Opportunity]
    open_needs: int
    computed_at: dt.datetime | None

    @property
    def rejected(self) -> bool:
        return self.supplier.status == SupplierStatus.REJECTED.value


def for_supplier(
    session: Session, cache: IndexCache, actor: User, today: dt.date | None = None
) -> Opportunities:
    """List the open needs the supplier ranks for (or nearly does), best fit first."""
    supplier = supplier_services.own_supplier(session, actor)
    today = today or dt.date.today()
    if supplier.status == SupplierStatus.REJECTED.value:
        # A rejected profile is out of the catalogue: it ranks for nothing.
        return Opportunities(supplier, [], [], 0, None)
    needs = open_needs(session, today)
    runs = shortlists.current_runs(session, cache, needs)
    by_run = {run.id: run.need_id for run in runs.values()}
    needs_by_id = {n.id: n for n in needs}
    results = session.scalars(
        select(MatchResult).where(
            MatchResult.run_id.in_(list(by_run)), MatchResult.supplier_id == supplier.id
        )
    ).all()
    interested = supplier_services.interested_need_ids(session, supplier.id)
    found = [
        Opportunity(needs_by_id[by_run[r.run_id]], r, by_run[r.run_id] in interested)
        for r in results
    ]
    found.sort(key=lambda o: (-o.result.score, o.day.date, o.need.id))
    computed = [run.computed_at for run in runs.values()]
    return Opportunities(
        supplier=supplier,
        matches=[o for o in found if not o.near_miss],
        near_misses=[o for o in found if o.near_miss],
        open_needs=len(needs),
        computed_at=min(computed) if computed else None,
    )
