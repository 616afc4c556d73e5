"""Supplier Day pages: lists and details for every role, editing for staff."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import taxonomy
from matchmaker.auth.decorators import role_required
from matchmaker.buyers import services as buyer_services
from matchmaker.calendar import services as calendar_services
from matchmaker.errors import FieldError
from matchmaker.extensions import db
from matchmaker.forms import EmptyForm, apply_field_error, options
from matchmaker.meetings import services as meeting_services
from matchmaker.meetings.grid import DEFAULT_ZONE, format_breaks, read_breaks
from matchmaker.models import DayStatus, Need, Role
from matchmaker.notices import fits
from matchmaker.opportunities.services import accepting
from matchmaker.shortlists import services as shortlists
from matchmaker.shortlists.cache import index_cache
from matchmaker.supplier_days import services
from matchmaker.supplier_days.forms import DayForm, NeedForm
from matchmaker.suppliers import services as supplier_services

bp = Blueprint("supplier_days", __name__)


def _locale() -> str:
    return str(current_user.locale or "en")


def _standard_codes() -> list[str]:
    return [s.code for s in taxonomy.standards(current_app.config["SEED_DIR"])]


@bp.get("/days")
@role_required(Role.STAFF, Role.BUYER, Role.SUPPLIER)
def index() -> str:
    days = services.visible_days(db.session(), current_user)
    today = dt.date.today()
    upcoming = sorted((d for d in days if d.date >= today), key=lambda d: d.date)
    past = [d for d in days if d.date < today]
    return render_template("supplier_days/index.html", upcoming=upcoming, past=past)


@bp.get("/days/<int:day_id>")
@role_required(Role.STAFF, Role.BUYER, Role.SUPPLIER)
def detail(day_id: int) -> str:
    day = services.get_day(db.session(), current_user, day_id)
    context: dict[str, object] = {"day": day, "today": dt.date.today()}
    if current_user.role == Role.SUPPLIER.value:
        supplier = supplier_services.own_supplier(db.session(), current_user)
        context["interested"] = supplier_services.interested_need_ids(db.session(), supplier.id)
        context["fits"] = shortlists.stored_positions(db.session(), supplier.id, day)
        context["meeting"] = meeting_services.pair_meetings(db.session(), day.id).get(supplier.id)
        context["accepting"] = day.status == DayStatus.OPEN.value and (
            day.registration_deadline is None or dt.date.today() <= day.registration_deadline
        )
    else:
        context["summaries"] = shortlists.day_summary(db.session(), day)
    return render_template("supplier_days/detail.html", **context)


def _day_form(obj: object | None = None) -> DayForm:
    form = DayForm(obj=obj)
    form.buyer_id.choices = options(
        (b.id, b.name) for b in buyer_services.list_buyers(db.session())
    )
    return form


def _day_input(form: DayForm) -> services.DayInput:
    return services.DayInput(
        buyer_id=form.buyer_id.data or 0,
        title=form.title.data or "",
        date=form.date.data or dt.date.today(),
        format=form.format.data or "",
        status=form.status.data or "",
        venue=form.venue.data or "",
        video_link=form.video_link.data or "",
        description=form.description.data or "",
        registration_deadline=form.registration_deadline.data,
        slot_minutes=form.slot_minutes.data or 0,
        day_start=form.day_start.data or dt.time(10, 0),
        day_end=form.day_end.data or dt.time(17, 0),
        tables=form.tables.data or 0,
        breaks=read_breaks(form.breaks.data or ""),
        timezone=form.timezone.data or DEFAULT_ZONE,
    )


@bp.route("/days/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def create() -> Response | str:
    form = _day_form()
    if request.method == "GET":
        form.slot_minutes.data = 30
        form.tables.data = 2
        form.day_start.data = dt.time(10, 0)
        form.day_end.data = dt.time(17, 0)
        form.status.data = DayStatus.DRAFT.value
        if request.args.get("buyer", "").isdigit():
            form.buyer_id.data = int(request.args["buyer"])
    if form.validate_on_submit():
        try:
            day = services.save_day(db.session(), current_user, _day_input(form))
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Supplier Day created. Now add the parts to localize."), "success")
            for warning in calendar_services.day_warnings(db.session(), day):
                flash(warning, "warning")
            return redirect(url_for("supplier_days.detail", day_id=day.id))
    return render_template("supplier_days/form.html", form=form, day=None)


@bp.route("/days/<int:day_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit(day_id: int) -> Response | str:
    day = services.get_day(db.session(), current_user, day_id)
    was_open = accepting(day, dt.date.today())
    form = _day_form(obj=day)
    if request.method == "GET":
        form.breaks.data = format_breaks(day.breaks)
    if form.validate_on_submit():
        try:
            services.save_day(db.session(), current_user, _day_input(form), day_id=day.id)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Supplier Day saved."), "success")
            if not was_open:  # the day opened: suppliers that fit its needs hear of them
                _announce(list(day.needs))
            for warning in calendar_services.day_warnings(db.session(), day):
                flash(warning, "warning")
            return redirect(url_for("supplier_days.detail", day_id=day.id))
    return render_template("supplier_days/form.html", form=form, day=day)


@bp.post("/days/<int:day_id>/delete")
@role_required(Role.STAFF)
def delete(day_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        try:
            services.delete_day(db.session(), current_user, day_id)
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return redirect(url_for("supplier_days.detail", day_id=day_id))
        flash(_("Supplier Day deleted."), "info")
    return redirect(url_for("supplier_days.index"))


@bp.post("/days/<int:day_id>/match")
@role_required(Role.STAFF)
def run_matching(day_id: int) -> Response:
    day = services.get_day(db.session(), current_user, day_id)
    if EmptyForm().validate_on_submit():
        count = shortlists.rank_day(db.session(), index_cache(), current_user, day.id)
        flash(_("Rankings recomputed for %(n)d needs.", n=count), "success")
    return redirect(url_for("supplier_days.detail", day_id=day.id))


def _announce(needs: list[Need]) -> None:
    """E-mail suppliers that rank high for these needs, if their day is open."""
    fits.announce_after_change(db.session(), index_cache(), needs)


def _need_form(obj: object | None = None) -> NeedForm:
    form = NeedForm(obj=obj)
    form.processes.choices = taxonomy.process_choices(db.session(), _locale())
    form.materials.choices = taxonomy.material_choices(db.session(), _locale())
    form.required_certifications.choices = taxonomy.standard_choices(current_app.config["SEED_DIR"])
    return form


def _need_input(form: NeedForm) -> services.NeedInput:
    return services.NeedInput(
        part_name=form.part_name.data or "",
        part_number=form.part_number.data or "",
        description=form.description.data or "",
        processes=tuple(form.processes.data or ()),
        materials=tuple(form.materials.data or ()),
        annual_volume=form.annual_volume.data,
        unit=form.unit.data or "pcs",
        sop_date=form.sop_date.data,
        required_certifications=tuple(form.required_certifications.data or ()),
    )


@bp.route("/days/<int:day_id>/needs/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def create_need(day_id: int) -> Response | str:
    day = services.get_day(db.session(), current_user, day_id)
    form = _need_form()
    if form.validate_on_submit():
        try:
            added = services.save_need(
                db.session(),
                current_user,
                _need_input(form),
                day_id=day.id,
                known_standards=_standard_codes(),
            )
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Need added."), "success")
            _announce([added])
            return redirect(url_for("supplier_days.detail", day_id=day.id))
    return render_template("supplier_days/need_form.html", form=form, day=day, need=None)


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_need(need_id: int) -> Response | str:
    need = services.get_need(db.session(), current_user, need_id)
    form = _need_form(obj=need)
    if request.method == "GET":
        form.processes.data = [p.code for p in need.processes]
        form.materials.data = [m.code for m in need.materials]
        form.required_certifications.data = list(need.required_certifications)
    if form.validate_on_submit():
        try:
            services.save_need(
                db.session(),
                current_user,
                _need_input(form),
                need_id=need.id,
                known_standards=_standard_codes(),
            )
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Need saved. Its ranking will be recomputed."), "success")
            _announce([need])
            return redirect(url_for("supplier_days.detail", day_id=need.supplier_day_id))
    return render_template(
        "supplier_days/need_form.html", form=form, day=need.supplier_day, need=need
    )


@bp.post("/needs/<int:need_id>/delete")
@role_required(Role.STAFF)
def delete_need(need_id: int) -> Response:
    need = services.get_need(db.session(), current_user, need_id)
    day_id = need.supplier_day_id
    if EmptyForm().validate_on_submit():
        services.delete_need(db.session(), current_user, need_id)
        flash(_("Need removed."), "info")
    return redirect(url_for("supplier_days.detail", day_id=day_id))
