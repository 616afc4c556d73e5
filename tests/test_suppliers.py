"""Supplier journey (profile, certificates, interests) and staff review of suppliers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Certification, Interest, Role, Supplier
from tests import factories


def _profile(**overrides):
    data = {
        "name": "ООО «Тольяттинский штамп»",
        "region": "Самарская область",
        "city": "Тольятти",
        "website": "https://tlt-stamp.ru",
        "employees": "240",
        "description": "Холодная листовая штамповка на прессах до 400 т, сварка MIG/MAG.",
        "products": "Кронштейны, усилители",
        "customers": "АвтоВАЗ",
        "processes": ["sheet_stamping"],
        "materials": ["steel_lowcarbon"],
    }
    data.update(overrides)
    return data


def test_supplier_fills_profile_and_certificates(app, client, login_as):
    user = login_as(Role.SUPPLIER)
    assert client.post("/supplier/profile", data=_profile()).status_code == 302
    added = client.post(
        "/supplier/certifications",
        data={"standard": "IATF 16949", "number": "0123456", "valid_until": "2028-05-31"},
    )
    assert added.status_code == 302
    with app.app_context():
        supplier = db.session.get(Supplier, user.supplier_id)
        assert supplier.employees == 240
        assert [p.code for p in supplier.processes] == ["sheet_stamping"]
        assert [(c.standard, c.valid_until) for c in supplier.certifications] == [
            ("IATF 16949", dt.date(2028, 5, 31))
        ]
        certification_id = supplier.certifications[0].id
    page = client.get("/supplier/profile").get_data(as_text=True)
    assert "Тольяттинский штамп" in page and "0123456" in page
    assert client.post(f"/supplier/certifications/{certification_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Certification.id))) == 0


def test_invalid_profile_writes_nothing(app, client, login_as):
    user = login_as(Role.SUPPLIER)
    with app.app_context():
        before = db.session.get(Supplier, user.supplier_id).name
    response = client.post(
        "/supplier/profile", data=_profile(name="", website="not a url", employees="-5")
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in body
    assert "Enter a full address" in body
    assert "Number must be between 0 and 1000000." in body
    with app.app_context():
        assert db.session.get(Supplier, user.supplier_id).name == before


def test_expired_or_duplicate_certificate_is_refused(app, client, login_as):
    login_as(Role.SUPPLIER)
    expired = client.post(
        "/supplier/certifications", data={"standard": "ISO 9001", "valid_until": "2020-01-01"}
    )
    assert "already expired" in expired.get_data(as_text=True)
    data = {"standard": "ISO 9001", "number": "A-1", "valid_until": "2029-01-01"}
    assert client.post("/supplier/certifications", data=data).status_code == 302
    again = client.post("/supplier/certifications", data=data)
    assert "already on your profile" in again.get_data(as_text=True)
    unknown = client.post("/supplier/certifications", data={"standard": "Made up 1"})
    assert "Not a valid choice." in unknown.get_data(as_text=True)


def test_supplier_cannot_delete_another_companys_certificate(app, client, login_as):
    with app.app_context():
        other = factories.supplier(db.session, certifications=[("ISO 9001", None)])
        db.session.commit()
        certification_id = other.certifications[0].id
    login_as(Role.SUPPLIER)
    assert client.post(f"/supplier/certifications/{certification_id}/delete").status_code == 404
    with app.app_context():
        assert db.session.get(Certification, certification_id) is not None


def test_supplier_marks_and_withdraws_interest(app, client, login_as):
    with app.app_context():
        need = factories.need(db.session, part_name="Кронштейн")
        db.session.commit()
        need_id, day_id = need.id, need.supplier_day_id
    user = login_as(Role.SUPPLIER)
    page = client.get(f"/days/{day_id}").get_data(as_text=True)
    assert "I'm interested" in page
    assert client.post(f"/needs/{need_id}/interest").status_code == 302
    assert client.post(f"/needs/{need_id}/interest").status_code == 302  # idempotent
    with app.app_context():
        interests = db.session.scalars(select(Interest)).all()
        assert [(i.need_id, i.supplier_id) for i in interests] == [(need_id, user.supplier_id)]
    assert "You are interested" in client.get(f"/days/{day_id}").get_data(as_text=True)
    assert client.post(f"/needs/{need_id}/withdraw").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Interest.id))) == 0


def test_interest_refused_after_deadline_or_when_closed(app, client, login_as):
    with app.app_context():
        late = factories.need(
            db.session,
            factories.day(db.session, registration_deadline=dt.date.today() - dt.timedelta(days=1)),
        )
        closed = factories.need(db.session, factories.day(db.session, status="closed"))
        db.session.commit()
        late_id, closed_id = late.id, closed.id
    login_as(Role.SUPPLIER)
    first = client.post(f"/needs/{late_id}/interest", follow_redirects=True)
    assert "deadline for this Supplier Day has passed" in first.get_data(as_text=True)
    second = client.post(f"/needs/{closed_id}/interest", follow_redirects=True)
    assert "no longer takes registrations" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Interest.id))) == 0


def test_staff_verifies_and_rejects_with_reason_the_supplier_sees(app, client, login_as):
    with app.app_context():
        supplier = factories.supplier(db.session, status="pending", name="ООО «Новичок»")
        supplier_user = factories.user(db.session, Role.SUPPLIER, supplier_org=supplier)
        db.session.commit()
        supplier_id = supplier.id
    login_as(Role.STAFF)
    listing = client.get("/suppliers?status=pending").get_data(as_text=True)
    assert "Новичок" in listing
    no_reason = client.post(f"/suppliers/{supplier_id}/reject", data={"reason": "  "})
    assert "Say why the profile is rejected" in no_reason.get_data(as_text=True)
    reason = "Нет сведений о производственной площадке"
    assert (
        client.post(f"/suppliers/{supplier_id}/reject", data={"reason": reason}).status_code == 302
    )
    login_as(user=supplier_user)
    home = client.get("/supplier").get_data(as_text=True)
    assert "Your profile was rejected." in home and reason in home
    login_as(Role.STAFF)
    assert client.post(f"/suppliers/{supplier_id}/verify").status_code == 302
    with app.app_context():
        supplier = db.session.get(Supplier, supplier_id)
        assert (supplier.status, supplier.status_reason) == ("verified", "")


def test_staff_checks_a_certificate(app, client, login_as):
    with app.app_context():
        supplier = factories.supplier(db.session, certifications=[("IATF 16949", None)])
        db.session.commit()
        certification_id = supplier.certifications[0].id
    login_as(Role.STAFF)
    assert client.post(f"/certifications/{certification_id}/verify").status_code == 302
    with app.app_context():
        assert db.session.get(Certification, certification_id).verified is True


def test_staff_search_finds_by_inn_and_city(app, client, login_as):
    with app.app_context():
        factories.supplier(db.session, name="ООО «Альфа»", city="Сызрань")
        factories.supplier(db.session, name="ООО «Бета»", city="Самара")
        db.session.commit()
    login_as(Role.STAFF)
    page = client.get("/suppliers?q=сызрань").get_data(as_text=True)
    assert "Альфа" in page and "Бета" not in page


def test_supplier_without_inn_reads_cleanly_on_staff_pages(app, client, login_as):
    """A supplier imported from a cluster's list may have no INN; no page says "None"."""
    with app.app_context():
        item = factories.supplier(db.session, "ООО «Без ИНН»", inn=None, status="pending")
        db.session.commit()
        supplier_id = item.id
    login_as(Role.STAFF)
    for url in ("/suppliers", f"/suppliers/{supplier_id}", "/staff/", "/staff/users"):
        body = client.get(url).get_data(as_text=True)
        assert "Без ИНН" in body, url
        assert "None" not in body, url
