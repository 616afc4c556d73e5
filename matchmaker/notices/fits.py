"""The "a new open need fits you" notice: rank once, then queue one e-mail per need and person."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaker.db import begin_write
from matchmaker.models import EmailMessage, MatchResult, Need, SupplierDay
from matchmaker.notices.services import Kind, external_url, queue, supplier_recipients
from matchmaker.opportunities.services import accepting
from matchmaker.shortlists.cache import IndexCache
from matchmaker.shortlists.services import current_runs

log = logging.getLogger(__name__)
_KEY_CHUNK = 500


def dedupe_key(need_id: int, supplier_id: int, recipient_key: str) -> str:
    return f"fit:{need_id}:{supplier_id}:{recipient_key}"


def announce(
    session: Session,
    cache: IndexCache,
    needs: Sequence[Need],
    min_score: float,
    today: dt.date | None = None,
) -> int:
    """Tell suppliers that rank high for open ``needs``; returns how many e-mails were queued.

    Needs of days that take no registrations are skipped. Each need is ranked once (or
    its fresh stored ranking reused); a supplier's people hear about a need only once,
    however often it is edited.
    """
    today = today or dt.date.today()
    open_needs = [n for n in needs if accepting(n.supplier_day, today)]
    if not open_needs:
        return 0
    runs = current_runs(session, cache, open_needs)
    need_by_run = {run.id: run.need_id for run in runs.values()}
    hits = session.execute(
        select(MatchResult.run_id, MatchResult.supplier_id, MatchResult.score)
        .where(
            MatchResult.run_id.in_(list(need_by_run)),
            MatchResult.near_miss.is_(False),
            MatchResult.score >= min_score,
        )
        .order_by(MatchResult.run_id, MatchResult.position)
    ).all()
    if not hits:
        return 0
    recipients = supplier_recipients(session, {hit.supplier_id for hit in hits})
    wanted = [
        (need_by_run[hit.run_id], hit.supplier_id, hit.score, recipient)
        for hit in hits
        for recipient in recipients.get(hit.supplier_id, [])
    ]
    # Hold the write lock from the check to the insert, so two editors do not both send.
    begin_write(session)
    keys = [dedupe_key(need_id, supplier_id, r.key) for need_id, supplier_id, _s, r in wanted]
    sent_before: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        sent_before.update(
            k
            for k in session.scalars(
                select(EmailMessage.dedupe_key).where(EmailMessage.dedupe_key.in_(chunk))
            )
            if k is not None
        )
    needs_by_id = {n.id: n for n in open_needs}
    queued = 0
    for (need_id, _supplier, score, recipient), key in zip(wanted, keys, strict=True):
        if key in sent_before:
            continue
        need = needs_by_id[need_id]
        day: SupplierDay = need.supplier_day
        queue(
            session,
            recipient,
            Kind.NEED_FIT,
            _l(
                "%(buyer)s looks for a supplier: %(part)s",
                buyer=day.buyer.name,
                part=need.part_name,
            ),
            "need_fit.txt",
            dedupe_key=key,
            need=need,
            day=day,
            score=score,
            link=external_url("opportunities.index", anchor=f"need-{need.id}"),
        )
        sent_before.add(key)
        queued += 1
    try:
        session.commit()
    except IntegrityError:
        # Another request announced the same need at the same moment (PostgreSQL): its
        # messages stand, ours are dropped rather than sent twice.
        session.rollback()
        log.info("Need-fit notices for needs %s were queued concurrently", sorted(needs_by_id))
        return 0
    return queued


def announce_after_change(session: Session, cache: IndexCache, needs: Sequence[Need]) -> None:
    """Announce ``needs`` just saved; a failure is logged and never hides the saved change."""
    need_ids = [n.id for n in needs]
    try:
        announce(session, cache, needs, float(current_app.config["NOTICE_FIT_MIN_SCORE"]))
    except Exception:
        session.rollback()
        log.exception("Could not announce needs %s", need_ids)
