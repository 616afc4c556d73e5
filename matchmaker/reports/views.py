"""Downloads of rankings and suppliers, and the staff reports dashboard."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.auth.decorators import role_required
from matchmaker.extensions import db
from matchmaker.formatting import display_date
from matchmaker.forms import EmptyForm
from matchmaker.models import Role
from matchmaker.reports import dashboard as dashboard_service
from matchmaker.reports import services, spreadsheets
from matchmaker.reports.spreadsheets import Sheet
from matchmaker.shortlists.cache import index_cache
from matchmaker.templating import label_for

bp = Blueprint("reports", __name__)

FORMAT = "<any(csv, xlsx):fmt>"


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _today() -> dt.date:
    return dt.datetime.now(_zone()).date()


def _qualified_score() -> float:
    raw = current_app.config.get("QUALIFIED_SCORE", dashboard_service.DEFAULT_QUALIFIED_SCORE)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        current_app.logger.warning("QUALIFIED_SCORE %r is not a number; using the default", raw)
        return dashboard_service.DEFAULT_QUALIFIED_SCORE
    return min(max(value, 0.0), 1.0)


def _download(sheet: Sheet, fmt: str, *name_parts: str) -> Response:
    if fmt == "xlsx":
        body, mimetype = spreadsheets.to_xlsx(sheet), spreadsheets.XLSX_MIMETYPE
    else:
        body, mimetype = spreadsheets.to_csv(sheet), spreadsheets.CSV_MIMETYPE
    response = send_file(
        io.BytesIO(body),
        mimetype=mimetype,
        as_attachment=True,
        download_name=spreadsheets.file_name(*name_parts, extension=fmt),
    )
    if fmt == "csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    # Rankings and contacts are not for shared caches or the browser's disk.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get(f"/needs/<int:need_id>/export.{FORMAT}")
@role_required(Role.BUYER, Role.STAFF)
def need_export(need_id: int, fmt: str) -> Response:
    need, sheet = services.need_ranking(db.session(), index_cache(), current_user, need_id, _zone())
    return _download(sheet, fmt, "ranking", need.part_name, need.part_number, _today().isoformat())


@bp.get(f"/days/<int:day_id>/export.{FORMAT}")
@role_required(Role.BUYER, Role.STAFF)
def day_export(day_id: int, fmt: str) -> Response:
    day, sheet = services.day_ranking(db.session(), index_cache(), current_user, day_id, _zone())
    return _download(
        sheet, fmt, "rankings", day.title, day.date.isoformat(), "exported", _today().isoformat()
    )


@bp.get(f"/suppliers/export.{FORMAT}")
@role_required(Role.STAFF)
def suppliers_export(fmt: str) -> Response:
    sheet = services.supplier_list(
        db.session(),
        current_user,
        _zone(),
        status=request.args.get("status", ""),
        query=request.args.get("q", "")[:100],
        locale=str(current_user.locale or "en"),
        today=_today(),
    )
    return _download(sheet, fmt, "suppliers", _today().isoformat())


def _board() -> dashboard_service.Dashboard:
    return dashboard_service.build(
        db.session(),
        index_cache(),
        current_user,
        qualified_score=_qualified_score(),
        zone=_zone(),
        today=_today(),
    )


def _period_label(period: dashboard_service.Period) -> str:
    if period.unit == "week":
        return display_date(period.start)
    return format_date(period.start, "LLL yyyy")


def _charts(board: dashboard_service.Dashboard) -> dict[str, Any]:
    """What reports.js draws: labels, series and a colour role for every series."""

    def coverage(groups: list[dashboard_service.Coverage]) -> dict[str, Any]:
        return {
            "type": "bar",
            "horizontal": True,
            "stacked": True,
            # Day titles are long; the buyer and the date name a day on an axis.
            "labels": [
                f"{g.buyer} · {display_date(g.date)}" if g.date is not None else g.label
                for g in groups
            ],
            "datasets": [
                {"label": _("covered"), "role": "covered", "data": [g.covered for g in groups]},
                {"label": _("gaps"), "role": "gap", "data": [g.gaps for g in groups]},
                {
                    "label": _("not ranked yet"),
                    "role": "muted",
                    "data": [g.unranked for g in groups],
                },
            ],
        }

    histogram = board.qualified_histogram()
    funnel = board.total.funnel
    return {
        "coverage-days": coverage(board.days),
        "coverage-buyers": coverage(board.buyers),
        "qualified": {
            "type": "bar",
            "labels": [label for label, _count in histogram],
            "datasets": [
                {
                    "label": _("needs"),
                    "role": "sequence",
                    "data": [count for _label, count in histogram],
                }
            ],
            "xTitle": _("qualified suppliers"),
        },
        "funnel": {
            "type": "bar",
            "labels": [dashboard_service.stage_label(s) for s, _count in funnel.stages()]
            + [label_for("rejected")],
            "datasets": [
                {
                    "label": _("supplier–need pairs"),
                    "role": "funnel",
                    "data": [count for _stage, count in funnel.stages()] + [funnel.rejected],
                }
            ],
        },
        "registrations": {
            "type": "bar",
            "labels": [_period_label(p) for p in board.registrations],
            "datasets": [
                {
                    "label": _("registered"),
                    "role": "primary",
                    "data": [p.count for p in board.registrations],
                },
                {
                    "label": _("total"),
                    "role": "line",
                    "type": "line",
                    "data": [p.total for p in board.registrations],
                },
            ],
        },
        "profiles": {
            "type": "doughnut",
            "labels": [label_for(status) for status in board.profiles],
            "datasets": [
                {
                    "label": _("suppliers"),
                    "role": "status",
                    "keys": list(board.profiles),
                    "data": list(board.profiles.values()),
                }
            ],
        },
    }


@bp.get("/reports")
@role_required(Role.STAFF)
def dashboard() -> str:
    board = _board()
    return render_template(
        "reports/dashboard.html",
        board=board,
        charts=_charts(board),
        period_label=_period_label,
        stage_label=dashboard_service.stage_label,
        refresh_form=EmptyForm(),
    )


@bp.get("/reports/export.csv")
@role_required(Role.STAFF)
def dashboard_csv() -> Response:
    return _download(dashboard_service.sheet(_board()), "csv", "reports", _today().isoformat())


@bp.post("/reports/refresh")
@role_required(Role.STAFF)
def refresh() -> Response:
    if EmptyForm().validate_on_submit():
        count = dashboard_service.refresh(db.session(), index_cache(), current_user)
        flash(_("Rankings recomputed for %(n)d needs.", n=count), "success")
    return redirect(url_for("reports.dashboard"))
