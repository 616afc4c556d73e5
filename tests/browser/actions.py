"""What a person does in every browser journey: find the navigation, log in and out."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests import factories


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation").first


def log_in(page: Page, email: str, password: str = factories.PASSWORD) -> None:
    page.goto("/")
    nav(page).get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(nav(page).get_by_role("link", name=email)).to_be_visible()


def log_out(page: Page) -> None:
    nav(page).get_by_role("button", name="Log out").click()
    expect(nav(page).get_by_role("link", name="Log in")).to_be_visible()
