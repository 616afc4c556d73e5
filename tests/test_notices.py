"""E-mail notices: what is queued, who gets it, in which language, and how it is delivered."""

from __future__ import annotations

import datetime as dt
import email
import io
import socket
from collections.abc import Iterator
from email.message import EmailMessage as MimeMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from matchmaker.config import Config, environment_overrides
from matchmaker.extensions import db
from matchmaker.models import EmailMessage, Interest, Meeting, Role, Supplier
from matchmaker.notices.delivery import MailSettings
from tests import factories

TODAY = dt.date.today()
STAMPING = {
    "description": "Холодная листовая штамповка кронштейнов из стали 08пс для АвтоВАЗ.",
    "process_codes": ("sheet_stamping",),
    "material_codes": ("steel_lowcarbon",),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], MimeMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[MimeMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


@pytest.fixture
def smtp(app) -> Iterator[Collector]:
    """A real SMTP server on a free local port, with the app's MAIL_SERVER pointed at it."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield collector
    finally:
        controller.stop()


def _rows(app, **filters) -> list[EmailMessage]:
    with app.app_context():
        statement = select(EmailMessage).filter_by(**filters).order_by(EmailMessage.id)
        rows = db.session.scalars(statement).all()
        db.session.expunge_all()
        return list(rows)


def _meeting_scene(app):
    """A buyer with a Russian- and an English-speaking user, and a Russian-speaking supplier."""
    with app.app_context():
        session = db.session
        buyer = factories.buyer(session, "Brose")
        day = factories.day(session, buyer, title="Brose Supplier Day")
        need = factories.need(session, day, part_name="Кронштейн")
        supplier = factories.supplier(session, name="ООО «Штамп»", status="pending")
        users = {
            "supplier": factories.user(
                session, Role.SUPPLIER, "sales@shtamp.example", supplier_org=supplier, locale="ru"
            ),
            "buyer_ru": factories.user(
                session, Role.BUYER, "zakupki@brose.example", buyer_org=buyer, locale="ru"
            ),
            "buyer_en": factories.user(
                session, Role.BUYER, "purchasing@brose.example", buyer_org=buyer, locale="en"
            ),
            "staff": factories.user(session, Role.STAFF, "staff@cluster.example"),
        }
        session.commit()
        for user in users.values():
            session.refresh(user)
            session.expunge(user)
        return users, supplier.id, need.id


def test_real_smtp_server_receives_notices_in_each_recipients_language(app, client, login_as, smtp):
    users, supplier_id, need_id = _meeting_scene(app)

    login_as(user=users["staff"])
    assert client.post(f"/suppliers/{supplier_id}/verify").status_code == 302
    [verified] = smtp.to("sales@shtamp.example")
    assert verified["To"] == "sales@shtamp.example"
    assert "ООО «Штамп»" in verified["Subject"]
    assert "ООО «Штамп»" in verified.get_content()
    assert verified["Auto-Submitted"] == "auto-generated"

    login_as(user=users["supplier"])
    assert client.post(f"/needs/{need_id}/interest").status_code == 302
    assert client.post(f"/needs/{need_id}/meeting").status_code == 302
    [asked_ru] = smtp.to("zakupki@brose.example")
    [asked_en] = smtp.to("purchasing@brose.example")
    assert asked_ru["Subject"] == "ООО «Штамп» запрашивает встречу по детали «Кронштейн»."
    assert "ООО «Штамп» запрашивает встречу по детали «Кронштейн»." in asked_ru.get_content()
    assert "ООО «Штамп» asks for a meeting about Кронштейн." in asked_en.get_content()
    # without PUBLIC_URL an e-mail names the page rather than link the request's Host
    assert "http" not in asked_en.get_content() and "Meetings page" in asked_en.get_content()

    login_as(user=users["buyer_ru"])
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    assert client.post(f"/meetings/{meeting_id}/accept").status_code == 302
    agreed = smtp.to("sales@shtamp.example")[-1]
    assert "Встреча Brose — ООО «Штамп» на мероприятии «Brose Supplier Day» согласована." in (
        agreed.get_content()
    )
    assert "Meeting of Brose and ООО «Штамп» agreed for Brose Supplier Day." in (
        smtp.to("purchasing@brose.example")[-1].get_content()
    )
    assert len(smtp.received) == 6
    rows = _rows(app)
    assert len(rows) == 6 and all(r.sent_at is not None and r.attempts == 1 for r in rows)


def test_by_default_notices_are_written_as_eml_files(app, client, login_as):
    # Out of the box: no server, files in <instance>/mail (the tests point it at tmp_path).
    assert (Config.MAIL_SERVER, Config.MAIL_FOLDER) == ("", None)
    saved, app.config["MAIL_FOLDER"] = app.config["MAIL_FOLDER"], None
    assert MailSettings.from_app(app).folder == Path(app.instance_path) / "mail"
    app.config["MAIL_FOLDER"] = saved
    users, supplier_id, _ = _meeting_scene(app)
    login_as(user=users["staff"])
    answer = client.post(f"/suppliers/{supplier_id}/reject", data={"reason": "Нет ИНН в выписке"})
    assert answer.status_code == 302
    files = sorted(Path(app.config["MAIL_FOLDER"]).glob("*.eml"))
    assert len(files) == 1 and files[0].name.endswith("-supplier_rejected.eml")
    message = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert message["To"] == "sales@shtamp.example"
    assert message["From"] == app.config["MAIL_FROM"]
    assert "ООО «Штамп»" in message["Subject"]
    assert "Нет ИНН в выписке" in message.get_content()
    [row] = _rows(app)
    assert (row.kind, row.attempts, row.error) == ("supplier_rejected", 1, "")
    assert row.sent_at is not None


def test_a_broken_mail_server_does_not_undo_the_action_and_send_mail_retries(
    app, client, login_as, runner
):
    users, supplier_id, _ = _meeting_scene(app)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nobody listens
    login_as(user=users["staff"])
    answer = client.post(f"/suppliers/{supplier_id}/reject", data={"reason": "Нет ИНН"})
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(Supplier, supplier_id).status == "rejected"
    [row] = _rows(app)
    assert row.sent_at is None and row.attempts == 1 and "Connection" in row.error

    failed = runner.invoke(args=["send-mail"])
    assert failed.exit_code == 1 and "1 failed" in failed.output
    assert _rows(app)[0].attempts == 2

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        app.config["MAIL_PORT"] = controller.port
        result = runner.invoke(args=["send-mail"])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert "Sent 1 messages" in result.output
    [message] = collector.to("sales@shtamp.example")
    assert "Нет ИНН" in message.get_content()
    [row] = _rows(app)
    assert row.sent_at is not None and row.error == "" and row.attempts == 3
    # nothing left: a second run sends nothing
    assert "Sent 0 messages" in runner.invoke(args=["send-mail"]).output


def test_a_refused_change_queues_nothing_and_a_repeated_one_only_once(app, client, login_as):
    users, supplier_id, _ = _meeting_scene(app)
    login_as(user=users["staff"])
    refused = client.post(f"/suppliers/{supplier_id}/reject", data={"reason": " "})
    assert refused.status_code == 200
    assert _rows(app) == []
    client.post(f"/suppliers/{supplier_id}/verify")
    client.post(f"/suppliers/{supplier_id}/verify")
    assert [r.kind for r in _rows(app)] == ["supplier_verified"]


def test_without_active_users_the_suppliers_contact_address_is_used(app, client, login_as):
    with app.app_context():
        session = db.session
        lone = factories.supplier(session, status="pending", email="office@lone.example")
        staffed = factories.supplier(session, status="pending", email="office@staffed.example")
        factories.user(
            session, Role.SUPPLIER, "gone@staffed.example", supplier_org=staffed, active=False
        )
        factories.user(session, Role.SUPPLIER, "here@staffed.example", supplier_org=staffed)
        session.commit()
        ids = lone.id, staffed.id
    login_as(Role.STAFF)
    for supplier_id in ids:
        client.post(f"/suppliers/{supplier_id}/verify")
    assert sorted(r.recipient for r in _rows(app)) == [
        "here@staffed.example",
        "office@lone.example",
    ]


def test_meeting_changes_go_by_email_like_the_in_app_notices(app, client, login_as):
    users, supplier_id, need_id = _meeting_scene(app)
    with app.app_context():
        db.session.add(Interest(need_id=need_id, supplier_id=supplier_id))
        db.session.commit()
    login_as(user=users["buyer_en"])
    client.post(f"/needs/{need_id}/suppliers/{supplier_id}/meeting")
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    login_as(user=users["supplier"])
    client.post(f"/meetings/{meeting_id}/decline")
    client.post(f"/needs/{need_id}/meeting")
    client.post(f"/meetings/{meeting_id}/cancel")
    to_supplier = [r.subject for r in _rows(app, recipient="sales@shtamp.example")]
    to_buyer = [r.subject for r in _rows(app, recipient="purchasing@brose.example")]
    assert len(to_supplier) == 3  # requested, declined, cancelled
    assert to_buyer == [
        "ООО «Штамп» declined the meeting request for Brose Supplier Day.",
        "ООО «Штамп» asks for a meeting about Кронштейн.",
        "The meeting of Brose and ООО «Штамп» on Brose Supplier Day was cancelled.",
    ]
    assert all(r.kind == "meeting" for r in _rows(app))


def _need_form(**overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "part_name": "Кронштейн крепления мотор-редуктора",
        "part_number": "BR-1",
        "description": "Листовая штамповка из стали 08пс, последовательный штамп.",
        "processes": ["sheet_stamping"],
        "materials": ["steel_lowcarbon"],
        "annual_volume": "260000",
        "unit": "pcs",
    }
    data.update(overrides)
    return data


def _day_form(buyer_id: int, status: str) -> dict[str, str]:
    return {
        "buyer_id": str(buyer_id),
        "title": "Brose Supplier Day",
        "date": (TODAY + dt.timedelta(days=40)).isoformat(),
        "format": "online",
        "video_link": "https://meet.example.org/brose",
        "status": status,
        "registration_deadline": (TODAY + dt.timedelta(days=20)).isoformat(),
        "day_start": "10:00",
        "day_end": "16:00",
        "slot_minutes": "30",
        "tables": "2",
    }


def _fit_scene(app, status: str):
    with app.app_context():
        session = db.session
        buyer = factories.buyer(session, "Brose")
        day = factories.day(
            session,
            buyer,
            status=status,
            date=TODAY + dt.timedelta(days=40),
            registration_deadline=TODAY + dt.timedelta(days=20),
        )
        stamper = factories.supplier(session, name="ООО «Штамп-Авто»", **STAMPING)
        factories.user(session, Role.SUPPLIER, "sales@stamp.example", supplier_org=stamper)
        bakery = factories.supplier(session, name="ООО «Пекарня»", description="Хлеб и булочки.")
        factories.user(session, Role.SUPPLIER, "bread@bakery.example", supplier_org=bakery)
        session.commit()
        return buyer.id, day.id


def test_a_new_need_on_an_open_day_is_announced_to_suppliers_that_fit_it_once(
    app, client, login_as
):
    _buyer_id, day_id = _fit_scene(app, "open")
    app.config["PUBLIC_URL"] = "https://matchmaker.cluster.example/"
    login_as(Role.STAFF)
    assert client.post(f"/days/{day_id}/needs/new", data=_need_form()).status_code == 302
    [notice] = _rows(app, kind="need_fit")
    assert notice.recipient == "sales@stamp.example"
    assert notice.subject == "Brose looks for a supplier: Кронштейн крепления мотор-редуктора"
    assert "Кронштейн крепления мотор-редуктора (BR-1)" in notice.body
    need_id = int(notice.dedupe_key.split(":")[1])
    # a link to why it fits, on the site's public address (never the request's Host)
    assert f"https://matchmaker.cluster.example/opportunities#need-{need_id}" in notice.body
    # editing the need again announces nothing twice
    edited = client.post(f"/needs/{need_id}/edit", data=_need_form(annual_volume="300000"))
    assert edited.status_code == 302
    assert len(_rows(app, kind="need_fit")) == 1


def test_needs_imported_into_an_open_day_are_announced(app, client, login_as):
    from matchmaker.imports.columns import NEED_COLUMNS

    _buyer_id, day_id = _fit_scene(app, "open")
    login_as(Role.STAFF)
    cells = {
        "part name": "Кронштейн крепления мотор-редуктора",
        "part number": "BR-7",
        "description": "Листовая штамповка из стали 08пс, последовательный штамп.",
        "processes": "Sheet metal stamping",
        "materials": "Low-carbon sheet steel",
    }
    header = [c.header for c in NEED_COLUMNS]
    text = ";".join(header) + "\n" + ";".join(cells.get(h, "") for h in header) + "\n"
    upload = {"file": (io.BytesIO(text.encode("utf-8")), "needs.csv")}
    answer = client.post(f"/days/{day_id}/import", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 200
    [notice] = _rows(app, kind="need_fit")
    assert notice.recipient == "sales@stamp.example"
    assert notice.subject.endswith(": Кронштейн крепления мотор-редуктора")


def test_opening_a_day_announces_its_needs(app, client, login_as):
    buyer_id, day_id = _fit_scene(app, "draft")
    login_as(Role.STAFF)
    client.post(f"/days/{day_id}/needs/new", data=_need_form())
    lamp = _need_form(
        part_name="Корпус фары", description="Литьё поликарбоната.", processes=[], materials=[]
    )
    client.post(f"/days/{day_id}/needs/new", data=lamp)
    assert _rows(app, kind="need_fit") == []  # a draft day is not announced
    answer = client.post(f"/days/{day_id}/edit", data=_day_form(buyer_id, "open"))
    assert answer.status_code == 302
    notices = _rows(app, kind="need_fit")
    assert [(n.recipient, n.subject.rpartition(": ")[2]) for n in notices] == [
        ("sales@stamp.example", "Кронштейн крепления мотор-редуктора")
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count(EmailMessage.id))) == 1


def test_mail_settings_come_from_matchmaker_environment_variables(app):
    app.config.update(
        environment_overrides(
            {
                "MATCHMAKER_MAIL_SERVER": "smtp.cluster.example",
                "MATCHMAKER_MAIL_PORT": "587",
                "MATCHMAKER_MAIL_USE_TLS": "true",
                "MATCHMAKER_MAIL_USE_SSL": "no",
                "MATCHMAKER_MAIL_USERNAME": "robot",
                "MATCHMAKER_MAIL_PASSWORD": "123456",  # JSON would make it a number
                "MATCHMAKER_MAIL_FROM": "Кластер <robot@cluster.example>",
            }
        )
    )
    settings = MailSettings.from_app(app)
    assert (settings.server, settings.port, settings.use_tls, settings.use_ssl) == (
        "smtp.cluster.example",
        587,
        True,
        False,
    )
    assert (settings.username, settings.password) == ("robot", "123456")
    assert settings.envelope_sender == "robot@cluster.example"


def _waiting(app, count: int, **fields) -> None:
    """Messages an earlier try failed to send (so `send-mail` takes them at once)."""
    # Queued without the request's own delivery after the commit.
    inline, app.config["MAIL_INLINE_LIMIT"] = app.config["MAIL_INLINE_LIMIT"], 0
    with app.app_context():
        for k in range(count):
            db.session.add(
                EmailMessage(
                    recipient=f"sales{k}@example.ru",
                    subject=f"Сообщение {k}",
                    body="Текст",
                    kind="test",
                    attempts=1,
                    error="ConnectionRefusedError",
                    **fields,
                )
            )
        db.session.commit()
    app.config["MAIL_INLINE_LIMIT"] = inline


def test_two_senders_at_the_same_moment_send_each_message_once(app, monkeypatch):
    from sqlalchemy.orm import Session

    from matchmaker.notices import delivery

    _waiting(app, 3)
    settings = MailSettings.from_app(app)
    sent: list[int] = []
    second: list[delivery.DeliveryReport] = []
    real_send = delivery._Folder.send

    def send(self, item, message):
        if not second:
            # A second `send-mail` starts while the first is talking to the mail server.
            second.append(delivery.DeliveryReport(-1, -1, ""))
            with Session(db.engine) as other:
                second[0] = delivery.deliver(other, settings)
        sent.append(item.id)
        real_send(self, item, message)

    monkeypatch.setattr(delivery._Folder, "send", send)
    with app.app_context(), Session(db.engine) as session:
        first = delivery.deliver(session, settings)
    assert (first.sent, second[0].sent, second[0].failed) == (3, 0, 0)
    assert len(sent) == len(set(sent)) == 3
    assert len(list(settings.folder.glob("*.eml"))) == 3
    rows = _rows(app)
    assert all(r.sent_at is not None and r.attempts == 2 for r in rows)
    assert {(r.claim, r.claimed_until) for r in rows} == {(None, None)}


def test_a_claim_holds_until_its_lease_ends(app):
    from sqlalchemy.orm import Session

    from matchmaker.notices import delivery

    now = dt.datetime.now(dt.UTC)
    # One sender is busy with a message; another died while sending one, long ago.
    _waiting(app, 1, claim="busy", claimed_until=now + delivery.LEASE)
    _waiting(app, 1, claim="dead", claimed_until=now - dt.timedelta(minutes=1))
    settings = MailSettings.from_app(app)
    with app.app_context(), Session(db.engine) as session:
        report = delivery.deliver(session, settings)
    assert (report.sent, report.failed) == (1, 0)
    busy, dead = _rows(app)  # in the order queued
    assert (busy.claim, busy.sent_at, busy.attempts) == ("busy", None, 1)
    assert (dead.claim, dead.claimed_until, dead.attempts) == (None, None, 2)
    assert dead.sent_at is not None
