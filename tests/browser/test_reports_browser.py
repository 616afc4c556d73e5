"""The reports dashboard in Chromium, on the demo data: charts draw, the CSP holds.

The live server gets the whole demo (5 buyers' Supplier Days, 40+ needs, 60+
suppliers) with rankings computed, as after `make run` and a first look at the
needs. Staff open the dashboard from the navigation; every chart canvas must hold a
drawn Chart.js chart, the tables must carry the same numbers, and the console must
stay free of errors (a Content-Security-Policy violation is logged there).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from matchmaker import seed
from matchmaker.shortlists import services as shortlists
from matchmaker.shortlists.cache import index_cache

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

CHARTS = ("coverage-days", "coverage-buyers", "qualified", "funnel", "registrations", "profiles")


def demo_scene(live_server: LiveServer) -> int:
    """Load the demo data and rank every need; return the number of needs."""
    with live_server.app.app_context(), live_server.session() as session:
        report = seed.load_demo(session, Path(live_server.app.config["SEED_DIR"]))
        shortlists.rank_all(session(), index_cache())
        return report.needs


def drawn_pixels(page: Page, name: str) -> int:
    """How many pixels of the chart's canvas are not blank."""
    return int(
        page.evaluate(
            """(name) => {
                const canvas = document.querySelector(`[data-chart="${name}"] canvas`);
                if (!canvas || !window.Chart.getChart(canvas)) { return 0; }
                const data = canvas.getContext("2d")
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                let drawn = 0;
                for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { drawn++; } }
                return drawn;
            }""",
            name,
        )
    )


def test_staff_sees_the_dashboard_charts_without_console_errors(
    page: Page, live_server: LiveServer, shoot
) -> None:
    needs = demo_scene(live_server)
    assert needs >= 40
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The app serves no favicon; the browser's own request for it is not ours.
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type in {"error", "warning"}:
            problems.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

    page.goto("/")
    nav = page.get_by_role("navigation").first
    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail").fill(seed.STAFF_EMAIL)
    page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    nav.get_by_role("link", name="Reports").click()

    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.locator('[data-figure="needs"]')).to_have_text(str(needs))
    for name in CHARTS:
        box = page.locator(f'[data-chart="{name}"]')
        expect(box).to_be_visible()
        canvas = box.locator("canvas")
        size = canvas.bounding_box()
        assert size is not None and size["width"] > 100 and size["height"] > 100, name
        assert drawn_pixels(page, name) > 500, f"{name} chart drew nothing"

    # Every seeded Supplier Day has a coverage row, and the chart shows the same numbers.
    rows = page.locator("#coverage-days tbody tr")
    assert rows.count() >= 5
    chart_covered = page.evaluate(
        """() => window.Chart.getChart(
            document.querySelector('[data-chart="coverage-days"] canvas')
        ).data.datasets[0].data"""
    )
    table_covered = [
        int(text)
        for text in page.locator("#coverage-days tbody tr td:nth-child(3)").all_inner_texts()
    ]
    assert chart_covered == table_covered
    assert sum(table_covered) > 0
    gaps = page.locator("[data-gap]")
    expect(page.locator('[data-figure="gaps"]')).to_have_text(str(gaps.count()))
    shoot("dashboard")

    # A gap links to the need's ranked list with its near misses.
    if gaps.count():
        gaps.first.get_by_role("link").click()
        expect(page.get_by_role("heading", name="Near misses")).to_be_visible()
        page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these numbers (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("reports-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows_csv = list(csv.DictReader(io.StringIO(text)))
    total = next(
        r for r in rows_csv if r["Section"] == "Coverage, all days" and r["Measure"] == "needs"
    )
    assert total["Value"] == str(needs)

    assert problems == [], problems
