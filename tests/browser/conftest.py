"""Fixtures for the real-browser tests: a live server per test and Debian's Chromium.

Every test gets a new app on a new database (CSRF on, as in production), served by a
werkzeug server on a free port in a daemon thread. The browser is launched once per
session from ``/usr/bin/chromium``; Playwright never downloads one. Without Debian's
Chromium every browser test is skipped with a message saying how to install it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from matchmaker import seed
from matchmaker.extensions import db
from tests.conftest import make_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOT_INSTALLED = (
    "Debian's chromium is not installed (apt-get install chromium): browser tests skipped"
)
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


@dataclass
class LiveServer:
    app: Flask
    url: str

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The app's database session, in an app context of the test's own thread."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    app, drop = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        seed.load_reference(db.session, Path(app.config["SEED_DIR"]))
        db.session.commit()
        db.session.remove()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(NOT_INSTALLED)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page in a fresh browser context whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def shoot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Full-page screenshots, desktop and 390 px wide, into $MATCHMAKER_SHOTS if it is set.

    For looking at the pages while developing; a normal run takes none, to stay fast.
    """
    folder = os.environ.get("MATCHMAKER_SHOTS")

    def take(name: str) -> None:
        if not folder:
            return
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        stem = f"{request.node.name}-{name}"
        page.screenshot(path=str(target / f"{stem}.png"), full_page=True)
        page.set_viewport_size(MOBILE)
        page.screenshot(path=str(target / f"{stem}-390.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

    return take
