"""Template filters and globals."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from matchmaker.formatting import display_date
from matchmaker.forms import EmptyForm
from matchmaker.models import DayFormat, DayStatus, FunnelStatus, SupplierStatus


def label_for(value: str) -> str:
    """Human label for the enum values shown in pages."""
    labels = {
        DayFormat.ONSITE.value: _("on site"),
        DayFormat.ONLINE.value: _("online"),
        DayFormat.HYBRID.value: _("hybrid"),
        DayStatus.DRAFT.value: _("draft"),
        DayStatus.OPEN.value: _("open"),
        DayStatus.CLOSED.value: _("closed"),
        DayStatus.DONE.value: _("done"),
        SupplierStatus.PENDING.value: _("pending verification"),
        SupplierStatus.VERIFIED.value: _("verified"),
        SupplierStatus.REJECTED.value: _("rejected"),
        FunnelStatus.SHORTLISTED.value: _("shortlisted"),
        FunnelStatus.MEETING.value: _("meeting"),
        FunnelStatus.RFQ.value: _("RFQ sent"),
        FunnelStatus.NOMINATED.value: _("nominated"),
        "longlist": _("long list"),
        "pcs": _("pcs"),
        "sets": _("sets"),
        "kg": _("kg"),
        "m": _("m"),
        "t": _("t"),
        "requested": _("requested"),
        "confirmed": _("agreed"),
        "declined": _("declined"),
        "cancelled": _("cancelled"),
        "expired": _("lapsed"),
    }
    return labels.get(value, value)


def _local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive values for timezone-aware columns
        value = value.replace(tzinfo=dt.UTC)
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return format_datetime(value.astimezone(zone), "d MMM yyyy, HH:mm", rebase=False)


def _date(value: dt.date | None) -> str:
    return display_date(value) if value is not None else ""


def _thousands(value: int | None) -> str:
    return f"{value:,}".replace(",", "\u202f") if value is not None else ""


def register(app: Flask) -> None:
    app.jinja_env.filters["label"] = label_for
    app.jinja_env.filters["localdt"] = _local_datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["thousands"] = _thousands
    from matchmaker.shortlists import wording

    app.jinja_env.filters["concept"] = wording.concept
    app.jinja_env.filters["req_detail"] = wording.detail
    app.jinja_env.globals["empty_form"] = EmptyForm
    app.jinja_env.globals["get_locale"] = get_locale
