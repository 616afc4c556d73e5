"""Delivery of queued e-mail notices: over SMTP, or as .eml files into a folder.

Services only add rows to the outbox. Once a transaction that added some has
committed, the application context delivers them as it ends (after the response is
built), so a slow or broken mail server never undoes or fails the user's action: a
message that could not go out keeps its error and ``matchmaker send-mail`` retries it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from matchmaker.db import aware, begin_write, utcnow
from matchmaker.models import EmailMessage

# Outbox rows flushed in a session's open transaction (in ``session.info``), and rows
# committed during the current application context (in ``g``).
_FLUSHED = "matchmaker.outbox.flushed"
_COMMITTED = "_matchmaker_outbox_committed"
# A message nobody tried to send yet is left to the request that queued it for this
# long before ``send-mail`` takes it (claims keep the two from both sending it).
FRESH = dt.timedelta(minutes=1)
# How long a sender's claim on messages holds: past it (the sender died mid-way), the
# messages are free for `send-mail` again.
LEASE = dt.timedelta(minutes=15)
_CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


def flag(value: Any) -> bool:
    """Read a yes/no setting, however the environment spelled it ("true", "1", "yes", "on")."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    timeout: float
    folder: Path

    @classmethod
    def from_app(cls, app: Flask) -> MailSettings:
        config = app.config
        folder = config.get("MAIL_FOLDER") or Path(app.instance_path) / "mail"
        return cls(
            server=str(config.get("MAIL_SERVER") or "").strip(),
            port=int(config.get("MAIL_PORT") or 25),
            use_tls=flag(config.get("MAIL_USE_TLS")),
            use_ssl=flag(config.get("MAIL_USE_SSL")),
            # str(): an all-digit password arrives from the environment as a JSON number.
            username=str(config.get("MAIL_USERNAME") or ""),
            password=str(config.get("MAIL_PASSWORD") or ""),
            sender=str(config.get("MAIL_FROM") or "matchmaker <noreply@localhost>"),
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
            folder=Path(folder),
        )

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1] or "noreply@localhost"

    @property
    def destination(self) -> str:
        return f"{self.server}:{self.port}" if self.server else str(self.folder)


@dataclass(frozen=True)
class Outgoing:
    id: int
    recipient: str
    subject: str
    body: str
    kind: str
    created_at: dt.datetime


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    destination: str


def build_message(item: Outgoing, settings: MailSettings) -> MimeMessage:
    """Build the message as it goes on the wire (or into an .eml file)."""
    message = MimeMessage()
    message["Subject"] = item.subject
    message["From"] = settings.sender
    message["To"] = item.recipient
    created = aware(item.created_at)
    message["Date"] = format_datetime(created)
    domain = settings.envelope_sender.rpartition("@")[2] or "localhost"
    # Stable across retries, so a receiving server can drop a duplicate.
    message["Message-ID"] = f"<matchmaker.{item.id}.{int(created.timestamp())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Matchmaker-Kind"] = item.kind
    message.set_content(item.body)
    return message


class _Folder:
    """Writes each message as an .eml file (the default: nothing leaves the machine)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        settings.folder.mkdir(parents=True, exist_ok=True)

    def send(self, item: Outgoing, message: MimeMessage) -> None:
        stamp = aware(item.created_at).strftime("%Y%m%dT%H%M%S")
        target = self.settings.folder / f"{stamp}-{item.id:06d}-{item.kind}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(message.as_bytes())
        partial.replace(target)

    def close(self) -> None:
        pass


class _Smtp:
    """One SMTP connection for a batch of messages."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if settings.use_ssl:
            connection = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=settings.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        try:
            if settings.use_tls and not settings.use_ssl:
                connection.starttls(context=context)
            if settings.username:
                connection.login(settings.username, settings.password)
        except (smtplib.SMTPException, OSError):
            connection.close()
            raise
        self.connection = connection

    def send(self, item: Outgoing, message: MimeMessage) -> None:
        self.connection.send_message(
            message, from_addr=self.settings.envelope_sender, to_addrs=[item.recipient]
        )

    def close(self) -> None:
        try:
            self.connection.quit()
        except (smtplib.SMTPException, OSError):
            self.connection.close()


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _transmit(items: Sequence[Outgoing], settings: MailSettings) -> dict[int, str]:
    """Send ``items``; the error of each that failed ("" when it went out)."""
    outcome: dict[int, str] = {}
    if not items:
        return outcome
    try:
        transport: _Folder | _Smtp = _Smtp(settings) if settings.server else _Folder(settings)
    except (smtplib.SMTPException, OSError) as error:
        return {item.id: _error_text(error) for item in items}
    try:
        for position, item in enumerate(items):
            try:
                transport.send(item, build_message(item, settings))
            except _CONNECTION_ERRORS as error:
                # The connection is gone: this and every later message wait for a retry.
                for rest in items[position:]:
                    outcome[rest.id] = _error_text(error)
                break
            except (smtplib.SMTPException, ValueError) as error:
                outcome[item.id] = _error_text(error)  # refused recipient, bad address
            else:
                outcome[item.id] = ""
    finally:
        transport.close()
    return outcome


def deliver(
    session: Session,
    settings: MailSettings,
    ids: Sequence[int] | None = None,
    limit: int = 500,
    max_attempts: int | None = None,
    now: dt.datetime | None = None,
) -> DeliveryReport:
    """Send waiting messages (those named by ``ids``, or all that are due); record the outcome.

    Without ``ids`` (the ``send-mail`` command) a message is due when an earlier try
    failed or it has waited more than a minute, and fewer than ``max_attempts`` tries
    were made.
    """
    now = now or utcnow()
    free = or_(EmailMessage.claimed_until.is_(None), EmailMessage.claimed_until < now)
    statement = select(EmailMessage.id).where(EmailMessage.sent_at.is_(None), free)
    if ids is not None:
        statement = statement.where(EmailMessage.id.in_(list(ids)))
    else:
        statement = statement.where(
            or_(EmailMessage.attempts > 0, EmailMessage.created_at <= now - FRESH)
        )
        if max_attempts is not None:
            statement = statement.where(EmailMessage.attempts < max_attempts)
    wanted = list(session.scalars(statement.order_by(EmailMessage.id).limit(limit)))
    session.rollback()
    if not wanted:
        return DeliveryReport(0, 0, settings.destination)
    # Claim them first: another sender at the same moment (`send-mail` beside a request,
    # two `send-mail` runs) finds them taken, and each message goes out once.
    token = secrets.token_hex(16)
    begin_write(session)
    session.execute(
        update(EmailMessage)
        .where(EmailMessage.id.in_(wanted), EmailMessage.sent_at.is_(None), free)
        .values(claim=token, claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    rows = session.scalars(
        select(EmailMessage).where(EmailMessage.claim == token).order_by(EmailMessage.id)
    ).all()
    items = [Outgoing(r.id, r.recipient, r.subject, r.body, r.kind, r.created_at) for r in rows]
    # Hold no transaction (and on SQLite no snapshot) while talking to the mail server.
    session.rollback()
    outcome = _transmit(items, settings)
    if not outcome:
        return DeliveryReport(0, 0, settings.destination)
    begin_write(session)
    sent_at = utcnow()
    for message_id, error in outcome.items():
        row = session.get(EmailMessage, message_id)
        if row is None:
            continue
        row.attempts += 1
        row.error = error
        row.claim = None
        row.claimed_until = None
        if not error:
            row.sent_at = sent_at
    session.commit()
    failed = sum(1 for error in outcome.values() if error)
    return DeliveryReport(len(outcome) - failed, failed, settings.destination)


# --- after commit ------------------------------------------------------------------------


def _after_flush(session: Session, _context: Any) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, EmailMessage)]
    if ids:
        session.info.setdefault(_FLUSHED, []).extend(ids)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_FLUSHED, None)
    if ids and has_app_context():
        g.setdefault(_COMMITTED, []).extend(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLUSHED, None)


def _deliver_committed(_error: BaseException | None) -> None:
    ids: list[int] | None = g.pop(_COMMITTED, None)
    if not ids:
        return
    from matchmaker.extensions import db

    app = current_app
    try:
        # Release the request's own connection first: on SQLite a write lock it still
        # held would make the bookkeeping below wait.
        db.session.remove()
        limit = int(app.config.get("MAIL_INLINE_LIMIT") or 0)
        if limit <= 0:
            return
        with Session(db.engine) as session:
            deliver(session, MailSettings.from_app(app), ids=ids[:limit], limit=limit)
    except Exception:
        app.logger.exception("E-mail notices were not delivered; `matchmaker send-mail` retries")


def init_app(app: Flask) -> None:
    """Track outbox rows through commits and deliver them when the app context ends."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    app.teardown_appcontext(_deliver_committed)
