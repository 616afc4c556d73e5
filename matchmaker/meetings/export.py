"""Agendas as files: iCalendar, CSV and JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from icalendar import Calendar, Event

from matchmaker.meetings.services import AgendaItem

PRODUCT_ID = "-//matchmaker//Supplier Day agenda//EN"


def to_ics(items: Sequence[AgendaItem], calendar_name: str) -> bytes:
    """One VEVENT per meeting, with times in the day's time zone and the place or link."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    for item in items:
        calendar.add_component(meeting_event(item))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def meeting_event(item: AgendaItem) -> Event:
    """The calendar event of one seated meeting."""
    event = Event()
    event.add("uid", f"meeting-{item.meeting_id}@matchmaker")
    event.add("summary", f"{item.buyer} × {item.supplier}")
    event.add("dtstart", item.start)
    event.add("dtend", item.end)
    event.add("location", item.location)
    description = [item.day_title, item.table_label]
    if item.need:
        description.append(item.need)
    if item.video_link:
        description.append(item.video_link)
        event.add("url", item.video_link)
    event.add("description", "\n".join(description))
    event.add("status", "CONFIRMED")
    return event


COLUMNS = ("day", "buyer", "table", "supplier", "need", "start", "end", "status", "location")


def to_rows(items: Sequence[AgendaItem]) -> list[dict[str, Any]]:
    return [
        {
            "day": item.day_id,
            "day_title": item.day_title,
            "buyer": item.buyer,
            "table": item.table_label,
            "table_no": item.table_no,
            "supplier": item.supplier,
            "supplier_id": item.supplier_id,
            "need": item.need,
            "start": item.start.isoformat(),
            "end": item.end.isoformat(),
            "status": item.status,
            "location": item.location,
        }
        for item in items
    ]


def to_csv(items: Sequence[AgendaItem]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(to_rows(items))
    return buffer.getvalue()
