"""A Supplier Day's slot grid, from the day's settings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matchmaker.models import DayFormat, SupplierDay
from matchmaker.scheduling import Slot, build_slots

DEFAULT_ZONE = "Europe/Samara"


def day_zone(day: SupplierDay) -> ZoneInfo:
    try:
        return ZoneInfo(day.timezone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def parse_breaks(raw: list[list[str]] | None) -> list[tuple[dt.time, dt.time]]:
    """Breaks stored as [["12:30", "13:30"], ...]; malformed entries are skipped."""
    breaks = []
    for item in raw or []:
        try:
            start, end = (dt.time.fromisoformat(part) for part in item)
        except (TypeError, ValueError):
            continue
        if start < end:
            breaks.append((start, end))
    return breaks


def format_breaks(raw: list[list[str]] | None) -> str:
    return ", ".join(f"{a.strftime('%H:%M')}-{b.strftime('%H:%M')}" for a, b in parse_breaks(raw))


def read_breaks(text: str) -> list[list[str]]:
    """Read "12:30-13:30, 15:00-15:15" into the stored form; raise ValueError if malformed."""
    breaks: list[list[str]] = []
    for chunk in text.replace(";", ",").split(","):
        chunk = chunk.strip().replace("–", "-").replace("—", "-")
        if not chunk:
            continue
        start_text, separator, end_text = chunk.partition("-")
        if not separator:
            raise ValueError(chunk)
        start = dt.time.fromisoformat(start_text.strip())
        end = dt.time.fromisoformat(end_text.strip())
        if end <= start:
            raise ValueError(chunk)
        breaks.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    return sorted(breaks)


def day_slots(day: SupplierDay) -> tuple[Slot, ...]:
    """The day's meeting slots in its time zone; none when the settings do not make a grid."""
    try:
        return build_slots(
            day.date,
            day.day_start,
            day.day_end,
            day.slot_minutes,
            parse_breaks(day.breaks),
            day_zone(day),
        )
    except ValueError:
        return ()


def utc_key(value: dt.datetime) -> dt.datetime:
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def slots_by_start(slots: tuple[Slot, ...]) -> dict[dt.datetime, Slot]:
    return {utc_key(slot.start): slot for slot in slots}


def table_label(day: SupplierDay, table_no: int) -> str:
    from flask_babel import gettext as _

    if day.format == DayFormat.ONLINE.value:
        return _("Room %(n)d", n=table_no)
    return _("Table %(n)d", n=table_no)
