"""The Supplier Day calendar: month grids, the ICS feed, public holidays, date warnings."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from matchmaker import audit
from matchmaker.db import aware, utcnow, writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.formatting import display_date
from matchmaker.models import DayFormat, DayStatus, Holiday, Role, SupplierDay, User
from matchmaker.permissions import require_role
from matchmaker.supplier_days.services import can_see_day
from matchmaker.templating import label_for

DEFAULT_TIMEZONE = "Europe/Samara"
# Months the calendar pages: wide enough for any real Supplier Day, narrow enough that
# the previous and next links and date arithmetic never leave the range `date` supports.
FIRST_YEAR, LAST_YEAR = 1970, 2999
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")

# A Supplier Day has no cancelled state (a cancelled day is deleted), so CANCELLED is
# never produced; a draft may still move, hence TENTATIVE.
EVENT_STATUS = {DayStatus.DRAFT.value: "TENTATIVE"}


# --- month view ----------------------------------------------------------------------------


def parse_month(raw: str | None, today: dt.date) -> dt.date:
    """Read ``YYYY-MM`` as the first of that month; anything else means this month."""
    match = _MONTH.fullmatch((raw or "").strip())
    if match is not None:
        year, month = int(match.group(1)), int(match.group(2))
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return dt.date(year, month, 1)
    return today.replace(day=1)


def _shift_month(first: dt.date, months: int) -> dt.date | None:
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return dt.date(year, month + 1, 1)


@dataclass(frozen=True)
class CalendarCell:
    date: dt.date
    in_month: bool
    is_today: bool
    days: tuple[SupplierDay, ...]
    holidays: tuple[Holiday, ...]

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5

    @property
    def has_entries(self) -> bool:
        return bool(self.days or self.holidays)


@dataclass(frozen=True)
class MonthView:
    first: dt.date
    today: dt.date
    weeks: list[list[CalendarCell]]
    previous: dt.date | None
    next: dt.date | None

    @property
    def cells(self) -> list[CalendarCell]:
        """The cells of the month itself, first to last."""
        return [cell for week in self.weeks for cell in week if cell.in_month]

    @property
    def day_count(self) -> int:
        return sum(len(cell.days) for cell in self.cells)


def month_view(session: Session, actor: User, first: dt.date, today: dt.date) -> MonthView:
    """Lay out the month of ``first`` as Monday-first weeks with the days ``actor`` may see."""
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
        first.year, first.month
    )
    start, end = weeks[0][0], weeks[-1][-1]
    rows = session.scalars(
        select(SupplierDay)
        .where(SupplierDay.date >= start, SupplierDay.date <= end)
        .options(selectinload(SupplierDay.buyer))
        .order_by(SupplierDay.date, SupplierDay.day_start, SupplierDay.id)
    ).all()
    by_date: dict[dt.date, list[SupplierDay]] = {}
    for day in rows:
        if can_see_day(actor, day):
            by_date.setdefault(day.date, []).append(day)
    holidays: dict[dt.date, list[Holiday]] = {}
    for holiday in list_holidays(session, start, end):
        holidays.setdefault(holiday.date, []).append(holiday)
    grid = [
        [
            CalendarCell(
                date=date,
                in_month=date.month == first.month,
                is_today=date == today,
                days=tuple(by_date.get(date, ())),
                holidays=tuple(holidays.get(date, ())),
            )
            for date in week
        ]
        for week in weeks
    ]
    return MonthView(
        first=first,
        today=today,
        weeks=grid,
        previous=_shift_month(first, -1),
        next=_shift_month(first, 1),
    )


# --- ICS feed ------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def _location(day: SupplierDay) -> str:
    if day.format == DayFormat.ONLINE.value:
        return day.video_link or day.venue
    return day.venue or day.video_link


def _description(day: SupplierDay, page: str) -> str:
    lines = [day.title, f"{day.buyer.name} · {label_for(day.format)}"]
    if day.venue:
        lines.append(_("Venue: %(venue)s", venue=day.venue))
    if day.video_link:
        lines.append(_("Video link: %(link)s", link=day.video_link))
    if day.registration_deadline is not None:
        lines.append(_("Registration until %(date)s", date=day.registration_deadline.isoformat()))
    lines.append(_("Details: %(url)s", url=page))
    return "\n".join(lines)


def _event(day: SupplierDay, base_url: str) -> icalendar.Event:
    zone = _zone(day.timezone)
    page = f"{base_url.rstrip('/')}/days/{day.id}"
    event = icalendar.Event()
    event.add("uid", f"supplier-day-{day.id}@matchmaker")
    # The last change, not the time of the request, so an unchanged day exports the same.
    stamp = aware(day.updated_at or day.created_at or utcnow()).astimezone(dt.UTC)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("dtstart", dt.datetime.combine(day.date, day.day_start, tzinfo=zone))
    event.add("dtend", dt.datetime.combine(day.date, day.day_end, tzinfo=zone))
    event.add("summary", f"{day.buyer.name} — {day.title}")
    location = _location(day)
    if location:
        event.add("location", location)
    event.add("url", page)
    if day.video_link:
        event.add(
            "conference",
            day.video_link,
            parameters={"VALUE": "URI", "FEATURE": "VIDEO"},
        )
    event.add("description", _description(day, page))
    event.add("status", EVENT_STATUS.get(day.status, "CONFIRMED"))
    event.add("categories", [_("Supplier Day")])
    return event


def days_calendar(
    days: Iterable[SupplierDay], base_url: str, extra_events: Iterable[icalendar.Event] = ()
) -> bytes:
    """Build an iCalendar file with one event per Supplier Day, in the day's time zone.

    Pure: reads only the given days (and their buyers), so the CLI can call it too.
    ``base_url`` is the application's root, e.g. ``https://cluster.example/``.
    """
    feed = icalendar.Calendar()
    feed.add("prodid", "-//matchmaker//Supplier Days//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", _("Supplier Days"))
    feed.add("name", _("Supplier Days"))
    ordered = sorted(days, key=lambda day: (day.date, day.day_start, day.id))
    for day in ordered:
        feed.add_component(_event(day, base_url))
    for event in extra_events:
        feed.add_component(event)
    if ordered:
        # The VTIMEZONE transitions must cover every event, also days past 2037.
        first = min(ordered[0].date, dt.date(1970, 1, 1))
        last = max(ordered[-1].date + dt.timedelta(days=366), dt.date(2038, 1, 1))
        feed.add_missing_timezones(first_date=first, last_date=last)
    return feed.to_ical()


# --- holidays ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayInput:
    date: dt.date | None
    name: str


def list_holidays(
    session: Session, start: dt.date | None = None, end: dt.date | None = None
) -> list[Holiday]:
    """The listed public holidays, by date, optionally from ``start`` to ``end`` inclusive."""
    statement = select(Holiday)
    if start is not None:
        statement = statement.where(Holiday.date >= start)
    if end is not None:
        statement = statement.where(Holiday.date <= end)
    return list(session.scalars(statement.order_by(Holiday.date)).all())


def _taken(holiday: Holiday) -> FieldError:
    return FieldError(
        "date",
        _(
            "%(date)s is already listed as “%(name)s”.",
            date=display_date(holiday.date),
            name=holiday.name,
        ),
    )


@writes
def add_holiday(session: Session, actor: User, data: HolidayInput) -> Holiday:
    """List a public holiday, so Supplier Days on that date get a warning."""
    require_role(actor, Role.STAFF)
    if data.date is None:
        raise FieldError("date", _("Enter a date."))
    name = data.name.strip()
    if not name:
        raise FieldError("name", _("Name the holiday."))
    if len(name) > 120:
        raise FieldError("name", _("Use at most 120 characters."))
    existing = session.scalar(select(Holiday).where(Holiday.date == data.date))
    if existing is not None:
        raise _taken(existing)
    holiday = Holiday(date=data.date, name=name)
    session.add(holiday)
    try:
        session.flush()
    except IntegrityError:
        # Another staff member listed the same date a moment ago.
        session.rollback()
        clash = session.scalar(select(Holiday).where(Holiday.date == data.date))
        if clash is None:
            raise
        raise _taken(clash) from None
    audit.record(
        session,
        actor,
        "holiday.added",
        "holiday",
        holiday.id,
        date=data.date.isoformat(),
        name=name,
    )
    session.commit()
    return holiday


@writes
def remove_holiday(session: Session, actor: User, holiday_id: int) -> str:
    """Take a public holiday off the list; returns its name."""
    require_role(actor, Role.STAFF)
    holiday = session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound()
    name = holiday.name
    audit.record(
        session,
        actor,
        "holiday.removed",
        "holiday",
        holiday.id,
        date=holiday.date.isoformat(),
        name=name,
    )
    session.delete(holiday)
    session.commit()
    return name


# --- warnings ------------------------------------------------------------------------------


def _neighbour_warning(day: SupplierDay, other: SupplierDay) -> str:
    values = {
        "buyer": other.buyer.name,
        "title": other.title,
        "date": display_date(other.date),
    }
    if other.date == day.date:
        return _("%(buyer)s already has another Supplier Day on this date: “%(title)s”.", **values)
    if other.date < day.date:
        return _(
            "%(buyer)s has another Supplier Day the day before, on %(date)s: “%(title)s”.",
            **values,
        )
    return _(
        "%(buyer)s has another Supplier Day the day after, on %(date)s: “%(title)s”.", **values
    )


def day_warnings(session: Session, day: SupplierDay) -> list[str]:
    """Say what may be wrong with a day's date: a clash for its buyer, a holiday, a weekend."""
    warnings: list[str] = []
    one_day = dt.timedelta(days=1)
    neighbours: Sequence[SupplierDay] = session.scalars(
        select(SupplierDay)
        .where(
            SupplierDay.buyer_id == day.buyer_id,
            SupplierDay.id != day.id,
            SupplierDay.date >= day.date - one_day,
            SupplierDay.date <= day.date + one_day,
        )
        .options(selectinload(SupplierDay.buyer))
        .order_by(SupplierDay.date, SupplierDay.id)
    ).all()
    warnings.extend(_neighbour_warning(day, other) for other in neighbours)
    when = display_date(day.date)
    for holiday in list_holidays(session, day.date, day.date):
        warnings.append(_("%(date)s is a public holiday: %(name)s.", date=when, name=holiday.name))
    if day.date.weekday() == calendar.SATURDAY:
        warnings.append(_("%(date)s is a Saturday.", date=when))
    elif day.date.weekday() == calendar.SUNDAY:
        warnings.append(_("%(date)s is a Sunday.", date=when))
    return warnings
