"""Needs that fit me: a supplier's ranked view of open needs, with one-click interest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Interest, MatchRun, Need, Role, Supplier
from tests import factories

TODAY = dt.date.today()
STAMPING = {
    "description": "Листовая штамповка из стали 08пс, последовательный штамп.",
    "process_codes": ("sheet_stamping",),
    "material_codes": ("steel_lowcarbon",),
}


def _scene(app, status: str = "verified"):
    """A stamping supplier, and stamping needs on open, closed, late and draft days."""
    with app.app_context():
        session = db.session
        brose = factories.buyer(session, "Brose")
        mitsuba = factories.buyer(session, "Mitsuba")
        open_day = factories.day(
            session,
            brose,
            title="Brose Supplier Day",
            date=TODAY + dt.timedelta(days=30),
            registration_deadline=TODAY + dt.timedelta(days=10),
        )
        other_open = factories.day(session, mitsuba, title="Mitsuba Supplier Day")
        fits = factories.need(session, open_day, part_name="Кронштейн мотор-редуктора", **STAMPING)
        certified = factories.need(
            session,
            other_open,
            part_name="Кронштейн щётки стеклоочистителя",
            required_certifications=["IATF 16949"],
            **STAMPING,
        )
        factories.need(session, open_day, part_name="Хлебобулочное изделие", description="Хлеб.")
        for title, fields in (
            ("Closed day", {"status": "closed"}),
            ("Draft day", {"status": "draft"}),
            ("Late day", {"registration_deadline": TODAY - dt.timedelta(days=1)}),
        ):
            day = factories.day(session, brose, title=title, **fields)
            factories.need(session, day, part_name=f"Кронштейн ({title})", **STAMPING)
        supplier = factories.supplier(
            session,
            name="ООО «Штамп-Авто»",
            status=status,
            description="Холодная листовая штамповка кронштейнов из стали 08пс для АвтоВАЗ.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
        )
        user = factories.user(session, Role.SUPPLIER, supplier_org=supplier)
        session.commit()
        session.refresh(user)
        session.expunge(user)  # its ids stay readable after this app context ends
        return user, fits.id, certified.id


def test_supplier_sees_open_needs_that_fit_with_reasons_and_near_misses(app, client, login_as):
    user, fits_id, _certified_id = _scene(app)
    login_as(user=user)
    page = client.get("/opportunities").get_data(as_text=True)
    matches, _, near = page.partition("Near misses")
    assert "Кронштейн мотор-редуктора" in matches and "Brose Supplier Day" in matches
    assert f'id="need-{fits_id}"' in matches and "rank 1" in matches
    # the same explanation buyers see: matched terms and the requirement checklist
    assert "term-pair" in matches and "req-met" in matches
    # a need it fits except for a certificate: a near miss that says what is missing
    assert "Кронштейн щётки стеклоочистителя" in near and "Mitsuba Supplier Day" in near
    assert "What you lack:" in near and "IATF 16949 (not held)" in near
    # days that take no registrations, and needs it does not fit, are not offered
    for absent in ("Closed day", "Draft day", "Late day", "Хлебобулочное"):
        assert absent not in page
    assert f"/opportunities/{fits_id}/interest" in page


def test_one_click_marks_and_withdraws_interest(app, client, login_as):
    user, _fits_id, certified_id = _scene(app)
    login_as(user=user)
    answer = client.post(f"/opportunities/{certified_id}/interest")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/opportunities#need-{certified_id}")
    page = client.get("/opportunities").get_data(as_text=True)
    assert "Interest noted for Кронштейн щётки стеклоочистителя." in page
    assert f"/opportunities/{certified_id}/withdraw" in page
    with app.app_context():
        interests = db.session.scalars(select(Interest)).all()
        assert [(i.need_id, i.supplier_id) for i in interests] == [(certified_id, user.supplier_id)]
    assert client.post(f"/opportunities/{certified_id}/withdraw").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Interest.id))) == 0
    # withdrawing what was never marked is not found
    assert client.post(f"/opportunities/{certified_id}/withdraw").status_code == 404


def test_interest_after_the_deadline_is_refused_with_a_message(app, client, login_as):
    user, *_ = _scene(app)
    with app.app_context():
        late_id = db.session.scalar(select(Need.id).where(Need.part_name.like("%Late day%")))
    login_as(user=user)
    answer = client.post(f"/opportunities/{late_id}/interest", follow_redirects=True)
    assert "The registration deadline for this Supplier Day has passed." in answer.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Interest.id))) == 0


def test_stored_rankings_are_reused_until_the_profile_changes(app, client, login_as):
    user, fits_id, _ = _scene(app)
    login_as(user=user)
    client.get("/opportunities")
    with app.app_context():
        first = {r.need_id: (r.id, r.computed_at) for r in db.session.scalars(select(MatchRun))}
    assert fits_id in first
    client.get("/opportunities")
    with app.app_context():
        again = {r.need_id: (r.id, r.computed_at) for r in db.session.scalars(select(MatchRun))}
        assert again == first
        supplier = db.session.get(Supplier, user.supplier_id)
        supplier.description = "Только токарная обработка валов."
        supplier.processes = []
        supplier.updated_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    page = client.get("/opportunities").get_data(as_text=True)
    with app.app_context():
        rerun = {r.need_id: r.id for r in db.session.scalars(select(MatchRun))}
    assert rerun[fits_id] != first[fits_id][0]
    assert "Кронштейн мотор-редуктора" not in page.partition("Near misses")[0]


def test_rejected_supplier_is_told_why_nothing_is_listed(app, client, login_as):
    user, *_ = _scene(app, status="rejected")
    login_as(user=user)
    page = client.get("/opportunities").get_data(as_text=True)
    assert "Your profile was rejected, so it is not ranked for any need." in page
    assert "Кронштейн" not in page


def test_supplier_home_and_menu_link_to_the_page(app, client, login_as):
    user, *_ = _scene(app)
    login_as(user=user)
    home = client.get("/supplier").get_data(as_text=True)
    assert home.count('href="/opportunities"') == 2  # the menu and the home page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_interest_needs_the_form_token(app, client, login_as, app_config):
    user, fits_id, _ = _scene(app)
    login_as(user=user)
    assert client.post(f"/opportunities/{fits_id}/interest").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Interest.id))) == 0
