"""Who gets an e-mail notice, in which language, and what it says.

Notices are rows of the ``email_messages`` outbox, added to the session of the change
that causes them, so they are committed (or rolled back) with it; ``delivery`` sends
them once the transaction has committed.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.auth import tokens
from matchmaker.models import EmailMessage, Supplier, SupplierStatus, User


class Kind(enum.StrEnum):
    SUPPLIER_VERIFIED = "supplier_verified"
    SUPPLIER_REJECTED = "supplier_rejected"
    NEED_FIT = "need_fit"
    MEETING = "meeting"
    PASSWORD = "password"


@dataclass(frozen=True)
class Recipient:
    email: str
    locale: str
    # Names the recipient inside a dedupe key: "u<user id>", or "contact" for the
    # supplier's contact address.
    key: str


def _locale(value: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    if value in languages:
        return str(value)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def supplier_recipients(
    session: Session, supplier_ids: Iterable[int]
) -> dict[int, list[Recipient]]:
    """Find the active users of each supplier, or its contact e-mail when it has none."""
    wanted = set(supplier_ids)
    found: dict[int, list[Recipient]] = defaultdict(list)
    if not wanted:
        return found
    users = session.scalars(
        select(User).where(User.supplier_id.in_(wanted), User.active.is_(True)).order_by(User.id)
    )
    for user in users:
        if user.supplier_id is not None:
            found[user.supplier_id].append(
                Recipient(user.email, _locale(user.locale), f"u{user.id}")
            )
    orphans = wanted - set(found)
    if orphans:
        contacts = session.execute(
            select(Supplier.id, Supplier.email).where(Supplier.id.in_(orphans))
        )
        for supplier_id, email in contacts:
            if email:
                found[supplier_id].append(Recipient(email, _locale(None), "contact"))
    return found


def buyer_recipients(session: Session, buyer_id: int) -> list[Recipient]:
    """Find the active users of a buyer organisation."""
    users = session.scalars(
        select(User).where(User.buyer_id == buyer_id, User.active.is_(True)).order_by(User.id)
    )
    return [Recipient(u.email, _locale(u.locale), f"u{u.id}") for u in users]


def external_url(endpoint: str, anchor: str = "", **values: Any) -> str:
    """Build an absolute address for a link in an e-mail ("" when ``PUBLIC_URL`` is unset).

    Never the address of the current request: its Host header comes from the client,
    and a link in someone else's mailbox must not point wherever a client said.
    """
    base = str(current_app.config.get("PUBLIC_URL") or "")
    if not base:
        return ""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path + (f"#{anchor}" if anchor else "")


def render(
    recipient: Recipient, subject: str | LazyString, template: str, **context: Any
) -> tuple[str, str]:
    """Render a notice's subject and body in the recipient's language."""
    with force_locale(recipient.locale):
        # Header values must be one line; names typed by users could hold anything.
        subject_text = " ".join(str(subject).split())[:255]
        body = render_template(f"notices/{template}", **context)
    return subject_text, body


def queue(
    session: Session,
    recipient: Recipient,
    kind: Kind,
    subject: str | LazyString,
    template: str,
    dedupe_key: str | None = None,
    **context: Any,
) -> EmailMessage:
    """Add a notice to the outbox in the caller's unit of work (the caller commits)."""
    subject_text, body = render(recipient, subject, template, **context)
    message = EmailMessage(
        recipient=recipient.email,
        subject=subject_text,
        body=body,
        kind=kind.value,
        dedupe_key=dedupe_key,
    )
    session.add(message)
    return message


def supplier_reviewed(session: Session, supplier: Supplier) -> int:
    """Tell a supplier's people that staff verified or rejected the profile."""
    if supplier.status == SupplierStatus.VERIFIED.value:
        kind, template = Kind.SUPPLIER_VERIFIED, "supplier_verified.txt"
        subject = _l("Your company profile is verified: %(name)s", name=supplier.name)
    elif supplier.status == SupplierStatus.REJECTED.value:
        kind, template = Kind.SUPPLIER_REJECTED, "supplier_rejected.txt"
        subject = _l("Your company profile was not accepted: %(name)s", name=supplier.name)
    else:
        return 0
    verified = kind is Kind.SUPPLIER_VERIFIED
    link = external_url("opportunities.index" if verified else "suppliers.profile")
    recipients = supplier_recipients(session, [supplier.id]).get(supplier.id, [])
    for recipient in recipients:
        queue(
            session,
            recipient,
            kind,
            subject,
            template,
            supplier_name=supplier.name,
            reason=supplier.status_reason,
            link=link,
        )
    return len(recipients)


def meeting_notice(
    session: Session,
    message: str | LazyString,
    buyer_id: int | None = None,
    supplier_id: int | None = None,
) -> int:
    """Send an in-app meeting message to the organisation's people by e-mail too."""
    if buyer_id is not None:
        recipients = buyer_recipients(session, buyer_id)
    elif supplier_id is not None:
        recipients = supplier_recipients(session, [supplier_id]).get(supplier_id, [])
    else:
        return 0
    link = external_url("meetings.index")
    for recipient in recipients:
        queue(session, recipient, Kind.MEETING, message, "meeting.txt", message=message, link=link)
    return len(recipients)


def password_link(user: User) -> str:
    """The address where ``user`` sets a password, on the site's public address.

    Without ``PUBLIC_URL`` a development server links to the address it was asked on;
    a production server never does (a client sets the Host header, and a password link
    must not point wherever a client said) and the message asks to contact the cluster.
    """
    token = tokens.make(str(current_app.config["SECRET_KEY"]), user)
    link = external_url("auth.set_password", token=token)
    if link or current_app.config["ENV_NAME"] == "production" or not has_request_context():
        return link
    return url_for("auth.set_password", token=token, _external=True)


def password_notice(session: Session, user: User, invitation: bool) -> None:
    """Send ``user`` a link to set a password: an invitation to a new account, or a reset."""
    recipient = Recipient(user.email, _locale(user.locale), f"u{user.id}")
    if invitation:
        subject = _l("Your matchmaker account for %(org)s", org=_organisation(user))
    else:
        subject = _l("Set a new matchmaker password")
    queue(
        session,
        recipient,
        Kind.PASSWORD,
        subject,
        "invitation.txt" if invitation else "password_reset.txt",
        email=user.email,
        organisation=_organisation(user),
        link=password_link(user),
        hours=int(current_app.config["PASSWORD_LINK_HOURS"]),
    )


def _organisation(user: User) -> str:
    if user.supplier is not None:
        return user.supplier.name
    if user.buyer is not None:
        return user.buyer.name
    return ""
