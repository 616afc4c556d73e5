"""Certificates: staff checks, validity on the Supplier Day's date, the expiry list, badges."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from sqlalchemy import select

from matchmaker.certificates.services import status_of
from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Certification, Role, SupplierDay
from tests import factories

TODAY = dt.date.today()


def _days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_staff_marks_a_certificate_checked_and_undoes_it(app, client, login_as):
    with app.app_context():
        supplier = factories.supplier(db.session, certifications=[("IATF 16949", _days(300))])
        db.session.commit()
        supplier_id, certification_id = supplier.id, supplier.certifications[0].id
    staff = login_as(Role.STAFF)
    answer = client.post(f"/certifications/{certification_id}/verify")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/suppliers/{supplier_id}")
    with app.app_context():
        certification = db.session.get(Certification, certification_id)
        assert certification.verified is True and certification.verified_at is not None
    page = client.get(f"/suppliers/{supplier_id}").get_data(as_text=True)
    assert "checked by staff" in page and "IATF 16949 is marked as checked." in page
    # from the expiry list, the answer goes back to the list
    answer = client.post(f"/certifications/{certification_id}/unverify", data={"back": "expiring"})
    assert answer.headers["Location"].endswith(
        f"/certificates/expiring#certificate-{certification_id}"
    )
    with app.app_context():
        certification = db.session.get(Certification, certification_id)
        assert (certification.verified, certification.verified_at) == (False, None)
        actions = db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "certification", AuditEntry.user_id == staff.id)
            .order_by(AuditEntry.id)
        ).all()
        assert actions == ["certification.verified", "certification.unverified"]


def test_expiry_list_separates_expiring_from_expired(app, client, login_as):
    with app.app_context():
        soon = factories.supplier(
            db.session, name="ООО «Скоро»", certifications=[("IATF 16949", _days(10))]
        )
        factories.supplier(db.session, name="ООО «Потом»", certifications=[("ISO 9001", _days(90))])
        factories.supplier(
            db.session, name="ООО «Просрочено»", certifications=[("ISO 14001", _days(-5))]
        )
        factories.supplier(db.session, name="ООО «Бессрочно»", certifications=[("VDA 6.3", None)])
        db.session.commit()
        soon_id = soon.id
    login_as(Role.STAFF)
    page = client.get("/certificates/expiring").get_data(as_text=True)
    expiring, _, expired = page.partition("Already expired")
    assert "ООО «Скоро»" in expiring and "expires in 10 days" in expiring
    assert f'href="/suppliers/{soon_id}"' in expiring
    assert "ООО «Просрочено»" in expired and "ООО «Просрочено»" not in expiring
    assert "ООО «Скоро»" not in expired
    assert "Потом" not in page and "Бессрочно" not in page
    assert "Mark checked" in expiring


def test_supplier_sees_validity_badges_on_the_profile(app, client, login_as):
    with app.app_context():
        supplier = factories.supplier(
            db.session,
            status="pending",
            certifications=[
                ("IATF 16949", _days(400)),
                ("ISO 9001", _days(30)),
                ("ISO 14001", _days(-1)),
            ],
        )
        supplier.certifications[0].verified = True
        user = factories.user(db.session, Role.SUPPLIER, supplier_org=supplier)
        db.session.commit()
    login_as(user=user)
    page = client.get("/supplier/profile").get_data(as_text=True)
    rows = {
        standard: page.partition(f"<td>{standard}</td>")[2].partition("</tr>")[0]
        for standard in ("IATF 16949", "ISO 9001", "ISO 14001")
    }
    assert "valid" in rows["IATF 16949"] and "checked by staff" in rows["IATF 16949"]
    assert "expires in 30 days" in rows["ISO 9001"] and "not yet checked" in rows["ISO 9001"]
    assert "expired" in rows["ISO 14001"]


def test_status_boundaries(app):
    def state(until: dt.date | None) -> tuple[str, int | None]:
        status = status_of(Certification(standard="ISO 9001", valid_until=until), TODAY)
        return status.state, status.days_left

    assert state(None) == ("valid", None)
    assert state(TODAY) == ("expiring", 0)
    assert state(_days(60)) == ("expiring", 60)
    assert state(_days(61)) == ("valid", 61)
    assert state(_days(-1)) == ("expired", -1)


def _certified_scene(app):
    """A need that requires IATF 16949 on a day 40 days ahead; two stampers."""
    with app.app_context():
        session = db.session
        brose = factories.buyer(session, "Brose")
        day = factories.day(session, brose, date=_days(40))
        need = factories.need(
            session,
            day,
            part_name="Кронштейн крепления мотор-редуктора",
            description="Листовая штамповка из стали 08пс, последовательный штамп.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            required_certifications=["IATF 16949"],
        )
        for name, until in (
            ("ООО «Штамп-Актуал»", _days(400)),
            ("ООО «Штамп-Истекает»", _days(20)),
        ):
            factories.supplier(
                session,
                name=name,
                description="Холодная листовая штамповка кронштейнов из стали 08пс.",
                process_codes=("sheet_stamping",),
                material_codes=("steel_lowcarbon",),
                certifications=[("IATF 16949", until)],
            )
        buyer_user = factories.user(session, Role.BUYER, buyer_org=brose)
        session.commit()
        return need.id, day.id, buyer_user


def test_certificate_expired_on_the_days_date_counts_as_missing(app, client, login_as):
    need_id, day_id, buyer_user = _certified_scene(app)
    login_as(user=buyer_user)
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    ranked, _, near = page.partition("Near misses")
    # valid today, but not on the Supplier Day: the buyer sees it as missing, and why
    assert "Штамп-Актуал" in ranked and "Штамп-Истекает" not in ranked
    lapsed = near.partition("Штамп-Истекает")[2]
    on = format_date(_days(20), "d MMM yyyy", locale="en")
    assert f'req-missing">IATF 16949 <span class="text-muted">(expired {on})' in lapsed
    # the day moves earlier: the certificate is valid on the new date, the ranking follows
    with app.app_context():
        day = db.session.get(SupplierDay, day_id)
        day.date = _days(10)
        db.session.commit()
    ranked, _, near = (
        client.get(f"/needs/{need_id}").get_data(as_text=True).partition("Near misses")
    )
    assert "Штамп-Актуал" in ranked and "Штамп-Истекает" in ranked
    assert "Штамп-Истекает" not in near
