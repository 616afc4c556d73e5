"""Supplier pages: own profile and certificates, interests; staff review of suppliers."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import taxonomy
from matchmaker.auth import services as auth_services
from matchmaker.auth.decorators import role_required
from matchmaker.auth.forms import InviteForm
from matchmaker.errors import FieldError
from matchmaker.extensions import db
from matchmaker.forms import EmptyForm, apply_field_error
from matchmaker.meetings import services as meeting_services
from matchmaker.models import Role, SupplierStatus
from matchmaker.supplier_days import services as days_services
from matchmaker.suppliers import services
from matchmaker.suppliers.forms import CertificationForm, ProfileForm, RejectForm

bp = Blueprint("suppliers", __name__)


def _locale() -> str:
    return str(current_user.locale or "en")


def _profile_form(obj: object | None = None) -> ProfileForm:
    form = ProfileForm(obj=obj)
    form.processes.choices = taxonomy.process_choices(db.session(), _locale())
    form.materials.choices = taxonomy.material_choices(db.session(), _locale())
    return form


def _certification_form() -> CertificationForm:
    form = CertificationForm()
    form.standard.choices = taxonomy.standard_choices(current_app.config["SEED_DIR"])
    return form


@bp.get("/supplier")
@role_required(Role.SUPPLIER)
def home() -> str:
    supplier = services.own_supplier(db.session(), current_user)
    days = days_services.visible_days(db.session(), current_user)
    interested = services.interested_need_ids(db.session(), supplier.id)
    return render_template(
        "suppliers/home.html",
        supplier=supplier,
        days=days,
        interest_count=len(interested),
        notifications=meeting_services.notifications_for(db.session(), current_user),
    )


@bp.route("/supplier/profile", methods=["GET", "POST"])
@role_required(Role.SUPPLIER)
def profile() -> Response | str:
    supplier = services.own_supplier(db.session(), current_user)
    form = _profile_form(obj=supplier)
    if request.method == "GET":
        form.processes.data = [p.code for p in supplier.processes]
        form.materials.data = [m.code for m in supplier.materials]
    if form.validate_on_submit():
        data = services.ProfileInput(
            name=form.name.data or "",
            region=form.region.data or "",
            city=form.city.data or "",
            website=form.website.data or "",
            employees=form.employees.data,
            description=form.description.data or "",
            products=form.products.data or "",
            customers=form.customers.data or "",
            processes=tuple(form.processes.data or ()),
            materials=tuple(form.materials.data or ()),
        )
        try:
            services.update_profile(db.session(), current_user, data)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Profile saved. Rankings will include your changes."), "success")
            return redirect(url_for("suppliers.profile"))
    return render_template(
        "suppliers/profile.html",
        form=form,
        supplier=supplier,
        certification_form=_certification_form(),
    )


@bp.post("/supplier/certifications")
@role_required(Role.SUPPLIER)
def add_certification() -> Response | str:
    form = _certification_form()
    if form.validate_on_submit():
        data = services.CertificationInput(
            standard=form.standard.data or "",
            number=form.number.data or "",
            valid_until=form.valid_until.data,
        )
        try:
            services.add_certification(db.session(), current_user, data)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Certificate added. Staff will check it."), "success")
            return redirect(url_for("suppliers.profile") + "#certifications")
    supplier = services.own_supplier(db.session(), current_user)
    profile_form = _profile_form(obj=supplier)
    profile_form.processes.data = [p.code for p in supplier.processes]
    profile_form.materials.data = [m.code for m in supplier.materials]
    return render_template(
        "suppliers/profile.html", form=profile_form, supplier=supplier, certification_form=form
    )


@bp.post("/supplier/certifications/<int:certification_id>/delete")
@role_required(Role.SUPPLIER)
def delete_certification(certification_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        services.remove_certification(db.session(), current_user, certification_id)
        flash(_("Certificate removed."), "info")
    return redirect(url_for("suppliers.profile") + "#certifications")


@bp.post("/needs/<int:need_id>/interest")
@role_required(Role.SUPPLIER)
def mark_interest(need_id: int) -> Response:
    return _interest_action(need_id, withdraw=False)


@bp.post("/needs/<int:need_id>/withdraw")
@role_required(Role.SUPPLIER)
def withdraw_interest(need_id: int) -> Response:
    return _interest_action(need_id, withdraw=True)


def _interest_action(need_id: int, withdraw: bool) -> Response:
    form = EmptyForm()
    need = days_services.get_need(db.session(), current_user, need_id)
    if form.validate_on_submit():
        try:
            if withdraw:
                services.withdraw_interest(db.session(), current_user, need_id)
                flash(_("Interest withdrawn for %(part)s.", part=need.part_name), "info")
            else:
                services.mark_interest(db.session(), current_user, need_id)
                flash(_("Interest noted for %(part)s.", part=need.part_name), "success")
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
    return redirect(
        url_for("supplier_days.detail", day_id=need.supplier_day_id) + f"#need-{need_id}"
    )


@bp.get("/suppliers")
@role_required(Role.STAFF)
def index() -> str:
    status = request.args.get("status", "")
    query = request.args.get("q", "")[:100]
    suppliers = services.list_suppliers(db.session(), current_user, status=status, query=query)
    return render_template(
        "suppliers/index.html",
        suppliers=suppliers,
        status=status,
        query=query,
        counts=services.status_counts(db.session()),
        statuses=[s.value for s in SupplierStatus],
    )


@bp.get("/suppliers/<int:supplier_id>")
@role_required(Role.STAFF, Role.BUYER)
def show(supplier_id: int) -> str:
    return _show_page(supplier_id)


def _show_page(
    supplier_id: int, reject_form: RejectForm | None = None, invite_form: InviteForm | None = None
) -> str:
    supplier = services.get_supplier(db.session(), current_user, supplier_id)
    if invite_form is None:
        invite_form = InviteForm(email=supplier.email if not supplier.users else "")
    return render_template(
        "suppliers/show.html",
        supplier=supplier,
        reject_form=reject_form or RejectForm(),
        invite_form=invite_form,
        today=dt.date.today(),
    )


@bp.post("/suppliers/<int:supplier_id>/invite")
@role_required(Role.STAFF)
def invite(supplier_id: int) -> Response | str:
    form = InviteForm()
    if form.validate_on_submit():
        data = auth_services.Invitation(
            supplier_id=supplier_id,
            email=form.email.data or "",
            name=form.name.data or "",
            locale=form.locale.data or "ru",
        )
        try:
            user = auth_services.invite_supplier_user(db.session(), current_user, data)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(
                _("%(email)s can now choose a password: the link is on its way.", email=user.email),
                "success",
            )
            return redirect(url_for("suppliers.show", supplier_id=supplier_id))
    return _show_page(supplier_id, invite_form=form)


@bp.post("/suppliers/<int:supplier_id>/verify")
@role_required(Role.STAFF)
def verify(supplier_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        supplier = services.review(db.session(), current_user, supplier_id, SupplierStatus.VERIFIED)
        flash(_("%(name)s is verified.", name=supplier.name), "success")
    return redirect(url_for("suppliers.show", supplier_id=supplier_id))


@bp.post("/suppliers/<int:supplier_id>/reject")
@role_required(Role.STAFF)
def reject(supplier_id: int) -> Response | str:
    form = RejectForm()
    if form.validate_on_submit():
        try:
            supplier = services.review(
                db.session(),
                current_user,
                supplier_id,
                SupplierStatus.REJECTED,
                form.reason.data or "",
            )
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(
                _("%(name)s is rejected; the supplier sees your reason.", name=supplier.name),
                "info",
            )
            return redirect(url_for("suppliers.show", supplier_id=supplier_id))
    return _show_page(supplier_id, reject_form=form)


@bp.post("/certifications/<int:certification_id>/verify")
@role_required(Role.STAFF)
def verify_certification(certification_id: int) -> Response:
    return _set_certification(certification_id, verified=True)


@bp.post("/certifications/<int:certification_id>/unverify")
@role_required(Role.STAFF)
def unverify_certification(certification_id: int) -> Response:
    return _set_certification(certification_id, verified=False)


def _set_certification(certification_id: int, verified: bool) -> Response:
    form = EmptyForm()
    certification = (
        services.set_certification_verified(db.session(), current_user, certification_id, verified)
        if form.validate_on_submit()
        else None
    )
    if certification is None:
        flash(_("The form expired; please retry."), "warning")
        return redirect(url_for("suppliers.index"))
    if verified:
        flash(_("%(standard)s is marked as checked.", standard=certification.standard), "success")
    else:
        flash(_("%(standard)s is no longer marked as checked.", standard=certification.standard))
    if request.form.get("back") == "expiring":  # the staff list of certificates to watch
        return redirect(url_for("certificates.expiring") + f"#certificate-{certification.id}")
    return redirect(url_for("suppliers.show", supplier_id=certification.supplier_id))
