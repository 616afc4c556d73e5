"""A need's ranked suppliers, with reasons, and the buyer's decisions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.auth.decorators import role_required
from matchmaker.errors import FieldError
from matchmaker.extensions import db
from matchmaker.forms import EmptyForm, apply_field_error
from matchmaker.meetings import services as meeting_services
from matchmaker.models import Role
from matchmaker.shortlists import services
from matchmaker.shortlists.cache import index_cache
from matchmaker.shortlists.forms import DecisionForm
from matchmaker.suppliers import services as supplier_services

bp = Blueprint("shortlists", __name__)


@bp.get("/needs/<int:need_id>")
@role_required(Role.BUYER, Role.STAFF)
def shortlist(need_id: int) -> str:
    status = request.args.get("status", "")
    result = services.shortlist(db.session(), index_cache(), current_user, need_id, status)
    meetings = meeting_services.pair_meetings(db.session(), result.need.supplier_day_id)
    return render_template("shortlists/shortlist.html", shortlist=result, meetings=meetings)


@bp.post("/needs/<int:need_id>/rerun")
@role_required(Role.BUYER, Role.STAFF)
def rerun(need_id: int) -> Response:
    need = services.get_need_for_buyer(db.session(), current_user, need_id)
    if EmptyForm().validate_on_submit():
        services.rank_needs(db.session(), index_cache(), [need], trigger="manual")
        flash(_("Ranking recomputed."), "success")
    return redirect(url_for("shortlists.shortlist", need_id=need.id))


def _candidate_page(need_id: int, supplier_id: int, form: DecisionForm | None) -> str:
    result = services.shortlist(db.session(), index_cache(), current_user, need_id)
    row = result.row_for(supplier_id)
    supplier = supplier_services.get_supplier(db.session(), current_user, supplier_id)
    fit = services.candidate_fit(db.session(), index_cache(), result, supplier_id)
    if form is None:
        decision = row.decision if row is not None else None
        form = DecisionForm(
            status=row.status if row is not None else services.LONG_LIST,
            reason=decision.reason if decision is not None else "",
            note=decision.note if decision is not None else "",
        )
    meetings = meeting_services.pair_meetings(db.session(), result.need.supplier_day_id)
    return render_template(
        "shortlists/candidate.html",
        shortlist=result,
        row=row,
        fit=fit,
        supplier=supplier,
        form=form,
        meeting=meetings.get(supplier_id),
    )


@bp.get("/needs/<int:need_id>/suppliers/<int:supplier_id>")
@role_required(Role.BUYER, Role.STAFF)
def candidate(need_id: int, supplier_id: int) -> str:
    return _candidate_page(need_id, supplier_id, None)


@bp.post("/needs/<int:need_id>/suppliers/<int:supplier_id>/decision")
@role_required(Role.BUYER)
def decide(need_id: int, supplier_id: int) -> Response | str:
    form = DecisionForm()
    if form.validate_on_submit():
        data = services.DecisionInput(
            status=form.status.data or "",
            reason=form.reason.data or "",
            note=form.note.data or "",
        )
        try:
            services.record_decision(db.session(), current_user, need_id, supplier_id, data)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            flash(_("Decision saved."), "success")
            if request.form.get("back") == "list":
                return redirect(url_for("shortlists.shortlist", need_id=need_id))
            return redirect(
                url_for("shortlists.candidate", need_id=need_id, supplier_id=supplier_id)
            )
    return _candidate_page(need_id, supplier_id, form)
