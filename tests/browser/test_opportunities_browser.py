"""In Chromium: a supplier finds the needs that fit it and says it is interested; staff
check a certificate from the list of those about to expire, and the supplier's e-mail
notice lands in the mail folder."""

from __future__ import annotations

import datetime as dt
import email
import re
from email.policy import default as default_policy
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from matchmaker.models import Certification, Interest, Role
from tests import factories
from tests.browser.test_journeys import log_in, nav

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
TODAY = dt.date.today()


def _scene(live_server: LiveServer) -> dict[str, str]:
    with live_server.session() as session:
        brose = factories.buyer(session, "Brose")
        day = factories.day(
            session,
            brose,
            title="Brose Supplier Day 2027",
            registration_deadline=TODAY + dt.timedelta(days=10),
        )
        factories.need(
            session,
            day,
            part_name="Кронштейн мотор-редуктора",
            description="Листовая штамповка из стали 08пс, последовательный штамп.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
        )
        supplier = factories.supplier(
            session,
            name="ООО «Штамп-Авто»",
            status="pending",
            description="Холодная листовая штамповка кронштейнов из стали 08пс.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            certifications=[("IATF 16949", TODAY + dt.timedelta(days=20))],
        )
        supplier_user = factories.user(
            session, Role.SUPPLIER, "sales@shtamp.example", supplier_org=supplier
        )
        staff = factories.user(session, Role.STAFF, "staff@cluster.example")
        session.commit()
        return {"supplier": supplier_user.email, "staff": staff.email}


def test_supplier_marks_interest_from_needs_that_fit(page: Page, live_server, shoot):
    users = _scene(live_server)
    log_in(page, users["supplier"])
    nav(page).get_by_role("link", name="Needs that fit me").click()
    expect(page.get_by_role("heading", name="Needs that fit you")).to_be_visible()
    card = page.locator(".card", has_text="Кронштейн мотор-редуктора")
    expect(card).to_contain_text("Brose Supplier Day 2027")
    expect(card).to_contain_text("rank 1")
    expect(card.locator(".req-met").first).to_be_visible()
    shoot("opportunities")
    card.get_by_role("button", name="I'm interested").click()
    expect(page).to_have_url(re.compile(r"/opportunities#need-\d+$"))
    expect(page.get_by_role("alert")).to_contain_text("Interest noted for Кронштейн")
    expect(card).to_contain_text("You are interested")
    with live_server.session() as session:
        assert len(session.scalars(select(Interest)).all()) == 1
    card.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("alert")).to_contain_text("Interest withdrawn")
    expect(card.get_by_role("button", name="I'm interested")).to_be_visible()


def test_staff_checks_an_expiring_certificate_and_the_supplier_is_mailed(
    page: Page, live_server, shoot
):
    users = _scene(live_server)
    live_server.app.config["PUBLIC_URL"] = live_server.url
    log_in(page, users["staff"])
    nav(page).get_by_role("link", name="Suppliers").click()
    page.get_by_role("link", name="Certificates to watch").click()
    expect(page.get_by_role("heading", name="Certificates to watch")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("ООО «Штамп-Авто»"))
    expect(row).to_contain_text("expires in 20 days")
    expect(row).to_contain_text("not yet checked")
    shoot("expiring")
    row.get_by_role("button", name="Mark checked").click()
    expect(page.get_by_role("alert")).to_contain_text("IATF 16949 is marked as checked.")
    expect(page).to_have_url(re.compile(r"/certificates/expiring#certificate-\d+$"))
    expect(row).to_contain_text("checked by staff")
    with live_server.session() as session:
        assert session.scalar(select(Certification.verified_at)) is not None

    row.get_by_role("link", name="ООО «Штамп-Авто»").click()
    page.get_by_role("button", name="Verify this supplier").click()
    expect(page.get_by_role("alert")).to_contain_text("is verified")
    [sent] = Path(live_server.app.config["MAIL_FOLDER"]).glob("*-supplier_verified.eml")
    message = email.message_from_bytes(sent.read_bytes(), policy=default_policy)
    assert message["To"] == users["supplier"]
    assert live_server.url + "/opportunities" in message.get_content()
