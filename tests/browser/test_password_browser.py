"""Password links in Chromium: staff invite an imported supplier's person, who chooses a
password from the e-mailed link; later that person forgets it and sets a new one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from matchmaker.models import EmailMessage, Role
from tests import factories
from tests.browser.actions import log_in, log_out, nav

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def newest_link(live_server: LiveServer, recipient: str) -> str:
    with live_server.session() as session:
        mail = session.scalars(
            select(EmailMessage)
            .where(EmailMessage.recipient == recipient)
            .order_by(EmailMessage.id.desc())
        ).first()
        assert mail is not None, f"no e-mail to {recipient}"
        found = re.search(r"http://127\.0\.0\.1:\d+/password/set/\S+", mail.body)
        assert found, mail.body
        return found.group(0)


def choose_password(page: Page, password: str) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Repeat new password").fill(password)
    page.get_by_role("button", name="Set password and log in").click()


def test_an_invited_supplier_chooses_a_password_and_later_resets_it(
    page: Page, live_server: LiveServer, shoot
) -> None:
    live_server.app.config["PUBLIC_URL"] = live_server.url
    with live_server.session() as session:
        staff = factories.user(session, Role.STAFF)
        imported = factories.supplier(session, "ООО «Импорт»", inn=None, status="pending")
        session.commit()
        staff_email, supplier_id = staff.email, imported.id

    log_in(page, staff_email)
    page.goto(f"/suppliers/{supplier_id}")
    accounts = page.locator("#accounts")
    expect(accounts).to_contain_text("Nobody from this company can log in yet")
    accounts.get_by_label("E-mail", exact=True).fill("olga@import.example")
    accounts.get_by_label("Language of the e-mail").select_option("en")
    accounts.get_by_role("button", name="Invite: e-mail a link to choose a password").click()
    expect(page.get_by_role("alert").first).to_contain_text("olga@import.example can now choose")
    expect(page.locator("#accounts")).to_contain_text("olga@import.example")
    shoot("invited")
    log_out(page)

    page.goto(newest_link(live_server, "olga@import.example"))
    expect(page.get_by_text("Account: olga@import.example")).to_be_visible()
    choose_password(page, "olgas-first-password")
    expect(nav(page).get_by_role("link", name="olga@import.example")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ООО «Импорт»")  # its home
    nav(page).get_by_role("link", name="Profile").click()
    expect(page.get_by_label("Company name")).to_have_value("ООО «Импорт»")
    log_out(page)

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail", exact=True).fill("olga@import.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("alert").first).to_contain_text("If an account with this e-mail exists")
    link = newest_link(live_server, "olga@import.example")
    page.goto(link)
    choose_password(page, "olgas-second-password")
    expect(nav(page).get_by_role("link", name="olga@import.example")).to_be_visible()
    log_out(page)

    # Used once, the link is spent; the new password is the one that works.
    page.goto(link)
    expect(page.get_by_text("This link is no longer valid")).to_be_visible()
    shoot("link-spent")
    log_in(page, "olga@import.example", "olgas-second-password")
