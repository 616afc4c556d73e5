"""The three journeys of the issue, clicked and typed in Chromium as a user would.

Each test drives the real pages (navigation links, fields by their label, buttons by
their text) against a live server with CSRF on, then checks what the user sees and
the rows the journey left in the database.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import pytest
from babel.dates import format_date
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from matchmaker.models import (
    AuditEntry,
    Decision,
    Interest,
    MatchRun,
    Need,
    Role,
    Supplier,
    SupplierDay,
    User,
)
from tests import factories
from tests.browser.actions import log_in, log_out, nav

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

DESCRIPTION_RU = (
    "Холодная листовая штамповка кронштейнов и пластин из стали 08пс на прессах "
    "до 250 т, последовательные штампы собственного изготовления, сварка, "
    "цинкование. Поставляем на АвтоВАЗ с 2012 года."
)


def shown(day: dt.date) -> str:
    """A date as the pages print it (Babel "medium", English)."""
    return format_date(day, "d MMM yyyy", locale="en")


# Russian public holidays (month, day): a day on one would flash a calendar warning.
HOLIDAYS = {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)} | {(1, d) for d in range(1, 9)}


def working_day_after(days: int) -> dt.date:
    """A working day at least ``days`` from today: no weekend or holiday warning."""
    day = dt.date.today() + dt.timedelta(days=days)
    while day.weekday() >= 5 or (day.month, day.day) in HOLIDAYS:
        day += dt.timedelta(days=1)
    return day


def field_feedback(page: Page, label: str) -> Locator:
    """The error message rendered next to the field labelled ``label``."""
    field = page.get_by_label(label, exact=True)
    return page.locator("div.mb-3", has=field).locator(".invalid-feedback")


# --- 1. a supplier registers and fills its profile -------------------------------------


def fill_registration(page: Page, inn: str) -> None:
    page.goto("/")
    nav(page).get_by_role("link", name="Register a supplier").click()
    expect(page.get_by_role("heading", name="Register your company")).to_be_visible()
    page.get_by_label("Company name").fill("ООО «Штамп-Авто»")
    page.get_by_label("INN", exact=True).fill(inn)
    page.get_by_label("Region").fill("Самарская область")
    page.get_by_label("City").fill("Тольятти")
    page.get_by_label("Your name").fill("Ирина Петрова")
    page.get_by_label("Contact e-mail").fill("sales@shtamp-avto.example")
    page.get_by_label("Password", exact=True).fill("stamping-since-2012")
    page.get_by_label("Repeat password").fill("stamping-since-2012")
    page.get_by_role("button", name="Register", exact=True).click()


def test_supplier_registers_fills_profile_and_adds_a_certificate(page, live_server, shoot):
    inn = factories.valid_inn(4242)
    valid_until = dt.date.today() + dt.timedelta(days=700)

    fill_registration(page, inn)

    expect(page).to_have_url(re.compile(r"/supplier/profile$"))
    expect(page.get_by_role("alert")).to_contain_text("Your company is registered.")
    expect(page.get_by_role("heading", name="Capability profile")).to_be_visible()
    expect(page.get_by_text(f"INN {inn}")).to_be_visible()
    expect(page.get_by_label("Company name")).to_have_value("ООО «Штамп-Авто»")
    shoot("profile-empty")

    page.get_by_label("Website").fill("https://shtamp-avto.example")
    page.get_by_label("Employees").fill("240")
    page.get_by_label("What your company does").fill(DESCRIPTION_RU)
    processes = page.get_by_role("group", name="Processes")
    processes.get_by_label("Sheet metal stamping", exact=True).check()
    processes.get_by_label("Deep drawing", exact=True).check()
    materials = page.get_by_role("group", name="Materials")
    materials.get_by_label("Low-carbon sheet steel", exact=True).check()
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("alert")).to_contain_text("Profile saved.")
    expect(page.get_by_label("What your company does")).to_have_value(DESCRIPTION_RU)
    expect(page.get_by_label("Website")).to_have_value("https://shtamp-avto.example")
    expect(page.get_by_label("Employees")).to_have_value("240")
    expect(processes.get_by_label("Sheet metal stamping", exact=True)).to_be_checked()
    expect(processes.get_by_label("Deep drawing", exact=True)).to_be_checked()
    expect(materials.get_by_label("Low-carbon sheet steel", exact=True)).to_be_checked()
    expect(processes.get_by_label("High-pressure die casting", exact=True)).not_to_be_checked()

    page.get_by_label("Standard").select_option("IATF 16949")
    page.get_by_label("Certificate number").fill("TÜV 0111 045678")
    page.get_by_label("Valid until").fill(valid_until.isoformat())
    page.get_by_role("button", name="Add certificate").click()

    expect(page.get_by_role("alert")).to_contain_text("Certificate added.")
    row = page.get_by_role("row", name=re.compile("IATF 16949"))
    expect(row).to_contain_text("TÜV 0111 045678")
    expect(row).to_contain_text(shown(valid_until))
    expect(row).to_contain_text("not yet")
    expect(page.get_by_label("What your company does")).to_have_value(DESCRIPTION_RU)
    shoot("profile-filled")

    with live_server.session() as session:
        supplier = session.scalars(select(Supplier)).one()
        assert (supplier.name, supplier.inn, supplier.status) == (
            "ООО «Штамп-Авто»",
            inn,
            "pending",
        )
        assert (supplier.region, supplier.city) == ("Самарская область", "Тольятти")
        assert supplier.website == "https://shtamp-avto.example"
        assert supplier.employees == 240
        assert supplier.description == DESCRIPTION_RU
        assert {p.code for p in supplier.processes} == {"sheet_stamping", "deep_drawing"}
        assert {m.code for m in supplier.materials} == {"steel_lowcarbon"}
        [cert] = supplier.certifications
        assert (cert.standard, cert.number, cert.valid_until) == (
            "IATF 16949",
            "TÜV 0111 045678",
            valid_until,
        )
        assert not cert.verified
        [user] = supplier.users
        assert (user.email, user.name, user.role) == (
            "sales@shtamp-avto.example",
            "Ирина Петрова",
            Role.SUPPLIER.value,
        )
        assert supplier.email == "sales@shtamp-avto.example"


def test_wrong_inn_is_shown_next_to_the_field_and_creates_nothing(page, live_server, shoot):
    good = factories.valid_inn(4242)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)

    fill_registration(page, wrong)

    expect(page).to_have_url(re.compile(r"/register$"))
    expect(field_feedback(page, "INN")).to_have_text("This INN is not valid: check the digits.")
    expect(page.get_by_label("INN", exact=True)).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_label("INN", exact=True)).to_have_value(wrong)
    expect(page.get_by_label("Company name")).to_have_value("ООО «Штамп-Авто»")
    expect(page.locator(".invalid-feedback")).to_have_count(1)
    shoot("register-wrong-inn")

    with live_server.session() as session:
        assert session.scalar(select(func.count(Supplier.id))) == 0
        assert session.scalar(select(func.count(User.id))) == 0


# --- 2. staff create a Supplier Day and its needs -------------------------------------


def add_need(page: Page, part: dict[str, Any]) -> None:
    page.get_by_role("link", name="Add need").click()
    expect(page.get_by_role("heading", name="New need")).to_be_visible()
    page.get_by_label("Part name").fill(part["name"])
    page.get_by_label("Part number").fill(part["number"])
    page.get_by_label("Description").fill(part["description"])
    processes = page.get_by_role("group", name="Processes")
    for label in part["processes"]:
        processes.get_by_label(label, exact=True).check()
    materials = page.get_by_role("group", name="Materials")
    for label in part["materials"]:
        materials.get_by_label(label, exact=True).check()
    page.get_by_label("Annual volume").fill(str(part["volume"]))
    page.get_by_label("Unit").select_option(label=part["unit"])
    page.get_by_label("Start of production (SOP)").fill(part["sop"].isoformat())
    certifications = page.get_by_role("group", name="Required certifications")
    for label in part["certifications"]:
        certifications.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Save need").click()
    expect(page.get_by_role("alert")).to_contain_text("Need added.")


def test_staff_create_a_supplier_day_and_two_needs(page, live_server, shoot):
    with live_server.session() as session:
        staff = factories.user(session, Role.STAFF, email="staff@cluster.example")
        session.commit()
        email = staff.email
    date = working_day_after(45)
    deadline = date - dt.timedelta(days=14)
    sop = dt.date(date.year + 1, 3, 1)
    title = "Brose Supplier Day — Тольятти"
    venue = "Технопарк «Жигулёвская долина», Тольятти, ул. Советская, 21"
    link = "https://meet.cluster.example/brose-day"
    parts = [
        {
            "name": "Кронштейн крепления мотор-редуктора",
            "number": "BR-4471-02",
            "description": "Листовая штамповка, сталь 08пс, толщина 2 мм, цинкование.",
            "processes": ["Sheet metal stamping"],
            "materials": ["Low-carbon sheet steel"],
            "volume": 120000,
            "unit": "pieces",
            "sop": sop,
            "certifications": ["IATF 16949"],
        },
        {
            "name": "Корпус редуктора стеклоподъёмника",
            "number": "BR-5520-11",
            "description": "Литьё алюминия под давлением, механообработка посадочных мест.",
            "processes": ["High-pressure die casting"],
            "materials": ["Aluminium casting alloys"],
            "volume": 80000,
            "unit": "pieces",
            "sop": sop,
            "certifications": ["IATF 16949", "ISO 14001"],
        },
    ]

    log_in(page, email)
    nav(page).get_by_role("link", name="Supplier Days").click()
    page.get_by_role("link", name="New Supplier Day").click()
    expect(page.get_by_role("heading", name="New Supplier Day")).to_be_visible()
    page.get_by_label("Buyer").select_option(label="Brose")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Date", exact=True).fill(date.isoformat())
    page.get_by_label("Format").select_option(label="Hybrid")
    page.get_by_label("Status").select_option(label="Open for registration")
    page.get_by_label("Venue").fill(venue)
    page.get_by_label("Video link").fill(link)
    page.get_by_label("Registration deadline").fill(deadline.isoformat())
    page.get_by_label("Meetings from").fill("09:30")
    page.get_by_label("Meetings until").fill("16:00")
    page.get_by_label("Slot, minutes").fill("20")
    page.get_by_label("Tables or rooms").fill("3")
    shoot("day-form")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text(
        ["Supplier Day created. Now add the parts to localize."]
    )
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text(f"Brose · {shown(date)} · hybrid")).to_be_visible()
    expect(page.get_by_text(venue)).to_be_visible()
    expect(page.get_by_role("link", name=link)).to_be_visible()
    expect(page.get_by_text("09:30–16:00, 20-minute slots, 3 tables")).to_be_visible()
    expect(page.get_by_text("No needs yet.")).to_be_visible()

    for part in parts:
        add_need(page, part)
    shoot("day-detail")

    for part in parts:
        card = page.locator(".card", has=page.get_by_role("heading", name=part["name"]))
        expect(card).to_contain_text(part["number"])
        expect(card).to_contain_text(part["description"])
        expect(card).to_contain_text(f"Processes: {part['processes'][0]}.")
        expect(card).to_contain_text(f"Materials: {part['materials'][0]}.")
        expect(card).to_contain_text(f"Required: {', '.join(part['certifications'])}.")
        # a need added to an open day is ranked at once (to tell suppliers that fit it);
        # the catalogue here is empty
        expect(card).to_contain_text("0 ranked, 0 near misses")
    expect(page.get_by_text("No needs yet.")).to_have_count(0)

    with live_server.session() as session:
        day = session.scalars(select(SupplierDay)).one()
        assert day.buyer.name == "Brose"
        assert (day.title, day.date, day.format, day.status) == (title, date, "hybrid", "open")
        assert (day.venue, day.video_link, day.registration_deadline) == (venue, link, deadline)
        assert (day.day_start, day.day_end) == (dt.time(9, 30), dt.time(16, 0))
        assert (day.slot_minutes, day.tables) == (20, 3)
        needs = session.scalars(select(Need).order_by(Need.id)).all()
        assert [n.supplier_day_id for n in needs] == [day.id, day.id]
        assert [n.part_name for n in needs] == [p["name"] for p in parts]
        assert [n.part_number for n in needs] == [p["number"] for p in parts]
        assert [n.annual_volume for n in needs] == [120000, 80000]
        assert [n.sop_date for n in needs] == [sop, sop]
        assert [n.required_certifications for n in needs] == [
            ["IATF 16949"],
            ["IATF 16949", "ISO 14001"],
        ]
        assert [{p.name_en for p in n.processes} for n in needs] == [
            set(p["processes"]) for p in parts
        ]
        assert [{m.name_en for m in n.materials} for n in needs] == [
            set(p["materials"]) for p in parts
        ]


# --- 3. a buyer reviews the ranked suppliers of a need ---------------------------------


def buyer_scene(live_server: LiveServer) -> dict[str, Any]:
    """A Brose need for a stamped bracket and three suppliers of varying fit."""
    with live_server.session() as session:
        brose = factories.buyer(session, "Brose")
        day = factories.day(session, brose, date=working_day_after(20), title="Brose Supplier Day")
        need = factories.need(
            session,
            day,
            part_name="Кронштейн крепления мотор-редуктора",
            part_number="BR-4471-02",
            description="Листовая штамповка из стали 08пс, последовательный штамп.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            required_certifications=["IATF 16949"],
        )
        best = factories.supplier(
            session,
            name="ООО «Штамп-Авто»",
            description="Холодная листовая штамповка кронштейнов из стали 08пс для АвтоВАЗ.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
            certifications=[("IATF 16949", dt.date.today() + dt.timedelta(days=400))],
        )
        uncertified = factories.supplier(
            session,
            name="ООО «Штамп без сертификата»",
            status="pending",
            description="Листовая штамповка кронштейнов из стали, прессы до 250 т.",
            process_codes=("sheet_stamping",),
            material_codes=("steel_lowcarbon",),
        )
        unrelated = factories.supplier(session, name="ООО «Пекарня»", description="Хлеб и булочки.")
        buyer_user = factories.user(session, Role.BUYER, buyer_org=brose)
        session.commit()
        return {
            "need": need.id,
            "part": need.part_name,
            "best": (best.id, best.name),
            "uncertified": (uncertified.id, uncertified.name),
            "unrelated": unrelated.name,
            "unrelated_id": unrelated.id,
            "email": buyer_user.email,
            "user": buyer_user.id,
        }


def test_buyer_reviews_ranked_suppliers_shortlists_and_rejects(page, live_server, shoot):
    scene = buyer_scene(live_server)
    best_id, best_name = scene["best"]
    other_id, other_name = scene["uncertified"]
    reason = "Нет сертификата IATF 16949, аудит не раньше 2027 года."

    log_in(page, scene["email"])
    nav(page).get_by_role("link", name="My needs").click()
    page.get_by_role("link", name=scene["part"]).click()

    expect(page.get_by_role("heading", name=scene["part"])).to_be_visible()
    expect(page.get_by_text("Ranking computed")).to_be_visible()
    ranked = page.locator("h2:has-text('Ranked suppliers') + .list-group")
    near = page.locator("h2:has-text('Near misses') + .list-group")
    best_row = ranked.locator(f"[data-supplier='{best_id}']")
    expect(best_row).to_contain_text("#1")
    expect(best_row.get_by_role("link", name=best_name)).to_be_visible()
    expect(best_row).to_contain_text("verified")
    expect(best_row.locator(".term-pair").first).to_be_visible()
    expect(best_row.locator(".req-met", has_text="IATF 16949")).to_be_visible()
    other_row = near.locator(f"[data-supplier='{other_id}']")
    expect(other_row).to_contain_text("pending verification")
    expect(other_row.locator(".req-missing", has_text="IATF 16949")).to_be_visible()
    expect(ranked.locator(f"[data-supplier='{other_id}']")).to_have_count(0)
    expect(page.get_by_text(scene["unrelated"])).to_have_count(0)
    shoot("shortlist")

    best_row.get_by_role("button", name="Shortlist").click()
    expect(page.get_by_role("alert")).to_have_text("Decision saved.")
    expect(best_row).to_contain_text("shortlisted")
    expect(best_row.get_by_role("button", name="Shortlist")).to_have_count(0)

    page.get_by_role("link", name=re.compile(r"^shortlisted\b")).click()
    expect(page).to_have_url(re.compile(r"status=shortlisted"))
    expect(best_row).to_be_visible()
    expect(page.locator(f"[data-supplier='{other_id}']")).to_have_count(0)
    expect(near).to_contain_text("No near misses.")
    shoot("shortlist-filtered")

    best_row.get_by_role("link", name=best_name).click()
    expect(page.get_by_role("heading", name=best_name)).to_be_visible()
    expect(page.get_by_text("Why this supplier")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Rank 1 · score"))).to_be_visible()
    expect(page.get_by_label("Decision")).to_have_value("shortlisted")
    shoot("candidate-best")

    breadcrumb = page.get_by_role("navigation", name="breadcrumb")
    breadcrumb.get_by_role("link", name=scene["part"]).click()
    near.get_by_role("link", name=other_name).click()
    expect(page.get_by_role("heading", name=other_name)).to_be_visible()
    expect(page.get_by_text("Near miss ·")).to_be_visible()
    page.get_by_label("Decision").select_option(label="Rejected")
    page.get_by_role("button", name="Save decision").click()
    expect(field_feedback(page, "Reason")).to_have_text("Say why the supplier is rejected.")
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("alert")).to_have_text("Decision saved.")
    expect(page.get_by_label("Decision")).to_have_value("rejected")
    expect(page.get_by_label("Reason")).to_have_value(reason)
    shoot("candidate-rejected")

    with live_server.session() as session:
        decisions = {d.supplier_id: d for d in session.scalars(select(Decision))}
        assert set(decisions) == {best_id, other_id}
        assert decisions[best_id].status == "shortlisted"
        assert decisions[other_id].status == "rejected"
        assert decisions[other_id].reason == reason
        assert {d.user_id for d in decisions.values()} == {scene["user"]}
        assert {d.need_id for d in decisions.values()} == {scene["need"]}
        run = session.scalars(select(MatchRun)).one()
        stored = {m.supplier_id: m for m in run.matches}
        assert stored[best_id].rank == 1 and not stored[best_id].near_miss
        assert stored[other_id].near_miss
        assert (
            session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "decision.recorded")
            )
            == 2
        )


def test_buyer_sees_why_an_interested_supplier_is_not_ranked(page, live_server, shoot):
    scene = buyer_scene(live_server)
    with live_server.session() as session:
        # The bakery marked interest in the bracket (its own journey is tested elsewhere).
        session.add(Interest(need_id=scene["need"], supplier_id=scene["unrelated_id"]))
        session.commit()

    log_in(page, scene["email"])
    nav(page).get_by_role("link", name="My needs").click()
    page.get_by_role("link", name=scene["part"]).click()
    others = page.locator("h2:has-text('Other suppliers with interest') + .list-group")
    row = others.locator(f"[data-supplier='{scene['unrelated_id']}']")
    expect(row).to_contain_text("interested")
    expect(row).to_contain_text("not ranked, score 0.00")
    expect(row.locator(".req-missing", has_text="IATF 16949")).to_contain_text("not held")
    expect(row.locator(".req-missing", has_text="sheet-metal stamping")).to_be_visible()
    shoot("shortlist-unranked")

    row.get_by_role("link", name=scene["unrelated"]).click()
    expect(page.get_by_role("heading", name=scene["unrelated"])).to_be_visible()
    why = page.locator(".card", has_text="Why this supplier")
    expect(why).to_contain_text("Not in the current ranking of this part.")
    expect(why).to_contain_text("The supplier said it is interested.")
    expect(why).to_contain_text("Its score: 0.00.")
    expect(why).to_contain_text("Its profile shares no words and no capabilities with this part.")
    expect(why.locator(".req-missing", has_text="IATF 16949")).to_contain_text("not held")
    expect(why.locator(".term-pair")).to_have_count(0)
    shoot("candidate-unranked")


def test_a_profile_edit_shows_up_in_the_buyers_next_ranking(page, live_server, shoot):
    scene = buyer_scene(live_server)
    with live_server.session() as session:
        bakery = session.scalars(select(Supplier).where(Supplier.name == scene["unrelated"])).one()
        baker = factories.user(session, Role.SUPPLIER, supplier_org=bakery)
        session.commit()
        bakery_id, baker_email = bakery.id, baker.email

    # The buyer's first look builds the index; the bakery is nowhere in the list.
    log_in(page, scene["email"])
    page.goto(f"/needs/{scene['need']}")
    expect(page.get_by_text("Ranking computed")).to_be_visible()
    expect(page.locator(f"[data-supplier='{bakery_id}']")).to_have_count(0)
    log_out(page)

    # The bakery turns to stamping and says so in its profile.
    log_in(page, baker_email)
    nav(page).get_by_role("link", name="Profile").click()
    page.get_by_label("What your company does").fill(
        "Перешли на листовую штамповку кронштейнов из стали 08пс, прессы до 160 т."
    )
    page.get_by_role("group", name="Processes").get_by_label(
        "Sheet metal stamping", exact=True
    ).check()
    page.get_by_role("group", name="Materials").get_by_label(
        "Low-carbon sheet steel", exact=True
    ).check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("alert")).to_contain_text("Profile saved.")
    log_out(page)

    # The buyer's next view ranks the new profile (no restart): a near miss, as it holds
    # no IATF 16949, with the stamping it now names.
    log_in(page, scene["email"])
    page.goto(f"/needs/{scene['need']}")
    near = page.locator("h2:has-text('Near misses') + .list-group")
    row = near.locator(f"[data-supplier='{bakery_id}']")
    expect(row).to_be_visible()
    expect(row.locator(".req-met", has_text="sheet-metal stamping")).to_be_visible()
    expect(row.locator(".req-missing", has_text="IATF 16949")).to_be_visible()
    shoot("ranking-after-edit")
