"""Staff journey: buyers, Supplier Days and their needs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Buyer, Need, Role, SupplierDay
from tests import factories


def _day_form(buyer_id: int, **overrides: str) -> dict[str, str]:
    data = {
        "buyer_id": str(buyer_id),
        "title": "Brose Supplier Day 2027",
        "date": "2027-03-16",
        "format": "hybrid",
        "venue": "Тольятти, ул. Офицерская 12Н",
        "video_link": "https://meet.example.org/brose",
        "status": "open",
        "registration_deadline": "2027-03-01",
        "day_start": "10:00",
        "day_end": "16:00",
        "slot_minutes": "30",
        "tables": "3",
        "description": "Двери и сиденья",
    }
    data.update(overrides)
    return data


def test_staff_creates_and_edits_a_buyer(app, client, login_as):
    login_as(Role.STAFF)
    response = client.post(
        "/buyers/new",
        data={"name": "Magna", "kind": "Tier-1", "country": "Canada", "description": "Seats"},
    )
    assert response.status_code == 302
    with app.app_context():
        buyer = db.session.scalar(select(Buyer).where(Buyer.name == "Magna"))
        assert buyer.country == "Canada"
        buyer_id = buyer.id
    client.post(
        f"/buyers/{buyer_id}/edit",
        data={"name": "Magna International", "kind": "Tier-1", "country": "Canada"},
    )
    duplicate = client.post("/buyers/new", data={"name": "Magna International", "kind": "OEM"})
    assert "already exists" in duplicate.get_data(as_text=True)
    assert "Magna International" in client.get("/buyers").get_data(as_text=True)


def test_staff_creates_a_day_with_two_needs_then_edits_and_removes(app, client, login_as):
    login_as(Role.STAFF)
    with app.app_context():
        buyer_id = factories.buyer(db.session, "Brose").id
        db.session.commit()
    response = client.post("/days/new", data=_day_form(buyer_id))
    assert response.status_code == 302
    with app.app_context():
        day = db.session.scalar(select(SupplierDay))
        assert (day.format, day.tables, day.day_end) == ("hybrid", 3, dt.time(16, 0))
        day_id = day.id
    for part, number in (("Кронштейн мотор-редуктора", "BR-1"), ("Guide rail", "BR-2")):
        answer = client.post(
            f"/days/{day_id}/needs/new",
            data={
                "part_name": part,
                "part_number": number,
                "description": "Сталь 08пс, 2 мм",
                "processes": ["sheet_stamping"],
                "materials": ["steel_lowcarbon"],
                "annual_volume": "260000",
                "unit": "pcs",
                "sop_date": "2028-01-01",
                "required_certifications": ["IATF 16949"],
            },
        )
        assert answer.status_code == 302
    page = client.get(f"/days/{day_id}").get_data(as_text=True)
    assert "Кронштейн мотор-редуктора" in page and "Guide rail" in page
    with app.app_context():
        needs = db.session.scalars(select(Need).order_by(Need.id)).all()
        assert [n.part_number for n in needs] == ["BR-1", "BR-2"]
        assert needs[0].required_certifications == ["IATF 16949"]
        assert [p.code for p in needs[0].processes] == ["sheet_stamping"]
        first, second = needs[0].id, needs[1].id
    edit = client.post(
        f"/needs/{first}/edit",
        data={"part_name": "Кронштейн", "unit": "sets", "processes": [], "materials": []},
    )
    assert edit.status_code == 302
    assert client.post(f"/needs/{second}/delete").status_code == 302
    with app.app_context():
        remaining = db.session.scalars(select(Need)).all()
        assert [(n.part_name, n.unit, n.processes) for n in remaining] == [
            ("Кронштейн", "sets", [])
        ]
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"day.created", "need.created", "need.updated", "need.deleted"} <= actions


def test_day_rules_are_checked_and_nothing_is_written(app, client, login_as):
    login_as(Role.STAFF)
    with app.app_context():
        buyer_id = factories.buyer(db.session).id
        db.session.commit()
    cases = {
        "An on-site or hybrid day needs a venue.": {"venue": ""},
        "An online or hybrid day needs a video link.": {"video_link": ""},
        "The day must end after it starts.": {"day_end": "09:00"},
        "A meeting slot must fit inside the day window.": {
            "slot_minutes": "240",
            "day_end": "11:00",
        },
        "The registration deadline must not be after the day.": {
            "registration_deadline": "2027-04-01"
        },
        "Enter a full link": {"video_link": "meet-here"},
        "Not a valid date value.": {"date": "16.03.2027x"},
    }
    for message, override in cases.items():
        response = client.post("/days/new", data=_day_form(buyer_id, **override))
        assert response.status_code == 200, message
        assert message in response.get_data(as_text=True), message
    with app.app_context():
        assert db.session.scalar(select(func.count(SupplierDay.id))) == 0


def test_need_with_unknown_taxonomy_code_is_refused(app, client, login_as):
    login_as(Role.STAFF)
    with app.app_context():
        day_id = factories.day(db.session).id
        db.session.commit()
    response = client.post(
        f"/days/{day_id}/needs/new",
        data={"part_name": "Деталь", "unit": "pcs", "processes": ["teleportation"]},
    )
    assert response.status_code == 200
    assert "is not a valid choice for this field" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Need.id))) == 0


def test_deleting_a_day_removes_its_needs(app, client, login_as):
    login_as(Role.STAFF)
    with app.app_context():
        need = factories.need(db.session)
        day_id = need.supplier_day_id
        db.session.commit()
    assert client.post(f"/days/{day_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Need.id))) == 0


def test_a_done_day_is_kept(app, client, login_as):
    login_as(Role.STAFF)
    with app.app_context():
        day_id = factories.day(db.session, status="done").id
        db.session.commit()
    response = client.post(f"/days/{day_id}/delete", follow_redirects=True)
    assert "kept for the record" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SupplierDay, day_id) is not None


def test_buyers_see_only_their_own_days(app, client, login_as):
    with app.app_context():
        mine, theirs = factories.buyer(db.session), factories.buyer(db.session)
        own_day = factories.day(db.session, mine, title="Our day")
        other_day = factories.day(db.session, theirs, title="Their day")
        other_need = factories.need(db.session, other_day)
        db.session.commit()
        ids = (own_day.id, other_day.id, other_need.id, mine.id)
    with app.app_context():
        user = factories.user(db.session, Role.BUYER, buyer_org=db.session.get(Buyer, ids[3]))
        db.session.commit()
    login_as(user=user)
    listing = client.get("/days").get_data(as_text=True)
    assert "Our day" in listing and "Their day" not in listing
    assert client.get(f"/days/{ids[0]}").status_code == 200
    assert client.get(f"/days/{ids[1]}").status_code == 404
    assert client.get(f"/needs/{ids[2]}").status_code == 404


def test_suppliers_do_not_see_draft_days(app, client, login_as):
    with app.app_context():
        draft = factories.day(db.session, status="draft", title="Secret plan")
        db.session.commit()
        draft_id = draft.id
    login_as(Role.SUPPLIER)
    assert "Secret plan" not in client.get("/days").get_data(as_text=True)
    assert client.get(f"/days/{draft_id}").status_code == 404
