"""Every page a demo user can reach by following links answers without a server error.

The demo data (`matchmaker seed --demo`, what `make run` shows) is loaded once per
role; a logged-in test client then follows every same-site link of every page it
reaches (GET only: forms and buttons are the journeys' business), in English and in
Russian.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matchmaker import seed
from matchmaker.extensions import db
from matchmaker.models import Role, User

# Enough to reach every kind of page from the navigation; the demo has dozens of needs
# and suppliers whose pages all share a template.
PAGES_PER_ROLE = 120
SKIPPED_PREFIXES = ("/static/", "/logout")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _same_site(href: str) -> str | None:
    parts = urlsplit(urldefrag(href)[0])
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _crawl(client: FlaskClient, start: str) -> dict[str, int]:
    """Status of every page reached from ``start`` (breadth first, up to the budget)."""
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.mimetype != "text/html":
            continue
        parser = _Links()
        parser.feed(response.get_data(as_text=True))
        for href in parser.hrefs:
            target = _same_site(href)
            if target is not None and target not in seen:
                queue.append(target)
    return seen


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    with app.app_context():
        seed.load_demo(db.session(), Path(app.config["SEED_DIR"]))
    return app


def _demo_login(app: Flask, client: FlaskClient, role: Role, locale: str) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.role == role.value)).first()
        assert user is not None
        user.locale = locale
        db.session.commit()
        user_id = user.get_id()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user_id
        flask_session["_fresh"] = True


@pytest.mark.parametrize(
    ("role", "locale"),
    [
        (Role.STAFF, "en"),
        (Role.BUYER, "ru"),
        (Role.SUPPLIER, "ru"),
        (Role.STAFF, "ru"),
    ],
)
def test_every_linked_page_answers(
    demo_app: Flask, client: FlaskClient, role: Role, locale: str
) -> None:
    _demo_login(demo_app, client, role, locale)
    statuses = _crawl(client, "/")
    errors = {url: status for url, status in statuses.items() if status >= 500}
    assert errors == {}
    # Links a user is shown lead somewhere: nothing they can click is missing or refused.
    broken = {url: status for url, status in statuses.items() if status in (403, 404)}
    assert broken == {}
    assert len(statuses) >= 15, statuses
