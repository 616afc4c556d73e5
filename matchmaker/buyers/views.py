"""Buyer organisations: the buyer's home page, and staff's list and editor."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.auth.decorators import role_required
from matchmaker.buyers import services
from matchmaker.buyers.forms import BuyerForm
from matchmaker.errors import FieldError
from matchmaker.extensions import db
from matchmaker.forms import apply_field_error
from matchmaker.meetings import services as meeting_services
from matchmaker.models import Role
from matchmaker.shortlists import services as shortlists
from matchmaker.supplier_days import services as day_services

bp = Blueprint("buyers", __name__)


@bp.get("/buyer")
@role_required(Role.BUYER)
def home() -> str:
    days = day_services.visible_days(db.session(), current_user)
    summaries = {day.id: shortlists.day_summary(db.session(), day) for day in days}
    return render_template(
        "buyers/home.html",
        buyer=current_user.buyer,
        days=days,
        summaries=summaries,
        notifications=meeting_services.notifications_for(db.session(), current_user),
    )


@bp.get("/buyers")
@role_required(Role.STAFF)
def index() -> str:
    return render_template("buyers/index.html", buyers=services.list_buyers(db.session()))


def _buyer_input(form: BuyerForm) -> services.BuyerInput:
    return services.BuyerInput(
        name=form.name.data or "",
        kind=form.kind.data or "",
        country=form.country.data or "",
        description=form.description.data or "",
    )


@bp.route("/buyers/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def create() -> Response | str:
    form = BuyerForm()
    if form.validate_on_submit():
        try:
            buyer = services.save_buyer(db.session(), current_user, _buyer_input(form))
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Buyer %(name)s created.", name=buyer.name), "success")
            return redirect(url_for("buyers.index"))
    return render_template("buyers/form.html", form=form, buyer=None)


@bp.route("/buyers/<int:buyer_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit(buyer_id: int) -> Response | str:
    buyer = services.get_buyer(db.session(), buyer_id)
    form = BuyerForm(obj=buyer)
    if form.validate_on_submit():
        try:
            services.save_buyer(db.session(), current_user, _buyer_input(form), buyer_id=buyer.id)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Buyer saved."), "success")
            return redirect(url_for("buyers.index"))
    return render_template("buyers/form.html", form=form, buyer=buyer)
