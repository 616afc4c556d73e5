"""Exports: a need's or a Supplier Day's ranked suppliers with decisions, the supplier list.

Rankings are the stored match runs, refreshed first where a profile or the need changed
since (as the shortlist page does), and read through the shortlist service, so a file
always says what the buyer's page says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from matchmaker.db import aware
from matchmaker.errors import NotFound
from matchmaker.models import Need, Role, Supplier, SupplierDay, User
from matchmaker.permissions import require_role
from matchmaker.reports.spreadsheets import Cell, Sheet
from matchmaker.shortlists import services as shortlists
from matchmaker.shortlists.cache import IndexCache
from matchmaker.suppliers import services as supplier_services
from matchmaker.templating import label_for


def local_time(value: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """A stored timestamp as naive local time to the minute (spreadsheets have no zones)."""
    if value is None:
        return None
    return aware(value).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


# --- rankings ----------------------------------------------------------------------------


def ranking_columns() -> list[str]:
    return [
        _("Rank"),
        _("Supplier"),
        _("INN"),
        _("Region"),
        _("Score"),
        _("List"),
        _("Lacks"),
        _("Verified"),
        _("Interested"),
        _("Decision"),
        _("Reason"),
        _("Note"),
        _("Decided at"),
    ]


def _lacks(explanation: dict[str, Any]) -> str:
    missing = []
    for requirement in explanation.get("requirements", []):
        if not requirement.get("met"):
            label = str(requirement.get("label", ""))
            detail = str(requirement.get("detail", ""))
            missing.append(f"{label} ({detail})" if detail else label)
    return "; ".join(missing)


def _ranking_rows(result: shortlists.Shortlist, zone: ZoneInfo) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    groups = (
        (result.ranked, _("ranked")),
        (result.near_misses, _("near miss")),
        (result.others, _("not ranked")),
    )
    for group, list_label in groups:
        for row in group:
            decision = row.decision
            rows.append(
                [
                    row.result.rank if row.result is not None and group is result.ranked else None,
                    row.supplier.name,
                    row.supplier.inn or "",
                    row.supplier.region,
                    round(row.result.score, 3) if row.result is not None else None,
                    list_label,
                    _lacks(row.explanation),
                    _yes_no(row.verified),
                    _yes_no(row.interested),
                    label_for(row.status),
                    decision.reason if decision is not None else "",
                    decision.note if decision is not None else "",
                    local_time(decision.updated_at, zone) if decision is not None else None,
                ]
            )
    return rows


def need_ranking(
    session: Session, cache: IndexCache, actor: User, need_id: int, zone: ZoneInfo
) -> tuple[Need, Sheet]:
    """A need's ranked suppliers, near misses and decisions as one table."""
    result = shortlists.shortlist(session, cache, actor, need_id)
    need = result.need
    title = f"{need.part_number} {need.part_name}".strip()
    return need, Sheet(title=title, columns=ranking_columns(), rows=_ranking_rows(result, zone))


def get_day_for_export(session: Session, actor: User, day_id: int) -> SupplierDay:
    """A Supplier Day whose rankings the actor may export: any for staff, a buyer's own."""
    require_role(actor, Role.BUYER, Role.STAFF)
    day = session.get(SupplierDay, day_id)
    if day is None:
        raise NotFound()
    if actor.role == Role.BUYER.value and day.buyer_id != actor.buyer_id:
        raise NotFound()
    return day


def day_ranking(
    session: Session, cache: IndexCache, actor: User, day_id: int, zone: ZoneInfo
) -> tuple[SupplierDay, Sheet]:
    """Every need of a Supplier Day with its ranked suppliers and decisions, one row per pair."""
    day = get_day_for_export(session, actor, day_id)
    title = day.title
    need_ids = [n.id for n in day.needs]
    # One batch for the whole day; the shortlists below then find their rankings fresh.
    shortlists.current_runs(session, cache, list(day.needs))
    columns = [_("Need"), _("Part number"), *ranking_columns()]
    rows: list[list[Cell]] = []
    for need_id in need_ids:
        result = shortlists.shortlist(session, cache, actor, need_id)
        need = result.need
        for row in _ranking_rows(result, zone):
            rows.append([need.part_name, need.part_number, *row])
    return day, Sheet(title=title, columns=columns, rows=rows)


# --- suppliers ---------------------------------------------------------------------------


def supplier_columns() -> list[str]:
    return [
        _("Company"),
        _("INN"),
        _("Region"),
        _("City"),
        _("E-mail"),
        _("Website"),
        _("Employees"),
        _("Status"),
        _("Processes"),
        _("Materials"),
        _("Certifications"),
        _("Registered"),
    ]


def _certificate(certification: Any, today: dt.date) -> str:
    parts = [certification.standard]
    if certification.number:
        parts.append(f"№ {certification.number}")
    if certification.valid_until is not None:
        if certification.valid_until < today:
            parts.append(_("expired %(date)s", date=certification.valid_until.isoformat()))
        else:
            parts.append(_("valid until %(date)s", date=certification.valid_until.isoformat()))
    if certification.verified:
        parts.append(_("verified"))
    return ", ".join(parts)


def supplier_list(
    session: Session,
    actor: User,
    zone: ZoneInfo,
    status: str | None = None,
    query: str = "",
    locale: str = "en",
    today: dt.date | None = None,
) -> Sheet:
    """The suppliers (as the staff list filters them) with their capabilities."""
    suppliers: list[Supplier] = supplier_services.list_suppliers(session, actor, status, query)
    today = today or dt.date.today()
    russian = locale == "ru"
    rows: list[list[Cell]] = []
    for supplier in suppliers:
        rows.append(
            [
                supplier.name,
                supplier.inn or "",
                supplier.region,
                supplier.city,
                supplier.email,
                supplier.website,
                supplier.employees,
                label_for(supplier.status),
                "; ".join(p.name_ru if russian else p.name_en for p in supplier.processes),
                "; ".join(m.name_ru if russian else m.name_en for m in supplier.materials),
                "; ".join(_certificate(c, today) for c in supplier.certifications),
                local_time(supplier.created_at, zone),
            ]
        )
    return Sheet(title=_("Suppliers"), columns=supplier_columns(), rows=rows)
