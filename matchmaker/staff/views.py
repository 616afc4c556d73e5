"""Cluster staff: dashboard and user accounts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from matchmaker.auth import services as auth_services
from matchmaker.auth.decorators import role_required
from matchmaker.buyers import services as buyer_services
from matchmaker.errors import FieldError
from matchmaker.extensions import db
from matchmaker.forms import apply_field_error, options
from matchmaker.models import Role, Supplier
from matchmaker.staff import services
from matchmaker.staff.forms import UserForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@role_required(Role.STAFF)
def dashboard() -> str:
    return render_template(
        "staff/dashboard.html", board=services.dashboard(db.session(), current_user)
    )


def _user_form() -> UserForm:
    form = UserForm()
    buyers = buyer_services.list_buyers(db.session())
    form.buyer.choices = options([("", "—")] + [(b.name, b.name) for b in buyers])
    suppliers = db.session.scalars(select(Supplier).order_by(Supplier.name))
    form.supplier.choices = options(
        [("", "—")] + [(str(s.id), f"{s.name} ({s.inn})" if s.inn else s.name) for s in suppliers]
    )
    return form


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.STAFF)
def users() -> Response | str:
    form = _user_form()
    if form.validate_on_submit():
        supplier_raw = form.supplier.data or ""
        data = auth_services.NewUser(
            email=form.email.data or "",
            name=form.name.data or "",
            role=Role(form.role.data),
            password=form.password.data or "",
            buyer_name=form.buyer.data or None,
            supplier_id=int(supplier_raw) if supplier_raw.isdigit() else None,
        )
        try:
            user = auth_services.create_user(db.session(), current_user, data)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("staff.users"))
    return render_template(
        "staff/users.html", form=form, users=services.list_users(db.session(), current_user)
    )
