"""Calendar pages: the month view and ICS feed for every role, public holidays for staff."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.auth import services as auth_services
from matchmaker.auth.decorators import role_required
from matchmaker.calendar import services
from matchmaker.calendar.forms import HolidayForm
from matchmaker.errors import FieldError, NotFound
from matchmaker.extensions import db, limiter
from matchmaker.forms import EmptyForm, apply_field_error
from matchmaker.meetings import services as meeting_services
from matchmaker.meetings.export import meeting_event
from matchmaker.models import Role, User
from matchmaker.supplier_days.services import visible_days

bp = Blueprint("calendar", __name__)


def _today() -> dt.date:
    # "Today" is the cluster's date, not the server's: they differ around midnight.
    return dt.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _month_param(value: dt.date | None) -> str | None:
    return f"{value.year:04d}-{value.month:02d}" if value is not None else None


@bp.get("/calendar")
@role_required(Role.STAFF, Role.BUYER, Role.SUPPLIER)
def month() -> str:
    today = _today()
    first = services.parse_month(request.args.get("month"), today)
    view = services.month_view(db.session(), current_user, first, today)
    return render_template(
        "calendar/month.html",
        view=view,
        month_title=format_date(first, "LLLL y"),
        weekday_names=[format_date(cell.date, "EEE") for cell in view.weeks[0]],
        previous_month=_month_param(view.previous),
        next_month=_month_param(view.next),
        this_month=_month_param(today),
    )


def _feed(user: User) -> Response:
    days = visible_days(db.session(), user)
    meetings = [
        meeting_event(item) for item in meeting_services.agenda_for_user(db.session(), user)
    ]
    body = services.days_calendar(days, request.url_root, meetings)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="supplier-days.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/calendar.ics")
@role_required(Role.STAFF, Role.BUYER, Role.SUPPLIER)
def ics() -> Response:
    return _feed(current_user._get_current_object())


@bp.get("/feeds/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str) -> Response:
    """The subscription address: calendar programs fetch it without logging in."""
    user = auth_services.user_for_feed(db.session(), token)
    if user is None:
        raise NotFound()
    return _feed(user)


@bp.route("/holidays", methods=["GET", "POST"])
@role_required(Role.STAFF)
def holidays() -> Response | str:
    form = HolidayForm()
    if form.validate_on_submit():
        data = services.HolidayInput(date=form.date.data, name=form.name.data or "")
        try:
            holiday = services.add_holiday(db.session(), current_user, data)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Holiday “%(name)s” added.", name=holiday.name), "success")
            return redirect(url_for("calendar.holidays"))
    return render_template(
        "calendar/holidays.html",
        form=form,
        holidays=services.list_holidays(db.session()),
        today=_today(),
    )


@bp.post("/holidays/<int:holiday_id>/delete")
@role_required(Role.STAFF)
def delete_holiday(holiday_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        name = services.remove_holiday(db.session(), current_user, holiday_id)
        flash(_("Holiday “%(name)s” removed.", name=name), "info")
    return redirect(url_for("calendar.holidays"))
