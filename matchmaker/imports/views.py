"""Import pages: supplier lists and a day's needs, templates, and the review queue."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import taxonomy
from matchmaker.auth.decorators import role_required
from matchmaker.errors import FieldError
from matchmaker.extensions import db
from matchmaker.forms import EmptyForm
from matchmaker.imports import services
from matchmaker.imports.columns import NEED_COLUMNS, SUPPLIER_COLUMNS
from matchmaker.imports.forms import UploadForm
from matchmaker.models import Role
from matchmaker.notices import fits
from matchmaker.shortlists.cache import index_cache

bp = Blueprint("imports", __name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SHOWN_PROBLEMS = 1_000  # a page of more would not help anyone; the CLI prints them all
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _locale() -> str:
    return str(current_user.locale or "en")


def _standard_codes() -> list[str]:
    return [s.code for s in taxonomy.standards(current_app.config["SEED_DIR"])]


def _upload(form: UploadForm) -> tuple[bytes, str] | None:
    """The uploaded file's bytes and name, or None with the reason on the form."""
    upload = form.file.data
    limit = int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))
    data = upload.read(limit + 1)
    if len(data) > limit:
        form.file.errors = [
            _("The file is larger than %(n)d MB; split it.", n=limit // (1024 * 1024))
        ]
        return None
    return data, str(upload.filename or "upload")


def _download(data: bytes, fmt: str, stem: str) -> Response:
    response = Response(data, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def _format() -> str:
    fmt = request.args.get("format", "csv")
    return fmt if fmt in FORMATS else "csv"


@bp.route("/suppliers/import", methods=["GET", "POST"])
@role_required(Role.STAFF)
def suppliers() -> str:
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        upload = _upload(form)
        if upload is not None:
            data, filename = upload
            report = services.import_suppliers(
                db.session(),
                current_user,
                data,
                filename,
                standards=_standard_codes(),
                dry_run=bool(form.dry_run.data),
                skip_invalid=bool(form.skip_invalid.data),
            )
            # The file field comes back empty; the next upload of it is meant for real.
            form.dry_run.data = False
    return render_template(
        "imports/suppliers.html",
        form=form,
        report=report,
        shown=SHOWN_PROBLEMS,
        columns=SUPPLIER_COLUMNS,
        pending=services.pending_count(db.session()),
    )


@bp.get("/suppliers/import/template")
@role_required(Role.STAFF)
def supplier_template() -> Response:
    fmt = _format()
    data = services.template(db.session(), "suppliers", fmt, _standard_codes(), _locale())
    return _download(data, fmt, "suppliers-template")


@bp.get("/suppliers/import/reviews")
@role_required(Role.STAFF)
def reviews() -> str:
    items = services.pending_reviews(db.session(), current_user, _locale())
    return render_template(
        "imports/reviews.html", items=items, pending=services.pending_count(db.session())
    )


def _review_action(review_id: int, action: str) -> Response:
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired; please retry."), "warning")
        return redirect(url_for("imports.reviews"))
    try:
        if action == "add":
            supplier = services.add_as_new(db.session(), current_user, review_id)
            flash(_("%(name)s was added as a new supplier.", name=supplier.name), "success")
        elif action == "merge":
            supplier = services.merge_into_candidate(db.session(), current_user, review_id)
            flash(_("The row was merged into %(name)s.", name=supplier.name), "success")
        else:
            services.dismiss(db.session(), current_user, review_id)
            flash(_("The row was dismissed."), "info")
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for("imports.reviews"))


@bp.post("/suppliers/import/reviews/<int:review_id>/add")
@role_required(Role.STAFF)
def add_review(review_id: int) -> Response:
    return _review_action(review_id, "add")


@bp.post("/suppliers/import/reviews/<int:review_id>/merge")
@role_required(Role.STAFF)
def merge_review(review_id: int) -> Response:
    return _review_action(review_id, "merge")


@bp.post("/suppliers/import/reviews/<int:review_id>/dismiss")
@role_required(Role.STAFF)
def dismiss_review(review_id: int) -> Response:
    return _review_action(review_id, "dismiss")


@bp.route("/days/<int:day_id>/import", methods=["GET", "POST"])
@role_required(Role.STAFF, Role.BUYER)
def needs(day_id: int) -> str:
    day = services.import_day(db.session(), current_user, day_id)
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        upload = _upload(form)
        if upload is not None:
            data, filename = upload
            report = services.import_needs(
                db.session(),
                current_user,
                day.id,
                data,
                filename,
                standards=_standard_codes(),
                dry_run=bool(form.dry_run.data),
                skip_invalid=bool(form.skip_invalid.data),
            )
            day = services.import_day(db.session(), current_user, day_id)
            if report.written:
                fits.announce_after_change(db.session(), index_cache(), list(day.needs))
            form.dry_run.data = False
    return render_template(
        "imports/needs.html",
        form=form,
        report=report,
        shown=SHOWN_PROBLEMS,
        columns=NEED_COLUMNS,
        day=day,
    )


@bp.get("/needs/import/template")
@role_required(Role.STAFF, Role.BUYER)
def need_template() -> Response:
    fmt = _format()
    data = services.template(db.session(), "needs", fmt, _standard_codes(), _locale())
    return _download(data, fmt, "needs-template")
