"""Supplier Days and their localization needs: who sees what, and changes by staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker import audit, taxonomy
from matchmaker.db import utcnow, writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.meetings.services import release_lost_seats
from matchmaker.models import (
    Buyer,
    DayFormat,
    DayStatus,
    Material,
    Need,
    Process,
    Role,
    SupplierDay,
    User,
)
from matchmaker.permissions import require_role

UNITS = ("pcs", "sets", "kg", "m", "t")


def can_see_day(actor: User, day: SupplierDay) -> bool:
    if actor.role == Role.STAFF.value:
        return True
    if actor.role == Role.BUYER.value:
        return actor.buyer_id == day.buyer_id
    return day.status != DayStatus.DRAFT.value


def visible_days(session: Session, actor: User) -> list[SupplierDay]:
    """The Supplier Days a user may open.

    Staff see all, buyers their own, suppliers every day but drafts.
    """
    statement = select(SupplierDay).options(
        selectinload(SupplierDay.buyer), selectinload(SupplierDay.needs)
    )
    if actor.role == Role.BUYER.value:
        statement = statement.where(SupplierDay.buyer_id == actor.buyer_id)
    elif actor.role == Role.SUPPLIER.value:
        statement = statement.where(SupplierDay.status != DayStatus.DRAFT.value)
    return list(session.scalars(statement.order_by(SupplierDay.date.desc())).all())


def get_day(session: Session, actor: User, day_id: int) -> SupplierDay:
    day = session.get(SupplierDay, day_id)
    if day is None or not can_see_day(actor, day):
        raise NotFound()
    return day


def get_need(session: Session, actor: User, need_id: int) -> Need:
    need = session.get(Need, need_id)
    if need is None or not can_see_day(actor, need.supplier_day):
        raise NotFound()
    return need


# --- supplier days -------------------------------------------------------------------------


@dataclass(frozen=True)
class DayInput:
    buyer_id: int
    title: str
    date: dt.date
    format: str
    status: str
    venue: str = ""
    video_link: str = ""
    description: str = ""
    registration_deadline: dt.date | None = None
    slot_minutes: int = 30
    day_start: dt.time = dt.time(10, 0)
    day_end: dt.time = dt.time(17, 0)
    tables: int = 2
    breaks: Sequence[Sequence[str]] = ()
    timezone: str = "Europe/Samara"


def _check_day(session: Session, data: DayInput) -> Buyer:
    buyer = session.get(Buyer, data.buyer_id)
    if buyer is None:
        raise FieldError("buyer_id", _("Choose a buyer."))
    if data.format not in {f.value for f in DayFormat}:
        raise FieldError("format", _("Choose on site, online or hybrid."))
    if data.status not in {s.value for s in DayStatus}:
        raise FieldError("status", _("Choose a status."))
    if data.format in (DayFormat.ONSITE.value, DayFormat.HYBRID.value) and not data.venue.strip():
        raise FieldError("venue", _("An on-site or hybrid day needs a venue."))
    if data.format in (DayFormat.ONLINE.value, DayFormat.HYBRID.value) and not (
        data.video_link.strip()
    ):
        raise FieldError("video_link", _("An online or hybrid day needs a video link."))
    if data.registration_deadline is not None and data.registration_deadline > data.date:
        raise FieldError(
            "registration_deadline", _("The registration deadline must not be after the day.")
        )
    if data.day_end <= data.day_start:
        raise FieldError("day_end", _("The day must end after it starts."))
    window = dt.datetime.combine(data.date, data.day_end) - dt.datetime.combine(
        data.date, data.day_start
    )
    if data.slot_minutes <= 0 or dt.timedelta(minutes=data.slot_minutes) > window:
        raise FieldError("slot_minutes", _("A meeting slot must fit inside the day window."))
    if data.tables < 1:
        raise FieldError("tables", _("At least one table or video room is needed."))
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise FieldError(
            "timezone", _("Unknown time zone: use a name like Europe/Samara.")
        ) from error
    for start, end in data.breaks:
        if not (data.day_start.strftime("%H:%M") <= start < end <= data.day_end.strftime("%H:%M")):
            raise FieldError("breaks", _("Each break must lie inside the day window."))
    return buyer


@writes
def save_day(
    session: Session, actor: User, data: DayInput, day_id: int | None = None
) -> SupplierDay:
    """Create a Supplier Day, or update one when ``day_id`` is given."""
    require_role(actor, Role.STAFF)
    buyer = _check_day(session, data)
    day = session.get(SupplierDay, day_id) if day_id is not None else SupplierDay()
    if day is None:
        raise NotFound()
    day.buyer = buyer
    day.title = data.title.strip()
    day.date = data.date
    day.format = data.format
    day.status = data.status
    day.venue = data.venue.strip()
    day.video_link = data.video_link.strip()
    day.description = data.description.strip()
    day.registration_deadline = data.registration_deadline
    day.slot_minutes = data.slot_minutes
    day.day_start = data.day_start
    day.day_end = data.day_end
    day.tables = data.tables
    day.breaks = [list(pair) for pair in data.breaks]
    day.timezone = data.timezone
    day.updated_at = utcnow()
    session.add(day)
    session.flush()
    if day_id is not None:
        # A changed grid never silently drops a seated meeting: it goes back to waiting
        # and both sides are told.
        release_lost_seats(session, day)
    audit.record(session, actor, "day.updated" if day_id else "day.created", "supplier_day", day.id)
    session.commit()
    return day


@writes
def delete_day(session: Session, actor: User, day_id: int) -> None:
    """Remove a Supplier Day with its needs, rankings and decisions."""
    require_role(actor, Role.STAFF)
    day = session.get(SupplierDay, day_id)
    if day is None:
        raise NotFound()
    if day.status == DayStatus.DONE.value:
        raise FieldError("day", _("A day that took place is kept for the record."))
    audit.record(session, actor, "day.deleted", "supplier_day", day.id, title=day.title)
    session.delete(day)
    session.commit()


# --- needs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedInput:
    part_name: str
    part_number: str = ""
    description: str = ""
    processes: Sequence[str] = ()
    materials: Sequence[str] = ()
    annual_volume: int | None = None
    unit: str = "pcs"
    sop_date: dt.date | None = None
    required_certifications: Sequence[str] = ()


def check_need(
    session: Session, data: NeedInput, known_standards: Sequence[str] = ()
) -> tuple[list[Process], list[Material]]:
    """Check a need's rules (also for imported needs); return its processes and materials."""
    if data.unit not in UNITS:
        raise FieldError("unit", _("Choose a unit from the list."))
    processes = taxonomy.processes_by_code(session, data.processes)
    materials = taxonomy.materials_by_code(session, data.materials)
    if len(processes) != len(set(data.processes)):
        raise FieldError("processes", _("Pick processes from the list."))
    if len(materials) != len(set(data.materials)):
        raise FieldError("materials", _("Pick materials from the list."))
    unknown = [
        s for s in data.required_certifications if known_standards and s not in known_standards
    ]
    if unknown:
        raise FieldError("required_certifications", _("Pick standards from the list."))
    return processes, materials


def fill_need(
    need: Need, data: NeedInput, processes: list[Process], materials: list[Material]
) -> None:
    """Copy checked input onto a need; its ranking goes stale."""
    need.part_name = data.part_name.strip()
    need.part_number = data.part_number.strip()
    need.description = data.description.strip()
    need.processes = processes
    need.materials = materials
    need.annual_volume = data.annual_volume
    need.unit = data.unit
    need.sop_date = data.sop_date
    need.required_certifications = list(dict.fromkeys(data.required_certifications))
    need.updated_at = utcnow()


@writes
def save_need(
    session: Session,
    actor: User,
    data: NeedInput,
    day_id: int | None = None,
    need_id: int | None = None,
    known_standards: Sequence[str] = (),
) -> Need:
    """Add a need to a day (``day_id``) or update one (``need_id``)."""
    require_role(actor, Role.STAFF)
    existing = session.get(Need, need_id) if need_id is not None else None
    day = session.get(SupplierDay, day_id) if day_id is not None else None
    if (need_id is not None and existing is None) or (need_id is None and day is None):
        raise NotFound()
    processes, materials = check_need(session, data, known_standards)
    need = existing or Need(supplier_day=day)
    fill_need(need, data, processes, materials)
    session.add(need)
    session.flush()
    audit.record(session, actor, "need.updated" if need_id else "need.created", "need", need.id)
    session.commit()
    return need


@writes
def delete_need(session: Session, actor: User, need_id: int) -> int:
    """Remove a need; returns its day's id."""
    require_role(actor, Role.STAFF)
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound()
    day_id = need.supplier_day_id
    audit.record(session, actor, "need.deleted", "need", need.id, part_name=need.part_name)
    session.delete(need)
    session.commit()
    return day_id
