"""The Supplier Day calendar: month view, ICS feed, public holidays, date warnings."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from matchmaker.calendar import services
from matchmaker.errors import FieldError, PermissionDenied
from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Holiday, Role, SupplierDay
from tests import factories

SAMARA = ZoneInfo("Europe/Samara")


def _day_form(buyer_id: int, **overrides: str) -> dict[str, str]:
    data = {
        "buyer_id": str(buyer_id),
        "title": "Brose Supplier Day 2027",
        "date": "2027-03-16",
        "format": "hybrid",
        "venue": "Тольятти, ул. Офицерская 12Н",
        "video_link": "https://meet.example.org/brose",
        "status": "open",
        "registration_deadline": "",
        "day_start": "10:00",
        "day_end": "16:00",
        "slot_minutes": "30",
        "tables": "3",
        "breaks": "",
        "timezone": "Europe/Samara",
        "description": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(app):
    """Two buyers with days in March 2027 (one a draft), one in May, and a holiday."""
    with app.app_context():
        session = db.session
        brose, mitsuba = factories.buyer(session, "Brose"), factories.buyer(session, "Mitsuba")
        days = {
            "brose_open": factories.day(
                session,
                brose,
                title="Doors and seats",
                date=dt.date(2027, 3, 16),
                format="onsite",
                venue="Тольятти, ул. Офицерская 12Н",
                video_link="",
                registration_deadline=dt.date(2027, 3, 1),
            ),
            "brose_draft": factories.day(
                session, brose, title="Window regulators", date=dt.date(2027, 3, 18), status="draft"
            ),
            "mitsuba_open": factories.day(
                session,
                mitsuba,
                title="Wiper motors",
                date=dt.date(2027, 3, 10),
                video_link="https://meet.example.org/mitsuba",
                timezone="Europe/Moscow",
                day_start=dt.time(9, 30),
                day_end=dt.time(13, 0),
            ),
            "mitsuba_may": factories.day(
                session, mitsuba, title="Starter housings", date=dt.date(2027, 5, 12)
            ),
        }
        session.add(Holiday(date=dt.date(2027, 3, 8), name="Women’s Day"))
        brose_user = factories.user(session, Role.BUYER, buyer_org=brose)
        session.commit()
        return SimpleNamespace(
            ids={key: day.id for key, day in days.items()},
            brose=brose.id,
            mitsuba=mitsuba.id,
            brose_user=brose_user,
        )


def _text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _grid(page: str) -> str:
    """The week table of a month page (the phone list repeats its contents)."""
    return page.split('<table class="table table-bordered calendar-grid">')[1].split("</table>")[0]


# --- month view ----------------------------------------------------------------------------


def test_staff_sees_every_day_of_the_month_with_holidays(client, login_as, world):
    login_as(Role.STAFF)
    grid = _grid(_text(client.get("/calendar?month=2027-03")))
    for key in ("brose_open", "brose_draft", "mitsuba_open"):
        assert f'href="/days/{world.ids[key]}"' in grid
    assert f'href="/days/{world.ids["mitsuba_may"]}"' not in grid
    assert "Doors and seats" in grid and "Window regulators" in grid and "Wiper motors" in grid
    assert "Women’s Day" in grid
    # The draft carries its status; formats are named.
    assert "draft" in grid and "on site" in grid and "online" in grid


def test_cells_hold_their_own_dates(client, login_as, world):
    login_as(Role.STAFF)
    grid = _grid(_text(client.get("/calendar?month=2027-03")))
    cells = re.findall(r'<td class="calendar-cell[^"]*".*?</td>', grid, flags=re.S)
    assert len(cells) == 35  # March 2027: Monday 1st to Wednesday 31st, five weeks
    by_date = {re.search(r'datetime="([\d-]+)"', cell).group(1): cell for cell in cells}
    assert "Doors and seats" in by_date["2027-03-16"]
    assert "Wiper motors" in by_date["2027-03-10"]
    assert "Women’s Day" in by_date["2027-03-08"]
    assert "calendar-holiday-cell" in by_date["2027-03-08"]
    assert "calendar-weekend" in by_date["2027-03-13"]
    assert "Doors and seats" not in by_date["2027-03-17"]


def test_weeks_start_on_monday(client, login_as, world):
    login_as(Role.STAFF)
    page = _text(client.get("/calendar?month=2027-04"))
    grid = _grid(page)
    dates = re.findall(r'<time class="calendar-date" datetime="([\d-]+)"', grid)
    # April 2027 starts on a Thursday: the grid opens on Monday 29 March, ends Sunday 2 May.
    assert dates[0] == "2027-03-29" and dates[-1] == "2027-05-02" and len(dates) == 35
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', grid)
    assert headers == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert "April 2027" in page
    assert 'href="/calendar?month=2027-03"' in page and 'href="/calendar?month=2027-05"' in page


def test_supplier_does_not_see_drafts(client, login_as, world):
    login_as(Role.SUPPLIER)
    grid = _grid(_text(client.get("/calendar?month=2027-03")))
    assert "Doors and seats" in grid and "Wiper motors" in grid
    assert "Window regulators" not in grid
    assert f'href="/days/{world.ids["brose_draft"]}"' not in grid
    assert "Women’s Day" in grid


def test_buyer_sees_only_its_own_days(client, login_as, world):
    login_as(user=world.brose_user)
    page = _text(client.get("/calendar?month=2027-03"))
    grid = _grid(page)
    assert "Doors and seats" in grid and "Window regulators" in grid
    assert "Wiper motors" not in page
    assert 'href="/holidays"' not in page  # holidays are staff's to edit


def test_links_to_the_list_the_feed_and_holidays_for_staff(client, login_as, world):
    login_as(Role.STAFF)
    page = _text(client.get("/calendar?month=2027-03"))
    assert 'href="/days"' in page and 'href="/calendar.ics"' in page and 'href="/holidays"' in page
    assert 'href="/calendar"' in page  # the nav item
    assert 'href="/calendar"' in _text(client.get("/days"))
    assert 'href="/holidays"' in _text(client.get("/staff/"))


@pytest.mark.parametrize(
    "month", ["", "2027-13", "2027-00", "abc", "0000-01", "99999-01", "2027-3-1", "２０２７-03"]
)
def test_a_bad_month_shows_this_month(client, login_as, month):
    login_as(Role.SUPPLIER)
    page = _text(client.get("/calendar", query_string={"month": month}))
    today = dt.datetime.now(SAMARA).date()
    assert format_date(today.replace(day=1), "LLLL y", locale="en") in page
    marked = re.findall(r'aria-current="date">\s*<div[^>]*>\s*<time[^>]*datetime="([\d-]+)"', page)
    assert set(marked) == {today.isoformat()}


def test_the_ends_of_the_range_have_no_link_beyond(client, login_as):
    login_as(Role.STAFF)
    first = _text(client.get("/calendar?month=1970-01"))
    assert "January 1970" in first and 'rel="prev"' not in first and 'rel="next"' in first
    last = _text(client.get("/calendar?month=2999-12"))
    assert "December 2999" in last and 'rel="next"' not in last


def test_month_view_service_marks_today_and_the_month(session, world):
    staff = factories.user(session, Role.STAFF)
    view = services.month_view(session, staff, dt.date(2027, 3, 1), today=dt.date(2027, 3, 16))
    today = [cell for cell in view.cells if cell.is_today]
    assert [cell.date for cell in today] == [dt.date(2027, 3, 16)]
    assert [day.title for day in today[0].days] == ["Doors and seats"]
    assert view.day_count == 3
    assert (view.previous, view.next) == (dt.date(2027, 2, 1), dt.date(2027, 4, 1))
    assert services.parse_month("2027-3", dt.date(2026, 1, 5)) == dt.date(2027, 3, 1)
    assert services.parse_month("March", dt.date(2026, 1, 5)) == dt.date(2026, 1, 1)


# --- ICS feed ------------------------------------------------------------------------------


def _feed(client) -> icalendar.Calendar:
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="supplier-days.ics"'
    return icalendar.Calendar.from_ical(response.data)


def _events(feed: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in feed.walk("VEVENT")}


def test_staff_feed_has_every_day_in_its_time_zone(client, login_as, world):
    login_as(Role.STAFF)
    feed = _feed(client)
    events = _events(feed)
    assert set(events) == {f"supplier-day-{day_id}@matchmaker" for day_id in world.ids.values()}

    onsite = events[f"supplier-day-{world.ids['brose_open']}@matchmaker"]
    start, end = onsite.decoded("DTSTART"), onsite.decoded("DTEND")
    assert start == dt.datetime(2027, 3, 16, 10, 0, tzinfo=SAMARA)
    assert (start.tzinfo.key, start.hour, end.hour) == ("Europe/Samara", 10, 17)
    assert onsite["DTSTART"].params["TZID"] == "Europe/Samara"
    assert str(onsite["SUMMARY"]) == "Brose — Doors and seats"
    assert str(onsite["LOCATION"]) == "Тольятти, ул. Офицерская 12Н"
    assert str(onsite["STATUS"]) == "CONFIRMED"
    assert str(onsite["URL"]) == f"http://localhost/days/{world.ids['brose_open']}"
    assert "Registration until 2027-03-01" in str(onsite["DESCRIPTION"])

    online = events[f"supplier-day-{world.ids['mitsuba_open']}@matchmaker"]
    start = online.decoded("DTSTART")
    assert (start.tzinfo.key, start.hour, start.minute) == ("Europe/Moscow", 9, 30)
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 3, 10, 6, 30, tzinfo=dt.UTC)
    assert str(online["LOCATION"]) == "https://meet.example.org/mitsuba"
    assert "https://meet.example.org/mitsuba" in str(online["DESCRIPTION"])

    draft = events[f"supplier-day-{world.ids['brose_draft']}@matchmaker"]
    assert str(draft["STATUS"]) == "TENTATIVE"
    zones = {str(zone["TZID"]) for zone in feed.walk("VTIMEZONE")}
    assert zones == {"Europe/Samara", "Europe/Moscow"}


def test_supplier_and_buyer_feeds_hold_what_they_may_see(client, login_as, world):
    login_as(Role.SUPPLIER)
    supplier_events = _events(_feed(client))
    assert f"supplier-day-{world.ids['brose_draft']}@matchmaker" not in supplier_events
    assert len(supplier_events) == 3
    login_as(user=world.brose_user)
    buyer_events = _events(_feed(client))
    assert set(buyer_events) == {
        f"supplier-day-{world.ids['brose_open']}@matchmaker",
        f"supplier-day-{world.ids['brose_draft']}@matchmaker",
    }


def test_days_calendar_is_stable_and_survives_a_bad_time_zone(session, world):
    days = list(session.scalars(select(SupplierDay).order_by(SupplierDay.id)))
    days[0].timezone = "Mars/Olympus_Mons"
    first = services.days_calendar(days, "https://cluster.example/")
    assert first == services.days_calendar(reversed(days), "https://cluster.example/")
    events = _events(icalendar.Calendar.from_ical(first))
    event = events[f"supplier-day-{days[0].id}@matchmaker"]
    assert event.decoded("DTSTART").tzinfo.key == "Europe/Samara"
    assert str(event["URL"]) == f"https://cluster.example/days/{days[0].id}"
    assert (
        icalendar.Calendar.from_ical(services.days_calendar([], "https://x/")).walk("VEVENT") == []
    )


# --- holidays ------------------------------------------------------------------------------


def _holiday_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Holiday.id)))


def test_staff_adds_lists_and_removes_holidays(app, client, login_as):
    login_as(Role.STAFF)
    response = client.post("/holidays", data={"date": "2027-02-23", "name": " Defender Day "})
    assert response.status_code == 302 and response.headers["Location"] == "/holidays"
    page = _text(client.get("/holidays"))
    assert "Defender Day" in page and 'datetime="2027-02-23"' in page
    with app.app_context():
        holiday = db.session.scalar(select(Holiday))
        assert (holiday.date, holiday.name) == (dt.date(2027, 2, 23), "Defender Day")
        holiday_id = holiday.id

    duplicate = client.post("/holidays", data={"date": "2027-02-23", "name": "Again"})
    body = _text(duplicate)
    assert "is already listed as “Defender Day”" in body and "is-invalid" in body
    assert _holiday_count(app) == 1

    removed = client.post(f"/holidays/{holiday_id}/delete", follow_redirects=True)
    assert "Holiday “Defender Day” removed." in _text(removed)
    assert _holiday_count(app) == 0
    assert client.post(f"/holidays/{holiday_id}/delete").status_code == 404
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions == ["holiday.added", "holiday.removed"]


def test_holiday_form_checks_its_fields(app, client, login_as):
    login_as(Role.STAFF)
    for data in ({"date": "", "name": "X"}, {"date": "2027-02-23", "name": "  "}, {}):
        response = client.post("/holidays", data=data)
        assert "is-invalid" in _text(response)
    assert _holiday_count(app) == 0


def test_add_holiday_service_refuses_a_taken_date(session):
    staff = factories.user(session, Role.STAFF)
    services.add_holiday(session, staff, services.HolidayInput(dt.date(2027, 1, 7), "Christmas"))
    with pytest.raises(FieldError) as error:
        services.add_holiday(session, staff, services.HolidayInput(dt.date(2027, 1, 7), "X"))
    assert error.value.field == "date"
    supplier = factories.user(session, Role.SUPPLIER)
    with pytest.raises(PermissionDenied):
        services.add_holiday(session, supplier, services.HolidayInput(dt.date(2027, 1, 8), "Y"))
    assert [h.name for h in services.list_holidays(session)] == ["Christmas"]


class TestHolidaysWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_remove_without_a_token_is_refused(self, app, client, login_as):
        login_as(Role.STAFF)
        with app.app_context():
            holiday = Holiday(date=dt.date(2027, 1, 1), name="New Year")
            db.session.add(holiday)
            db.session.commit()
            holiday_id = holiday.id
        assert client.post(f"/holidays/{holiday_id}/delete").status_code == 400
        assert _holiday_count(app) == 1
        page = _text(client.get("/holidays"))
        assert page.count('name="csrf_token"') >= 2  # the add form and the remove button


# --- warnings when staff save a day --------------------------------------------------------


def _create(client, buyer_id: int, **overrides: str):
    return client.post("/days/new", data=_day_form(buyer_id, **overrides), follow_redirects=True)


def _warnings(page: str) -> list[str]:
    return re.findall(r'<div class="alert alert-warning" role="alert">(.*?)</div>', page)


def _day_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SupplierDay.id)))


def test_same_buyer_same_date_is_warned_and_still_saved(app, client, login_as, world):
    login_as(Role.STAFF)
    page = _text(_create(client, world.brose, title="Second Brose day"))
    assert _warnings(page) == [
        "Brose already has another Supplier Day on this date: “Doors and seats”."
    ]
    assert "Supplier Day created." in page and "Second Brose day" in page
    assert _day_count(app) == 5


def test_neighbouring_dates_say_which_day(app, client, login_as, world):
    login_as(Role.STAFF)
    # 17 March: the day after "Doors and seats" and the day before "Window regulators".
    page = _text(_create(client, world.brose, date="2027-03-17"))
    assert _warnings(page) == [
        "Brose has another Supplier Day the day before, on 16 Mar 2027: “Doors and seats”.",
        "Brose has another Supplier Day the day after, on 18 Mar 2027: “Window regulators”.",
    ]
    assert _day_count(app) == 5


def test_another_buyer_on_the_same_date_is_no_clash(client, login_as, world):
    login_as(Role.STAFF)
    page = _text(_create(client, world.mitsuba, date="2027-03-16"))
    assert "Supplier Day created." in page and _warnings(page) == []


def test_holiday_and_weekend_are_warned(app, client, login_as, world):
    login_as(Role.STAFF)
    holiday = _text(_create(client, world.mitsuba, date="2027-03-08"))
    assert _warnings(holiday) == ["8 Mar 2027 is a public holiday: Women’s Day."]
    saturday = _text(_create(client, world.mitsuba, date="2027-03-13"))
    assert _warnings(saturday) == ["13 Mar 2027 is a Saturday."]
    # Brose, not Mitsuba: Mitsuba now has the Saturday, which would be the day before.
    sunday = _text(_create(client, world.brose, date="2027-03-14"))
    assert _warnings(sunday) == ["14 Mar 2027 is a Sunday."]
    assert _day_count(app) == 7


def test_editing_a_day_onto_a_weekend_warns_and_saves(app, client, login_as, world):
    login_as(Role.STAFF)
    day_id = world.ids["mitsuba_open"]
    response = client.post(
        f"/days/{day_id}/edit",
        data=_day_form(world.mitsuba, title="Wiper motors", date="2027-03-20"),
        follow_redirects=True,
    )
    page = _text(response)
    assert "Supplier Day saved." in page
    assert _warnings(page) == ["20 Mar 2027 is a Saturday."]
    with app.app_context():
        assert db.session.get(SupplierDay, day_id).date == dt.date(2027, 3, 20)


def test_day_warnings_ignore_the_day_itself(session, world):
    day = session.get(SupplierDay, world.ids["brose_open"])
    # Its own date is no clash; the buyer's draft is two days later, outside the ±1 window.
    assert services.day_warnings(session, day) == []
