"""Every route, every role: who gets in, who is sent to log in, who gets 403 or 404.

Each case builds a new app with two of everything (buyers, suppliers, days, needs),
so that "another buyer" and "another supplier" are real organisations. The URL
always names objects of the first buyer and the first supplier.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import (
    Certification,
    Holiday,
    ImportReview,
    Interest,
    Meeting,
    Role,
    SlotBlock,
)
from tests import factories
from tests.conftest import make_app

ROLES = ("anonymous", "other_supplier", "other_buyer", "supplier", "buyer", "staff")

OK, REDIRECT, FORBIDDEN, MISSING = 200, 302, 403, 404


def expect(**by_role: int) -> dict[str, int]:
    """Expected status per role; ``rest`` fills roles not named; anonymous defaults to 302."""
    rest = by_role.pop("rest", FORBIDDEN)
    table = dict.fromkeys(ROLES, rest)
    table["anonymous"] = REDIRECT
    table.update(by_role)
    return table


STAFF_ONLY = expect(staff=OK)
STAFF_ACTION = expect(staff=REDIRECT)
EVERY_USER = expect(rest=OK)
SUPPLIERS = expect(supplier=OK, other_supplier=OK)
PUBLIC_FORM = expect(rest=REDIRECT, anonymous=OK)

CASES: dict[tuple[str, str], dict[str, int]] = {
    ("main.index", "GET"): PUBLIC_FORM,
    ("auth.login", "GET"): PUBLIC_FORM,
    ("auth.login", "POST"): PUBLIC_FORM,
    ("auth.register", "GET"): PUBLIC_FORM,
    ("auth.register", "POST"): PUBLIC_FORM,
    ("auth.forgot_password", "GET"): PUBLIC_FORM,
    ("auth.forgot_password", "POST"): PUBLIC_FORM,
    # The world's token is no password link: everyone gets the "no longer valid" page.
    ("auth.set_password", "GET"): expect(rest=OK, anonymous=OK),
    ("auth.set_password", "POST"): expect(rest=OK, anonymous=OK),
    ("auth.logout", "POST"): expect(rest=REDIRECT),
    ("auth.account", "GET"): EVERY_USER,
    ("auth.change_password", "POST"): EVERY_USER,
    ("auth.change_language", "POST"): EVERY_USER,
    ("staff.dashboard", "GET"): STAFF_ONLY,
    ("staff.users", "GET"): STAFF_ONLY,
    ("staff.users", "POST"): STAFF_ONLY,
    ("buyers.home", "GET"): expect(buyer=OK, other_buyer=OK),
    ("buyers.index", "GET"): STAFF_ONLY,
    ("buyers.create", "GET"): STAFF_ONLY,
    ("buyers.create", "POST"): STAFF_ONLY,
    ("buyers.edit", "GET"): STAFF_ONLY,
    ("buyers.edit", "POST"): STAFF_ONLY,
    ("supplier_days.index", "GET"): EVERY_USER,
    ("supplier_days.detail", "GET"): expect(rest=OK, other_buyer=MISSING),
    ("supplier_days.create", "GET"): STAFF_ONLY,
    ("supplier_days.create", "POST"): STAFF_ONLY,
    ("supplier_days.edit", "GET"): STAFF_ONLY,
    ("supplier_days.edit", "POST"): STAFF_ONLY,
    ("supplier_days.delete", "POST"): STAFF_ACTION,
    ("supplier_days.run_matching", "POST"): STAFF_ACTION,
    ("supplier_days.create_need", "GET"): STAFF_ONLY,
    ("supplier_days.create_need", "POST"): STAFF_ONLY,
    ("supplier_days.edit_need", "GET"): STAFF_ONLY,
    ("supplier_days.edit_need", "POST"): STAFF_ONLY,
    ("supplier_days.delete_need", "POST"): STAFF_ACTION,
    ("suppliers.home", "GET"): SUPPLIERS,
    ("suppliers.profile", "GET"): SUPPLIERS,
    ("suppliers.profile", "POST"): SUPPLIERS,
    ("suppliers.add_certification", "POST"): SUPPLIERS,
    ("suppliers.delete_certification", "POST"): expect(supplier=REDIRECT, other_supplier=MISSING),
    ("suppliers.mark_interest", "POST"): expect(supplier=REDIRECT, other_supplier=REDIRECT),
    ("suppliers.withdraw_interest", "POST"): expect(supplier=REDIRECT, other_supplier=MISSING),
    ("suppliers.index", "GET"): STAFF_ONLY,
    ("suppliers.show", "GET"): expect(staff=OK, buyer=OK, other_buyer=OK),
    ("suppliers.verify", "POST"): STAFF_ACTION,
    ("suppliers.reject", "POST"): STAFF_ONLY,
    ("suppliers.invite", "POST"): STAFF_ONLY,
    ("suppliers.verify_certification", "POST"): STAFF_ACTION,
    ("suppliers.unverify_certification", "POST"): STAFF_ACTION,
    ("certificates.expiring", "GET"): STAFF_ONLY,
    ("opportunities.index", "GET"): SUPPLIERS,
    ("opportunities.mark_interest", "POST"): expect(supplier=REDIRECT, other_supplier=REDIRECT),
    ("opportunities.withdraw_interest", "POST"): expect(supplier=REDIRECT, other_supplier=MISSING),
    ("shortlists.shortlist", "GET"): expect(staff=OK, buyer=OK, other_buyer=MISSING),
    ("shortlists.rerun", "POST"): expect(staff=REDIRECT, buyer=REDIRECT, other_buyer=MISSING),
    ("shortlists.candidate", "GET"): expect(staff=OK, buyer=OK, other_buyer=MISSING),
    ("shortlists.decide", "POST"): expect(buyer=OK, other_buyer=MISSING),
    ("meetings.buyer_request", "POST"): expect(buyer=REDIRECT, other_buyer=MISSING),
    ("meetings.supplier_request", "POST"): expect(supplier=REDIRECT, other_supplier=REDIRECT),
    ("meetings.index", "GET"): expect(rest=OK, staff=FORBIDDEN),
    ("meetings.accept", "POST"): expect(
        supplier=REDIRECT, buyer=REDIRECT, other_supplier=MISSING, other_buyer=MISSING
    ),
    ("meetings.decline", "POST"): expect(
        supplier=REDIRECT, buyer=REDIRECT, other_supplier=MISSING, other_buyer=MISSING
    ),
    ("meetings.cancel", "POST"): expect(
        supplier=REDIRECT,
        buyer=REDIRECT,
        staff=REDIRECT,
        other_supplier=MISSING,
        other_buyer=MISSING,
    ),
    ("meetings.read_notifications", "POST"): expect(rest=REDIRECT, staff=FORBIDDEN),
    ("meetings.grid", "GET"): STAFF_ONLY,
    ("meetings.run_schedule", "POST"): STAFF_ACTION,
    ("meetings.place", "POST"): STAFF_ACTION,
    ("meetings.lock", "POST"): STAFF_ACTION,
    ("meetings.unlock", "POST"): STAFF_ACTION,
    ("meetings.add_block", "POST"): STAFF_ONLY,
    ("meetings.delete_block", "POST"): STAFF_ACTION,
    ("meetings.agenda", "GET"): expect(rest=OK, other_buyer=MISSING),
    ("meetings.agenda_ics", "GET"): expect(rest=OK, other_buyer=MISSING),
    ("calendar.month", "GET"): EVERY_USER,
    ("calendar.feed", "GET"): expect(rest=OK, anonymous=OK),
    ("auth.reset_feed", "POST"): expect(rest=REDIRECT),
    ("calendar.ics", "GET"): EVERY_USER,
    ("calendar.holidays", "GET"): STAFF_ONLY,
    ("calendar.holidays", "POST"): STAFF_ONLY,
    ("calendar.delete_holiday", "POST"): STAFF_ACTION,
    ("imports.suppliers", "GET"): STAFF_ONLY,
    ("imports.suppliers", "POST"): STAFF_ONLY,
    ("imports.supplier_template", "GET"): STAFF_ONLY,
    ("imports.reviews", "GET"): STAFF_ONLY,
    ("imports.add_review", "POST"): STAFF_ACTION,
    ("imports.merge_review", "POST"): STAFF_ACTION,
    ("imports.dismiss_review", "POST"): STAFF_ACTION,
    ("imports.needs", "GET"): expect(staff=OK, buyer=OK, other_buyer=MISSING),
    ("imports.needs", "POST"): expect(staff=OK, buyer=OK, other_buyer=MISSING),
    ("imports.need_template", "GET"): expect(staff=OK, buyer=OK, other_buyer=OK),
    ("reports.need_export", "GET"): expect(staff=OK, buyer=OK, other_buyer=MISSING),
    ("reports.day_export", "GET"): expect(staff=OK, buyer=OK, other_buyer=MISSING),
    ("reports.suppliers_export", "GET"): STAFF_ONLY,
    ("reports.dashboard", "GET"): STAFF_ONLY,
    ("reports.dashboard_csv", "GET"): STAFF_ONLY,
    ("reports.refresh", "POST"): STAFF_ACTION,
}

SKIPPED_ENDPOINTS = {"static"}


def _routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in rule.methods or ():
            if method in {"GET", "POST"}:
                found.add((rule.endpoint, method))
    return found


def test_every_route_has_expectations(tmp_path: Path) -> None:
    app, drop = make_app(tmp_path)
    try:
        routes = _routes(app)
    finally:
        drop()
    assert routes - CASES.keys() == set(), "routes without an access expectation"
    assert CASES.keys() - routes == set(), "expectations for routes that do not exist"


def _world(app: Flask) -> dict[str, Any]:
    session = db.session
    buyer_a, buyer_b = factories.buyer(session), factories.buyer(session)
    supplier_a = factories.supplier(session, process_codes=("sheet_stamping",))
    supplier_b = factories.supplier(session)
    day_a = factories.day(
        session, buyer_a, registration_deadline=dt.date.today() + dt.timedelta(days=10)
    )
    factories.day(session, buyer_b)
    need_a = factories.need(session, day_a, process_codes=("sheet_stamping",))
    certification = Certification(standard="ISO 9001", valid_until=dt.date(2030, 1, 1))
    supplier_a.certifications.append(certification)
    session.add(Interest(need=need_a, supplier=supplier_a))
    meeting = Meeting(
        supplier_day=day_a,
        supplier=supplier_a,
        need=need_a,
        status="confirmed",
        requested_by="buyer",
    )
    session.add(meeting)
    session.flush()
    block = SlotBlock(
        supplier_day=day_a,
        table_no=1,
        slot_start=dt.datetime.combine(day_a.date, dt.time(6, 0), tzinfo=dt.UTC),
    )
    session.add(block)
    holiday = Holiday(date=dt.date.today() + dt.timedelta(days=60), name="Holiday")
    session.add(holiday)
    review = ImportReview(
        row={"name": "ООО «Завод-1»", "region": "Самарская область"},
        line=2,
        candidate_id=supplier_a.id,
        similarity=95.0,
    )
    session.add(review)
    users = {
        "staff": factories.user(session, Role.STAFF),
        "buyer": factories.user(session, Role.BUYER, buyer_org=buyer_a),
        "other_buyer": factories.user(session, Role.BUYER, buyer_org=buyer_b),
        "supplier": factories.user(session, Role.SUPPLIER, supplier_org=supplier_a),
        "other_supplier": factories.user(session, Role.SUPPLIER, supplier_org=supplier_b),
    }
    users["supplier"].feed_token = "a-secret-calendar-address"
    session.commit()
    return {
        "ids": {
            "day_id": day_a.id,
            "need_id": need_a.id,
            "supplier_id": supplier_a.id,
            "buyer_id": buyer_a.id,
            "certification_id": certification.id,
            "holiday_id": holiday.id,
            "meeting_id": meeting.id,
            "token": users["supplier"].feed_token,
            "block_id": block.id,
            "review_id": review.id,
            "fmt": "xlsx",
        },
        "logins": {role: user.get_id() for role, user in users.items()},
    }


@pytest.mark.parametrize(("endpoint", "method"), sorted(CASES))
def test_access(tmp_path: Path, endpoint: str, method: str) -> None:
    app, drop = make_app(tmp_path)
    try:
        with app.app_context():
            db.create_all()
            from matchmaker import seed

            seed.load_reference(db.session, Path(app.config["SEED_DIR"]))
            world = _world(app)
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            with app.test_request_context():
                from flask import url_for

                url = url_for(endpoint, **{k: world["ids"][k] for k in rule.arguments})
        answers = {}
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                with client.session_transaction() as flask_session:
                    flask_session["_user_id"] = world["logins"][role]
            response = client.open(url, method=method, data={})
            answers[role] = response.status_code
        assert answers == CASES[(endpoint, method)], url
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
