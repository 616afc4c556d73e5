"""The meeting day: requests and answers, the scheduler, seats by hand, agendas."""

from __future__ import annotations

import datetime as dt
import json
import threading
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.meetings import services
from matchmaker.models import (
    Decision,
    Interest,
    Meeting,
    Notification,
    Role,
    SlotBlock,
    SupplierDay,
)
from tests import factories

SAMARA = ZoneInfo("Europe/Samara")


def _day(session, **fields):
    buyer = factories.buyer(session)
    day = factories.day(
        session,
        buyer,
        date=fields.pop("date", dt.date(2027, 3, 16)),
        format=fields.pop("format", "hybrid"),
        venue="Тольятти, ул. Офицерская 12Н",
        day_start=fields.pop("day_start", dt.time(10, 0)),
        day_end=fields.pop("day_end", dt.time(12, 0)),
        slot_minutes=30,
        tables=fields.pop("tables", 2),
        **fields,
    )
    need = factories.need(session, day, part_name="Кронштейн")
    return buyer, day, need


def _confirmed(session, day, need, count):
    meetings = []
    for _ in range(count):
        supplier = factories.supplier(session)
        meeting = Meeting(
            supplier_day=day,
            supplier=supplier,
            need=need,
            status="confirmed",
            requested_by="buyer",
        )
        session.add(meeting)
        meetings.append(meeting)
    session.flush()
    return meetings


def test_buyer_requests_supplier_accepts_both_are_told(app, client, login_as):
    with app.app_context():
        buyer, _day_row, need = _day(db.session)
        supplier = factories.supplier(db.session, name="ООО «Штамп»")
        buyer_user = factories.user(db.session, Role.BUYER, buyer_org=buyer)
        supplier_user = factories.user(db.session, Role.SUPPLIER, supplier_org=supplier)
        db.session.commit()
        ids = (need.id, supplier.id)
    login_as(user=buyer_user)
    answer = client.post(
        f"/needs/{ids[0]}/suppliers/{ids[1]}/meeting", data={"message": "Обсудим кронштейн"}
    )
    assert answer.status_code == 302
    again = client.post(f"/needs/{ids[0]}/suppliers/{ids[1]}/meeting", follow_redirects=True)
    assert "You have already asked for this meeting." in again.get_data(as_text=True)
    login_as(user=supplier_user)
    page = client.get("/meetings").get_data(as_text=True)
    assert "Waiting for an answer" in page and "Обсудим кронштейн" in page
    assert "asks for a meeting about Кронштейн" in client.get("/supplier").get_data(as_text=True)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    assert client.post(f"/meetings/{meeting_id}/accept").status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.status, meeting.requested_by) == ("confirmed", "buyer")
        told = db.session.scalars(
            select(Notification).where(Notification.message.like("%agreed%"))
        ).all()
        # the agreed meeting moves the supplier to the "meeting" stage of the funnel
        decision = db.session.scalar(select(Decision))
        assert (decision.need_id, decision.supplier_id, decision.status) == (
            ids[0],
            ids[1],
            "meeting",
        )
        assert {(n.buyer_id is not None, n.supplier_id is not None) for n in told} == {
            (True, False),
            (False, True),
        }


def test_supplier_requests_on_interest_only_and_buyer_declines(app, client, login_as):
    with app.app_context():
        buyer, day, need = _day(db.session)
        other_need = factories.need(db.session, day, part_name="Шайба")
        supplier_user = factories.user(db.session, Role.SUPPLIER)
        db.session.add(Interest(need=need, supplier_id=supplier_user.supplier_id))
        buyer_user = factories.user(db.session, Role.BUYER, buyer_org=buyer)
        db.session.commit()
        need_id, other_id = need.id, other_need.id
    login_as(user=supplier_user)
    refused = client.post(f"/needs/{other_id}/meeting", follow_redirects=True)
    assert "Mark your interest in this part first." in refused.get_data(as_text=True)
    assert client.post(f"/needs/{need_id}/meeting").status_code == 302
    login_as(user=buyer_user)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    own_answer = client.post(f"/meetings/{meeting_id}/decline")
    assert own_answer.status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "declined"
    login_as(user=supplier_user)
    assert "declined the meeting request" in client.get("/supplier").get_data(as_text=True)
    # a declined pair may ask again
    assert client.post(f"/needs/{need_id}/meeting").status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "requested"


def test_requests_from_both_sides_make_a_meeting(app, client, login_as):
    with app.app_context():
        buyer, _day_row, need = _day(db.session)
        supplier_user = factories.user(db.session, Role.SUPPLIER)
        db.session.add(Interest(need=need, supplier_id=supplier_user.supplier_id))
        buyer_user = factories.user(db.session, Role.BUYER, buyer_org=buyer)
        db.session.commit()
        need_id, supplier_id = need.id, supplier_user.supplier_id
    login_as(user=supplier_user)
    client.post(f"/needs/{need_id}/meeting")
    login_as(user=buyer_user)
    both = client.post(f"/needs/{need_id}/suppliers/{supplier_id}/meeting", follow_redirects=True)
    assert "the meeting is agreed" in both.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Meeting.status)) == "confirmed"


def test_unanswered_requests_lapse_and_the_asker_is_told(app, client, login_as):
    with app.app_context():
        buyer, day, need = _day(db.session)
        supplier = factories.supplier(db.session)
        db.session.add(
            Meeting(
                supplier_day=day,
                supplier=supplier,
                need=need,
                status="requested",
                requested_by="buyer",
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
            )
        )
        buyer_user = factories.user(db.session, Role.BUYER, buyer_org=buyer)
        db.session.commit()
    login_as(user=buyer_user)
    page = client.get("/meetings").get_data(as_text=True)
    assert "Lapsed (not answered in time)" in page
    with app.app_context():
        assert db.session.scalar(select(Meeting.status)) == "expired"
        assert (
            db.session.scalar(
                select(func.count(Notification.id)).where(Notification.message.like("%lapsed%"))
            )
            == 1
        )


def test_scheduler_seats_meetings_and_reports_the_rest(app, client, login_as):
    with app.app_context():
        _buyer, day, need = _day(db.session, tables=1)  # 4 slots, 1 table
        meetings = _confirmed(db.session, day, need, 6)
        db.session.commit()
        day_id = day.id
        names = [m.supplier.name for m in meetings]
    login_as(Role.STAFF)
    done = client.post(f"/days/{day_id}/schedule", follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Scheduler placed 4 meetings; 2 wait for a seat." in body
    assert "all tables are booked in every slot" in body
    assert sum(name in body for name in names) == 6
    with app.app_context():
        seated = db.session.scalars(select(Meeting).where(Meeting.slot_start.is_not(None))).all()
        starts = sorted(
            m.slot_start.replace(tzinfo=dt.UTC).astimezone(SAMARA).time() for m in seated
        )
        assert starts == [dt.time(10, 0), dt.time(10, 30), dt.time(11, 0), dt.time(11, 30)]
        assert db.session.get(SupplierDay, day_id).scheduled_at is not None


def test_cancelled_seat_goes_to_the_next_waiting_pair(app, client, login_as):
    with app.app_context():
        _buyer, day, need = _day(db.session, tables=1)
        meetings = _confirmed(db.session, day, need, 5)
        db.session.commit()
        services.run_scheduler(db.session(), None, day.id)
        seated = db.session.scalar(select(Meeting).where(Meeting.slot_start.is_not(None)))
        waiting = db.session.scalar(select(Meeting).where(Meeting.slot_start.is_(None)))
        seat = (seated.table_no, seated.slot_start)
        seated_id, waiting_id = seated.id, waiting.id
        assert len(meetings) == 5
    login_as(Role.STAFF)
    response = client.post(f"/meetings/{seated_id}/cancel", follow_redirects=True)
    assert "The freed seat went to" in response.get_data(as_text=True)
    with app.app_context():
        successor = db.session.get(Meeting, waiting_id)
        assert (successor.table_no, successor.slot_start) == seat
        assert db.session.get(Meeting, seated_id).status == "cancelled"
        told = db.session.scalars(
            select(Notification).where(Notification.message.like("%was cancelled%"))
        ).all()
        assert len(told) == 2  # the buyer and the supplier of the cancelled meeting
        successor_name = successor.supplier.name
        seated_messages = db.session.scalars(
            select(Notification.message).where(Notification.supplier_id == successor.supplier_id)
        ).all()
        assert any(successor_name in m and "meets" in m for m in seated_messages)


def test_staff_seats_by_hand_locks_and_rerun_keeps_it(app, client, login_as):
    with app.app_context():
        _buyer, day, need = _day(db.session, tables=2)
        first, second, third = _confirmed(db.session, day, need, 3)
        db.session.add(
            SlotBlock(
                supplier_day=day,
                table_no=2,
                slot_start=dt.datetime(2027, 3, 16, 11, 0, tzinfo=SAMARA).astimezone(dt.UTC),
            )
        )
        db.session.commit()
        ids = (day.id, first.id, second.id, third.id)
    login_as(Role.STAFF)
    client.post(f"/meetings/{ids[1]}/place", data={"table_no": "2", "slot_index": "3"})
    taken = client.post(
        f"/meetings/{ids[2]}/place",
        data={"table_no": "2", "slot_index": "3"},
        follow_redirects=True,
    )
    assert "Slot taken" in taken.get_data(as_text=True)
    blocked = client.post(
        f"/meetings/{ids[2]}/place",
        data={"table_no": "2", "slot_index": "2"},
        follow_redirects=True,
    )
    assert "marked unavailable" in blocked.get_data(as_text=True)
    client.post(f"/days/{ids[0]}/schedule")
    with app.app_context():
        pinned = db.session.get(Meeting, ids[1])
        assert pinned.locked and pinned.table_no == 2
        assert pinned.slot_start.replace(tzinfo=dt.UTC).astimezone(SAMARA).time() == dt.time(11, 30)
        others = db.session.scalars(select(Meeting).where(Meeting.id != ids[1])).all()
        assert all(m.slot_start is not None for m in others)
        blocked_start = dt.datetime(2027, 3, 16, 11, 0, tzinfo=SAMARA).astimezone(dt.UTC)
        assert not any(
            m.table_no == 2 and m.slot_start.replace(tzinfo=dt.UTC) == blocked_start for m in others
        )
    client.post(f"/meetings/{ids[1]}/unlock")
    with app.app_context():
        assert db.session.get(Meeting, ids[1]).locked is False


def test_shrinking_the_grid_sends_meetings_back_to_waiting(app, client, login_as):
    with app.app_context():
        buyer, day, need = _day(db.session, tables=1)
        _confirmed(db.session, day, need, 4)
        db.session.commit()
        services.run_scheduler(db.session(), None, day.id)
        day_id, buyer_id = day.id, buyer.id
    login_as(Role.STAFF)
    form = {
        "buyer_id": str(buyer_id),
        "title": "Day",
        "date": "2027-03-16",
        "format": "hybrid",
        "venue": "Тольятти",
        "video_link": "https://meet.example.org/x",
        "status": "open",
        "day_start": "10:00",
        "day_end": "11:00",
        "slot_minutes": "30",
        "tables": "1",
        "breaks": "",
        "timezone": "Europe/Samara",
    }
    assert client.post(f"/days/{day_id}/edit", data=form).status_code == 302
    with app.app_context():
        waiting = db.session.scalars(select(Meeting).where(Meeting.slot_start.is_(None))).all()
        assert len(waiting) == 2 and {m.unplaced_reason for m in waiting} == {"grid_changed"}
        assert (
            db.session.scalar(
                select(func.count(Notification.id)).where(Notification.message.like("%grid%"))
            )
            == 4
        )  # both sides of two meetings
    grid = client.get(f"/days/{day_id}/grid").get_data(as_text=True)
    assert "the grid changed and its slot is gone" in grid


def test_day_form_checks_breaks_and_time_zone(app, client, login_as):
    with app.app_context():
        buyer_id = factories.buyer(db.session).id
        db.session.commit()
    login_as(Role.STAFF)
    base = {
        "buyer_id": str(buyer_id),
        "title": "Day",
        "date": "2027-03-16",
        "format": "online",
        "video_link": "https://meet.example.org/x",
        "status": "open",
        "day_start": "10:00",
        "day_end": "17:00",
        "slot_minutes": "30",
        "tables": "2",
        "timezone": "Europe/Samara",
    }
    bad_break = client.post("/days/new", data=base | {"breaks": "lunch"})
    assert "Write breaks as start-end times" in bad_break.get_data(as_text=True)
    outside = client.post("/days/new", data=base | {"breaks": "18:00-19:00"})
    assert "Each break must lie inside the day window." in outside.get_data(as_text=True)
    bad_zone = client.post("/days/new", data=base | {"timezone": "Mars/Olympus"})
    assert "Unknown time zone" in bad_zone.get_data(as_text=True)
    assert client.post("/days/new", data=base | {"breaks": "12:30-13:30"}).status_code == 302
    with app.app_context():
        day = db.session.scalar(select(SupplierDay))
        assert day.breaks == [["12:30", "13:30"]]
        slots = [s.start.time() for s in services.day_slots(day)]
        assert dt.time(12, 30) not in slots and dt.time(13, 0) not in slots
        assert len(slots) == 12


def test_agendas_as_page_print_and_ics(app, client, login_as):
    with app.app_context():
        buyer, day, need = _day(db.session, tables=2)
        first, second = _confirmed(db.session, day, need, 2)
        supplier_user = factories.user(db.session, Role.SUPPLIER, supplier_org=first.supplier)
        buyer_user = factories.user(db.session, Role.BUYER, buyer_org=buyer)
        db.session.commit()
        services.run_scheduler(db.session(), None, day.id)
        day_id, names = day.id, (first.supplier.name, second.supplier.name)
    login_as(user=supplier_user)
    page = client.get(f"/days/{day_id}/agenda").get_data(as_text=True)
    assert "Кронштейн" in page and names[1] not in page  # a supplier sees only its own
    assert page.count('<td class="text-nowrap">') == 1  # one meeting row
    printable = client.get(f"/days/{day_id}/agenda?print=1").get_data(as_text=True)
    assert "Кронштейн" in printable and "navbar" not in printable
    login_as(user=buyer_user)
    response = client.get(f"/days/{day_id}/agenda.ics")
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts[0] == dt.datetime(2027, 3, 16, 10, 0, tzinfo=SAMARA)
    assert starts[0].utcoffset() == dt.timedelta(hours=4)
    assert all(
        e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(minutes=30) for e in events
    )
    assert all("Тольятти" in str(e.get("location")) for e in events)
    assert [c.get("tzid") for c in calendar.walk("VTIMEZONE")] == ["Europe/Samara"]
    table_one = client.get(f"/days/{day_id}/agenda?table=1").get_data(as_text=True)
    assert "Table 1" in table_one and "Table 2" not in table_one


def test_online_agenda_gives_the_video_link(app, client, login_as):
    with app.app_context():
        buyer, day, need = _day(db.session, format="online", tables=1)
        _confirmed(db.session, day, need, 1)
        buyer_user = factories.user(db.session, Role.BUYER, buyer_org=buyer)
        db.session.commit()
        services.run_scheduler(db.session(), None, day.id)
        day_id = day.id
    login_as(user=buyer_user)
    calendar = Calendar.from_ical(client.get(f"/days/{day_id}/agenda.ics").data)
    event = next(iter(calendar.walk("VEVENT")))
    assert "https://meet.example.org/day" in str(event.get("location"))
    assert str(event.get("url")) == "https://meet.example.org/day"


def test_cli_schedule_and_agenda(app, runner):
    with app.app_context():
        buyer, day, need = _day(db.session, tables=1)
        _confirmed(db.session, day, need, 5)
        db.session.commit()
        day_id, buyer_id = day.id, buyer.id
    result = runner.invoke(args=["schedule", str(day_id)])
    assert result.exit_code == 0, result.output
    assert "Placed 4 meetings; 1 unplaced." in result.output
    as_json = runner.invoke(args=["agenda", str(day_id), "--format", "json"])
    rows = json.loads(as_json.output)
    assert len(rows) == 4
    assert set(rows[0]) >= {"day", "buyer", "table", "supplier", "need", "start", "end", "status"}
    assert rows[0]["start"] == "2027-03-16T10:00:00+04:00"
    as_csv = runner.invoke(args=["agenda", str(day_id), "--format", "csv"])
    assert as_csv.output.splitlines()[0].startswith("day,buyer,table,supplier,need,start,end")
    assert len(as_csv.output.splitlines()) == 5
    as_ics = runner.invoke(
        args=["agenda", str(day_id), "--format", "ics", "--buyer", str(buyer_id)]
    )
    assert len(Calendar.from_ical(as_ics.stdout_bytes).walk("VEVENT")) == 4
    one = rows[0]["supplier_id"]
    mine = runner.invoke(args=["agenda", str(day_id), "--supplier", str(one)])
    assert len(json.loads(mine.output)) == 1
    wrong = runner.invoke(args=["agenda", str(day_id), "--buyer", str(buyer_id + 1000)])
    assert wrong.exit_code != 0
    assert runner.invoke(args=["schedule", "99999"]).exit_code != 0


def test_database_refuses_double_booking(app):
    with app.app_context():
        _buyer, day, need = _day(db.session)
        first, second = _confirmed(db.session, day, need, 2)
        db.session.commit()
        first_id = first.id
        start = dt.datetime(2027, 3, 16, 6, 0, tzinfo=dt.UTC)
        for meeting in (first, second):
            meeting.table_no, meeting.slot_start = 1, start
            meeting.slot_end = start + dt.timedelta(minutes=30)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        first = db.session.get(Meeting, first_id)
        first.status = "requested"
        first.table_no, first.slot_start = 1, start
        first.slot_end = start + dt.timedelta(minutes=30)
        with pytest.raises(IntegrityError):  # only a confirmed meeting may hold a seat
            db.session.commit()
        db.session.rollback()


def test_twenty_concurrent_bookings_of_one_slot_give_one_meeting(app):
    with app.app_context():
        _buyer, day, need = _day(db.session, tables=1)
        meetings = _confirmed(db.session, day, need, 20)
        staff = factories.user(db.session, Role.STAFF)
        db.session.commit()
        ids = [m.id for m in meetings]
        staff_login = staff.get_id()
    barrier = threading.Barrier(len(ids))
    answers: list[str] = []
    lock = threading.Lock()

    def book(meeting_id: int) -> None:
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = staff_login
        barrier.wait()
        response = client.post(
            f"/meetings/{meeting_id}/place",
            data={"table_no": "1", "slot_index": "0"},
            follow_redirects=True,
        )
        body = response.get_data(as_text=True)
        if response.status_code != 200:
            outcome = f"status {response.status_code}"
        elif "Meeting seated and locked." in body:
            outcome = "seated"
        elif "Slot taken" in body:
            outcome = "taken"
        else:
            outcome = "other"
        with lock:
            answers.append(outcome)

    threads = [threading.Thread(target=book, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == ["seated"] + ["taken"] * 19
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Meeting.id)).where(Meeting.slot_start.is_not(None)))
            == 1
        )


def test_calendar_subscription_address_serves_days_and_own_meetings(app, client, login_as):
    with app.app_context():
        _buyer, day, need = _day(db.session, tables=1)
        mine, theirs = _confirmed(db.session, day, need, 2)
        supplier_user = factories.user(db.session, Role.SUPPLIER, supplier_org=mine.supplier)
        db.session.commit()
        names = (mine.supplier.name, theirs.supplier.name)
        day_title = day.title
        services.run_scheduler(db.session(), None, day.id)
    login_as(user=supplier_user)
    assert client.post("/account/feed").status_code == 302
    page = client.get("/account").get_data(as_text=True)
    address = page.split('readonly value="')[1].split('"')[0]
    assert address.startswith("http://localhost/feeds/") and address.endswith(".ics")
    anonymous = app.test_client()  # a calendar program has no login cookie
    response = anonymous.get(address.removeprefix("http://localhost"))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    summaries = [str(event.get("summary")) for event in calendar.walk("VEVENT")]
    assert any(day_title in s for s in summaries)
    assert any(names[0] in s for s in summaries)
    assert not any(names[1] in s for s in summaries)
    client.post("/account/feed")  # a new address; the old one stops working
    assert anonymous.get(address.removeprefix("http://localhost")).status_code == 404
    assert anonymous.get("/feeds/not-a-token.ics").status_code == 404
