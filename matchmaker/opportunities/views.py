"""Needs that fit me: the supplier's ranked view of open needs, with one-click interest."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.auth.decorators import role_required
from matchmaker.errors import FieldError
from matchmaker.extensions import db
from matchmaker.forms import EmptyForm
from matchmaker.models import Role
from matchmaker.opportunities import services
from matchmaker.shortlists.cache import index_cache
from matchmaker.supplier_days import services as days_services
from matchmaker.suppliers import services as supplier_services

bp = Blueprint("opportunities", __name__)


@bp.get("/opportunities")
@role_required(Role.SUPPLIER)
def index() -> str:
    result = services.for_supplier(db.session(), index_cache(), current_user)
    return render_template("opportunities/index.html", result=result)


@bp.post("/opportunities/<int:need_id>/interest")
@role_required(Role.SUPPLIER)
def mark_interest(need_id: int) -> Response:
    return _interest(need_id, withdraw=False)


@bp.post("/opportunities/<int:need_id>/withdraw")
@role_required(Role.SUPPLIER)
def withdraw_interest(need_id: int) -> Response:
    return _interest(need_id, withdraw=True)


def _interest(need_id: int, withdraw: bool) -> Response:
    need = days_services.get_need(db.session(), current_user, need_id)
    part = need.part_name
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired; please retry."), "warning")
    else:
        try:
            if withdraw:
                supplier_services.withdraw_interest(db.session(), current_user, need_id)
                flash(_("Interest withdrawn for %(part)s.", part=part), "info")
            else:
                supplier_services.mark_interest(db.session(), current_user, need_id)
                flash(_("Interest noted for %(part)s.", part=part), "success")
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "danger")
    return redirect(url_for("opportunities.index") + f"#need-{need_id}")
