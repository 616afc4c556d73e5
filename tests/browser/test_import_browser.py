"""Staff import a supplier list in Chromium: a refused file, a dry run, the import, a review."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from matchmaker.models import AuditEntry, ImportReview, Role, Supplier
from tests import factories
from tests.browser.actions import log_in, nav

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

HEADER = ["Название", "ИНН", "Регион", "Город", "E-mail", "Процессы", "Сертификаты"]


def supplier_list(email: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(
        [
            [
                "ООО «Тольяттинский штамп»",
                factories.valid_inn(101),
                "Самарская область",
                "Тольятти",
                "sales@tlt-stamp.example",
                "Холодная листовая штамповка; Deep drawing",
                "IATF 16949 № 0123456 до 31.12.2030",
            ],
            [
                "АО «Сызранский литейный»",
                factories.valid_inn(102),
                "Самарская область",
                "Сызрань",
                email,
                "Литьё под давлением",
                "",
            ],
            ["Ромашка АО", "", "Самарская область", "Самара", "", "Laser cutting", ""],
        ]
    )
    return out.getvalue().encode("cp1251")


def upload(page: Page, data: bytes, dry_run: bool = False) -> None:
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "cluster-list.csv", "mimeType": "text/csv", "buffer": data}
    )
    if dry_run:
        page.get_by_label(re.compile("^Dry run")).check()
    page.get_by_role("button", name="Upload and import").click()


def test_staff_imports_a_supplier_list_and_clears_the_review_queue(
    page: Page, live_server: LiveServer, shoot
) -> None:
    with live_server.session() as session:
        staff = factories.user(session, Role.STAFF)
        factories.supplier(session, "ООО «Ромашка»", inn=None, region="Самарская область")
        session.commit()
        email = staff.email

    log_in(page, email)
    nav(page).get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import suppliers")).to_be_visible()
    expect(page.get_by_role("link", name="Excel (.xlsx)")).to_have_attribute(
        "href", "/suppliers/import/template?format=xlsx"
    )

    upload(page, supplier_list("sales at syzran"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Nothing was written: 1 of 3 rows have problems."
    )
    problem = page.locator("#problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").nth(0)).to_have_text("3")
    expect(problem.locator("td").nth(1)).to_have_text("E-mail")
    expect(problem.locator("td").nth(2)).to_contain_text("is not an e-mail address")
    shoot("import-refused")

    fixed = supplier_list("sales@syzran-casting.example")
    upload(page, fixed, dry_run=True)
    expect(page.get_by_role("status").first).to_contain_text("Dry run, nothing was written.")
    expect(page.get_by_role("status").first).to_contain_text(
        "Importing would add 2, update 0 and send 1 to review."
    )
    with live_server.session() as session:
        assert session.scalars(select(Supplier.name)).all() == ["ООО «Ромашка»"]

    upload(page, fixed)
    expect(page.get_by_role("status").first).to_contain_text(
        "2 added, 0 updated, 1 sent to review."
    )
    shoot("import-done")
    page.get_by_role("link", name="Open the review queue").click()
    expect(page.get_by_role("heading", name="Import review queue")).to_be_visible()
    card = page.locator("article", has_text="Ромашка АО")
    expect(card).to_contain_text("ООО «Ромашка»")
    expect(card).to_contain_text("cluster-list.csv, line 4")
    shoot("review-queue")
    card.get_by_role("button", name="Merge into ООО «Ромашка»").click()
    expect(page.get_by_role("alert")).to_contain_text("The row was merged into Ромашка АО.")
    expect(page.get_by_text("No imported rows wait for review.")).to_be_visible()

    with live_server.session() as session:
        suppliers = {s.name: s for s in session.scalars(select(Supplier))}
        assert set(suppliers) == {
            "Ромашка АО",
            "ООО «Тольяттинский штамп»",
            "АО «Сызранский литейный»",
        }
        stamp = suppliers["ООО «Тольяттинский штамп»"]
        assert stamp.status == "pending" and stamp.city == "Тольятти"
        assert {p.code for p in stamp.processes} == {"sheet_stamping", "deep_drawing"}
        assert [(c.standard, c.number) for c in stamp.certifications] == [("IATF 16949", "0123456")]
        merged = suppliers["Ромашка АО"]
        assert merged.city == "Самара" and [p.code for p in merged.processes] == ["laser_cutting"]
        review = session.scalars(select(ImportReview)).one()
        assert (review.status, review.supplier_id) == ("merged", merged.id)
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"suppliers.imported", "import_review.merged"} <= actions


def test_an_imported_list_closes_a_localization_gap_on_the_dashboard(
    page: Page, live_server: LiveServer, shoot
) -> None:
    """Import → dashboard: a need no local supplier could make is covered after an import."""
    with live_server.session() as session:
        staff = factories.user(session, Role.STAFF)
        day = factories.day(session, factories.buyer(session, "Brose"))
        need = factories.need(
            session,
            day,
            part_name="Кронштейн крепления мотор-редуктора",
            description="Листовая штамповка из стали 08пс, последовательный штамп.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
        )
        session.commit()
        email, need_id = staff.email, need.id

    log_in(page, email)
    nav(page).get_by_role("link", name="Reports").click()
    expect(page.locator('[data-figure="gaps"]')).to_have_text("1")
    expect(page.locator(f'[data-gap="{need_id}"]')).to_be_visible()

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Название", "ИНН", "Регион", "Город", "Описание", "Процессы", "Материалы"])
    writer.writerow(
        [
            "ООО «Самарский штамп»",
            factories.valid_inn(303),
            "Самарская область",
            "Самара",
            "Холодная листовая штамповка кронштейнов из стали 08пс в последовательных штампах.",
            "Холодная листовая штамповка",
            "Низкоуглеродистая листовая сталь (08пс, 08Ю)",
        ]
    )
    nav(page).get_by_role("link", name="Import", exact=True).click()
    upload(page, out.getvalue().encode("utf-8-sig"))
    expect(page.get_by_role("status").first).to_contain_text("1 added, 0 updated")

    nav(page).get_by_role("link", name="Reports").click()
    # The catalogue changed since the need was ranked: staff recompute, and the gap closes.
    page.get_by_role("button", name="Recompute rankings").click()
    expect(page.locator('[data-figure="gaps"]')).to_have_text("0")
    expect(page.locator(f'[data-gap="{need_id}"]')).to_have_count(0)
    expect(page.locator('[data-figure="covered"]')).to_contain_text("1")
    shoot("dashboard-after-import")
    page.get_by_text("Every need").click()
    row = page.locator(f'#needs-table [data-need="{need_id}"]')
    expect(row.locator("td").nth(1)).to_have_text("1")  # one qualified supplier
    row.get_by_role("link").click()
    expect(page.get_by_text("ООО «Самарский штамп»").first).to_be_visible()
