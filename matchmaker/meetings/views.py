"""Meeting pages: requests and answers, the staff grid, agendas and their files."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from matchmaker.auth.decorators import role_required
from matchmaker.errors import FieldError, NotFound
from matchmaker.extensions import db
from matchmaker.forms import EmptyForm, apply_field_error, options
from matchmaker.meetings import export, services
from matchmaker.meetings.forms import BlockForm, PlaceForm, RequestForm
from matchmaker.models import Role

bp = Blueprint("meetings", __name__)


def _ttl() -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config["MEETING_REQUEST_TTL_HOURS"]))


def _back(default: str) -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.post("/needs/<int:need_id>/suppliers/<int:supplier_id>/meeting")
@role_required(Role.BUYER)
def buyer_request(need_id: int, supplier_id: int) -> BaseResponse:
    return _request(need_id, supplier_id)


@bp.post("/needs/<int:need_id>/meeting")
@role_required(Role.SUPPLIER)
def supplier_request(need_id: int) -> BaseResponse:
    return _request(need_id, None)


def _request(need_id: int, supplier_id: int | None) -> BaseResponse:
    form = RequestForm()
    if form.validate_on_submit():
        try:
            meeting = services.request_meeting(
                db.session(),
                current_user,
                need_id,
                supplier_id,
                message=form.message.data or "",
                ttl=_ttl(),
            )
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            if meeting.status == "confirmed":
                flash(_("The other side had asked too: the meeting is agreed."), "success")
            else:
                flash(_("Meeting requested. The other side has been told."), "success")
    return redirect(_back(url_for("meetings.index")))


@bp.get("/meetings")
@role_required(Role.BUYER, Role.SUPPLIER)
def index() -> str:
    meetings = services.meetings_for(db.session(), current_user)
    return render_template(
        "meetings/index.html", meetings=meetings, reason_text=services.reason_text
    )


def _answer(meeting_id: int, accept: bool) -> BaseResponse:
    if EmptyForm().validate_on_submit():
        try:
            services.respond(db.session(), current_user, meeting_id, accept)
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("Meeting accepted.") if accept else _("Request declined."), "success")
    return redirect(_back(url_for("meetings.index")))


@bp.post("/meetings/<int:meeting_id>/accept")
@role_required(Role.BUYER, Role.SUPPLIER)
def accept(meeting_id: int) -> BaseResponse:
    return _answer(meeting_id, accept=True)


@bp.post("/meetings/<int:meeting_id>/decline")
@role_required(Role.BUYER, Role.SUPPLIER)
def decline(meeting_id: int) -> BaseResponse:
    return _answer(meeting_id, accept=False)


@bp.post("/meetings/<int:meeting_id>/cancel")
@role_required(Role.BUYER, Role.SUPPLIER, Role.STAFF)
def cancel(meeting_id: int) -> BaseResponse:
    default = url_for("meetings.index") if current_user.role != Role.STAFF.value else "/"
    if EmptyForm().validate_on_submit():
        try:
            successor = services.cancel(db.session(), current_user, meeting_id)
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("Meeting cancelled; both sides have been told."), "info")
            if successor is not None:
                flash(
                    _(
                        "The freed seat went to %(name)s, who was waiting.",
                        name=successor.supplier.name,
                    ),
                    "success",
                )
    return redirect(_back(default))


@bp.post("/notifications/read")
@role_required(Role.BUYER, Role.SUPPLIER)
def read_notifications() -> BaseResponse:
    if EmptyForm().validate_on_submit():
        services.mark_notifications_read(db.session(), current_user)
    return redirect(_back("/"))


# --- staff: the grid ---------------------------------------------------------------------


def _grid_forms(view: services.GridView) -> tuple[PlaceForm, BlockForm]:
    slot_choices = options(
        (slot.index, f"{slot.start.strftime('%H:%M')}–{slot.end.strftime('%H:%M')}")
        for slot in view.slots
    )
    place_form = PlaceForm()
    place_form.table_no.choices = options(view.tables)
    place_form.slot_index.choices = slot_choices
    block_form = BlockForm()
    subjects = [("buyer", _("All tables (the buyer's team)"))]
    subjects += [(f"table:{n}", label) for n, label in view.tables]
    subjects += [
        (f"supplier:{s.id}", s.name) for s in services.day_suppliers(db.session(), view.day)
    ]
    block_form.subject.choices = options(subjects)
    block_form.slot_index.choices = slot_choices
    return place_form, block_form


def _grid_page(
    day_id: int, place_form: PlaceForm | None = None, block_form: BlockForm | None = None
) -> str:
    view = services.grid_view(db.session(), current_user, day_id)
    default_place, default_block = _grid_forms(view)
    return render_template(
        "meetings/grid.html",
        view=view,
        place_form=place_form or default_place,
        block_form=block_form or default_block,
    )


@bp.get("/days/<int:day_id>/grid")
@role_required(Role.STAFF)
def grid(day_id: int) -> str:
    return _grid_page(day_id)


@bp.post("/days/<int:day_id>/schedule")
@role_required(Role.STAFF)
def run_schedule(day_id: int) -> BaseResponse:
    if EmptyForm().validate_on_submit():
        try:
            report = services.run_scheduler(db.session(), current_user, day_id)
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(
                _(
                    "Scheduler placed %(placed)d meetings; %(unplaced)d wait for a seat.",
                    placed=report.placed,
                    unplaced=len(report.unplaced),
                ),
                "success",
            )
    return redirect(url_for("meetings.grid", day_id=day_id))


@bp.post("/meetings/<int:meeting_id>/place")
@role_required(Role.STAFF)
def place(meeting_id: int) -> BaseResponse | str:
    meeting = db.session.get(services.Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    view = services.grid_view(db.session(), current_user, meeting.supplier_day_id)
    form, _block = _grid_forms(view)
    if form.validate_on_submit():
        try:
            services.place(
                db.session(),
                current_user,
                meeting_id,
                form.table_no.data or 0,
                form.slot_index.data if form.slot_index.data is not None else -1,
            )
        except FieldError as error:
            db.session.rollback()
            flash(f"{meeting.supplier.name}: {error.message}", "danger")
        else:
            flash(_("Meeting seated and locked."), "success")
    else:
        flash(_("Choose a table and a slot."), "danger")
    return redirect(url_for("meetings.grid", day_id=view.day.id) + f"#meeting-{meeting_id}")


@bp.post("/meetings/<int:meeting_id>/lock")
@role_required(Role.STAFF)
def lock(meeting_id: int) -> BaseResponse:
    return _set_lock(meeting_id, locked=True)


@bp.post("/meetings/<int:meeting_id>/unlock")
@role_required(Role.STAFF)
def unlock(meeting_id: int) -> BaseResponse:
    return _set_lock(meeting_id, locked=False)


def _set_lock(meeting_id: int, locked: bool) -> BaseResponse:
    meeting = db.session.get(services.Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    if EmptyForm().validate_on_submit():
        try:
            services.set_lock(db.session(), current_user, meeting_id, locked)
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
    return redirect(url_for("meetings.grid", day_id=meeting.supplier_day_id))


@bp.post("/days/<int:day_id>/blocks")
@role_required(Role.STAFF)
def add_block(day_id: int) -> BaseResponse | str:
    view = services.grid_view(db.session(), current_user, day_id)
    _place, form = _grid_forms(view)
    if form.validate_on_submit():
        kind, _sep, value = (form.subject.data or "").partition(":")
        try:
            services.set_block(
                db.session(),
                current_user,
                day_id,
                form.slot_index.data if form.slot_index.data is not None else -1,
                supplier_id=int(value) if kind == "supplier" else None,
                table_no=int(value) if kind == "table" else None,
            )
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
            return _grid_page(day_id, block_form=form)
        flash(_("Slot marked unavailable. Re-run the scheduler to apply it."), "success")
        return redirect(url_for("meetings.grid", day_id=day_id) + "#blocks")
    return _grid_page(day_id, block_form=form)


@bp.post("/blocks/<int:block_id>/delete")
@role_required(Role.STAFF)
def delete_block(block_id: int) -> BaseResponse:
    if EmptyForm().validate_on_submit():
        day_id = services.remove_block(db.session(), current_user, block_id)
        return redirect(url_for("meetings.grid", day_id=day_id) + "#blocks")
    return redirect(url_for("supplier_days.index"))


# --- agendas -----------------------------------------------------------------------------


def _agenda_args() -> tuple[int | None, int | None]:
    supplier = request.args.get("supplier", "")
    table = request.args.get("table", "")
    return (
        int(supplier) if supplier.isdigit() else None,
        int(table) if table.isdigit() else None,
    )


@bp.get("/days/<int:day_id>/agenda")
@role_required(Role.STAFF, Role.BUYER, Role.SUPPLIER)
def agenda(day_id: int) -> str:
    supplier_id, table_no = _agenda_args()
    day, items = services.agenda_for(db.session(), current_user, day_id, supplier_id, table_no)
    if current_user.role == Role.SUPPLIER.value:
        supplier_id = current_user.supplier_id  # a supplier's agenda is its own
    template = "meetings/agenda_print.html" if request.args.get("print") else "meetings/agenda.html"
    return render_template(
        template, day=day, items=items, supplier_id=supplier_id, table_no=table_no
    )


@bp.get("/days/<int:day_id>/agenda.ics")
@role_required(Role.STAFF, Role.BUYER, Role.SUPPLIER)
def agenda_ics(day_id: int) -> Response:
    supplier_id, table_no = _agenda_args()
    day, items = services.agenda_for(db.session(), current_user, day_id, supplier_id, table_no)
    body = export.to_ics(items, f"{day.buyer.name} — {day.title}")
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="agenda-day-{day.id}.ics"'
    return response
