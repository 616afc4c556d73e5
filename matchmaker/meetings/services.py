"""Meetings of a Supplier Day: requests, answers, the scheduler, seats and agendas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from matchmaker import audit
from matchmaker.db import aware, begin_write, utcnow, writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.meetings.grid import day_slots, slots_by_start, table_label, utc_key
from matchmaker.models import (
    DayFormat,
    DayStatus,
    Decision,
    FunnelStatus,
    Interest,
    MatchResult,
    MatchRun,
    Meeting,
    MeetingStatus,
    Need,
    Notification,
    Role,
    SlotBlock,
    Supplier,
    SupplierDay,
    SupplierStatus,
    User,
)
from matchmaker.notices import services as notices
from matchmaker.permissions import require_role
from matchmaker.scheduling import (
    CAPACITY_REASONS,
    Placement,
    Problem,
    Request,
    Schedule,
    Slot,
    Table,
    Unplaced,
    next_waiting,
    pair_priority,
    schedule,
)

DEFAULT_REQUEST_TTL = dt.timedelta(hours=72)
ACTIVE = (MeetingStatus.REQUESTED.value, MeetingStatus.CONFIRMED.value)


def reason_text(code: str) -> str:
    """Why a confirmed meeting has no seat, in the reader's language."""
    texts = {
        "no_slots": _("the day's grid has no slots"),
        "no_tables": _("the buyer has no tables or video rooms"),
        "supplier_unavailable": _("the supplier cannot attend any slot"),
        "buyer_unavailable": _("the buyer cannot receive anyone in any slot"),
        "no_common_slot": _("the supplier and the buyer have no slot they can both attend"),
        "buyer_full": _("all tables are booked in every slot the supplier can attend"),
        "supplier_busy": _("the supplier is in other meetings whenever a table is free"),
        "no_common_free_slot": _("no free table in any slot the supplier can attend"),
        "duplicate_pair": _("another meeting of this pair stands"),
        "locked_invalid": _("its locked seat is no longer in the grid"),
        "locked_unavailable": _("its locked seat is in a slot marked unavailable"),
        "locked_conflict": _("its locked seat clashes with another locked meeting"),
        "grid_changed": _("the grid changed and its slot is gone"),
        "": _("waiting for the scheduler"),
    }
    return texts.get(code, code)


# --- notifications ---------------------------------------------------------------------


def notify(
    session: Session,
    message: str | LazyString,
    link: str = "",
    buyer_id: int | None = None,
    supplier_id: int | None = None,
) -> None:
    """Tell an organisation on its pages and, by e-mail, its people.

    A lazy ``message`` lets each e-mail go out in its recipient's language.
    """
    session.add(
        Notification(buyer_id=buyer_id, supplier_id=supplier_id, message=str(message), link=link)
    )
    notices.meeting_notice(session, message, buyer_id=buyer_id, supplier_id=supplier_id)


def notify_both(
    session: Session, meeting: Meeting, message: str | LazyString, link: str = ""
) -> None:
    notify(session, message, link, buyer_id=meeting.supplier_day.buyer_id)
    notify(session, message, link, supplier_id=meeting.supplier_id)


def notifications_for(session: Session, actor: User, limit: int = 10) -> list[Notification]:
    """The newest messages to the actor's organisation."""
    if actor.role == Role.BUYER.value:
        condition = Notification.buyer_id == actor.buyer_id
    elif actor.role == Role.SUPPLIER.value:
        condition = Notification.supplier_id == actor.supplier_id
    else:
        return []
    return list(
        session.scalars(
            select(Notification)
            .where(condition)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


@writes
def mark_notifications_read(session: Session, actor: User, now: dt.datetime | None = None) -> None:
    """Mark every message to the actor's organisation as read."""
    now = now or utcnow()
    for item in notifications_for(session, actor, limit=1000):
        if item.read_at is None:
            item.read_at = now
    session.commit()


# --- requests and answers --------------------------------------------------------------


def _pair_meeting(session: Session, day_id: int, supplier_id: int) -> Meeting | None:
    return session.scalar(
        select(Meeting).where(Meeting.supplier_day_id == day_id, Meeting.supplier_id == supplier_id)
    )


def expire_requests(session: Session, now: dt.datetime | None = None) -> int:
    """Let requests nobody answered in time lapse, and tell who asked.

    Part of the caller's unit of work: it takes the write lock only when something
    lapsed, and the caller commits.
    """
    now = now or utcnow()
    lapsed = (
        Meeting.status == MeetingStatus.REQUESTED.value,
        Meeting.expires_at.is_not(None),
        Meeting.expires_at < now,
    )
    if session.scalar(select(Meeting.id).where(*lapsed).limit(1)) is None:
        return 0
    begin_write(session)
    stale = session.scalars(select(Meeting).where(*lapsed)).all()
    for meeting in stale:
        meeting.status = MeetingStatus.EXPIRED.value
        meeting.updated_at = now
        message = _l(
            "Your meeting request for %(day)s was not answered in time and lapsed.",
            day=meeting.supplier_day.title,
        )
        if meeting.requested_by == Role.BUYER.value:
            notify(session, message, buyer_id=meeting.supplier_day.buyer_id)
        else:
            notify(session, message, supplier_id=meeting.supplier_id)
        audit.record(session, None, "meeting.expired", "meeting", meeting.id)
    session.flush()
    return len(stale)


@writes
def request_meeting(
    session: Session,
    actor: User,
    need_id: int,
    supplier_id: int | None = None,
    message: str = "",
    now: dt.datetime | None = None,
    ttl: dt.timedelta = DEFAULT_REQUEST_TTL,
) -> Meeting:
    """Ask for a meeting about a need: a buyer with a supplier, or a supplier with the buyer.

    If the other side already asked, this accepts their request instead.
    """
    require_role(actor, Role.BUYER, Role.SUPPLIER)
    now = now or utcnow()
    expire_requests(session, now)
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound()
    day = need.supplier_day
    if actor.role == Role.BUYER.value:
        if day.buyer_id != actor.buyer_id:
            raise NotFound()
        supplier = session.get(Supplier, supplier_id) if supplier_id is not None else None
        if supplier is None or supplier.status == SupplierStatus.REJECTED.value:
            raise NotFound()
        side = Role.BUYER.value
    else:
        supplier = session.get(Supplier, actor.supplier_id)
        if supplier is None or day.status == DayStatus.DRAFT.value:
            raise NotFound()
        interested = session.scalar(
            select(Interest.id).where(
                Interest.need_id == need.id, Interest.supplier_id == supplier.id
            )
        )
        if interested is None:
            raise FieldError("need", _("Mark your interest in this part first."))
        side = Role.SUPPLIER.value
    if day.status in (DayStatus.DONE.value, DayStatus.DRAFT.value) and side == Role.SUPPLIER.value:
        raise FieldError("need", _("This Supplier Day takes no meeting requests."))
    if day.status == DayStatus.DONE.value:
        raise FieldError("need", _("This Supplier Day has already taken place."))

    meeting = _pair_meeting(session, day.id, supplier.id)
    if meeting is not None and meeting.status == MeetingStatus.CONFIRMED.value:
        raise FieldError("need", _("A meeting with this supplier is already agreed for this day."))
    if meeting is not None and meeting.status == MeetingStatus.REQUESTED.value:
        if meeting.requested_by == side:
            raise FieldError("need", _("You have already asked for this meeting."))
        return respond(session, actor, meeting.id, accept=True, now=now)

    meeting = meeting or Meeting(supplier_day=day, supplier=supplier)
    meeting.need = need
    meeting.status = MeetingStatus.REQUESTED.value
    meeting.requested_by = side
    meeting.requested_by_user_id = actor.id
    meeting.message = message.strip()
    meeting.created_at = now
    meeting.expires_at = now + ttl
    meeting.responded_at = None
    meeting.locked = False
    meeting.unplaced_reason = ""
    meeting.updated_at = now
    session.add(meeting)
    session.flush()
    if side == Role.BUYER.value:
        notify(
            session,
            _l(
                "%(buyer)s asks for a meeting about %(part)s on %(day)s.",
                buyer=day.buyer.name,
                part=need.part_name,
                day=day.title,
            ),
            supplier_id=supplier.id,
        )
    else:
        notify(
            session,
            _l(
                "%(supplier)s asks for a meeting about %(part)s.",
                supplier=supplier.name,
                part=need.part_name,
            ),
            buyer_id=day.buyer_id,
        )
    audit.record(session, actor, "meeting.requested", "meeting", meeting.id, need_id=need.id)
    session.commit()
    return meeting


def _get_meeting_for(session: Session, actor: User, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    if actor.role == Role.STAFF.value:
        return meeting
    if actor.role == Role.BUYER.value and meeting.supplier_day.buyer_id == actor.buyer_id:
        return meeting
    if actor.role == Role.SUPPLIER.value and meeting.supplier_id == actor.supplier_id:
        return meeting
    raise NotFound()


def _advance_funnel(session: Session, actor: User, meeting: Meeting) -> None:
    """An agreed meeting moves the supplier to the "meeting" stage of the need's funnel."""
    if meeting.need_id is None:
        return
    decision = session.scalar(
        select(Decision).where(
            Decision.need_id == meeting.need_id, Decision.supplier_id == meeting.supplier_id
        )
    )
    if decision is not None and decision.status != FunnelStatus.SHORTLISTED.value:
        return  # already further along, or rejected: the buyer's call stands
    decision = decision or Decision(need_id=meeting.need_id, supplier_id=meeting.supplier_id)
    decision.status = FunnelStatus.MEETING.value
    decision.user_id = actor.id
    decision.updated_at = utcnow()
    session.add(decision)


@writes
def respond(
    session: Session, actor: User, meeting_id: int, accept: bool, now: dt.datetime | None = None
) -> Meeting:
    """Accept or decline a meeting request addressed to the actor's organisation."""
    require_role(actor, Role.BUYER, Role.SUPPLIER)
    now = now or utcnow()
    expire_requests(session, now)
    meeting = _get_meeting_for(session, actor, meeting_id)
    if meeting.status != MeetingStatus.REQUESTED.value:
        raise FieldError("meeting", _("This request is no longer open."))
    if meeting.requested_by == actor.role:
        raise FieldError("meeting", _("The other side has to answer this request."))
    meeting.status = (MeetingStatus.CONFIRMED if accept else MeetingStatus.DECLINED).value
    meeting.responded_at = now
    meeting.updated_at = now
    day = meeting.supplier_day
    if accept:
        _advance_funnel(session, actor, meeting)
        message = _l(
            "Meeting of %(buyer)s and %(supplier)s agreed for %(day)s.",
            buyer=day.buyer.name,
            supplier=meeting.supplier.name,
            day=day.title,
        )
    else:
        message = _l(
            "%(who)s declined the meeting request for %(day)s.",
            who=day.buyer.name if actor.role == Role.BUYER.value else meeting.supplier.name,
            day=day.title,
        )
    notify_both(session, meeting, message)
    audit.record(
        session, actor, "meeting.accepted" if accept else "meeting.declined", "meeting", meeting.id
    )
    session.commit()
    return meeting


@writes
def cancel(
    session: Session, actor: User, meeting_id: int, now: dt.datetime | None = None
) -> Meeting | None:
    """Cancel a request or a meeting; a freed seat goes to the best waiting pair.

    Returns the meeting that took the freed seat, if any.
    """
    now = now or utcnow()
    meeting = _get_meeting_for(session, actor, meeting_id)
    if meeting.status not in ACTIVE:
        raise FieldError("meeting", _("This meeting is not active."))
    freed = (meeting.table_no, meeting.slot_start) if meeting.slot_start is not None else None
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.table_no = meeting.slot_start = meeting.slot_end = None
    meeting.locked = False
    meeting.updated_at = now
    day = meeting.supplier_day
    notify_both(
        session,
        meeting,
        _l(
            "The meeting of %(buyer)s and %(supplier)s on %(day)s was cancelled.",
            buyer=day.buyer.name,
            supplier=meeting.supplier.name,
            day=day.title,
        ),
    )
    audit.record(session, actor, "meeting.cancelled", "meeting", meeting.id)
    session.flush()
    successor = _fill_freed_seat(session, day, freed, now) if freed is not None else None
    session.commit()
    return successor


def _fill_freed_seat(
    session: Session,
    day: SupplierDay,
    freed: tuple[int | None, dt.datetime | None],
    now: dt.datetime,
) -> Meeting | None:
    table_no, start = freed
    slots = day_slots(day)
    slot = slots_by_start(slots).get(utc_key(start)) if start is not None else None
    if table_no is None or slot is None:
        return None
    problem, _placed = build_problem(session, day, slots)
    waiting = [m for m in _confirmed(session, day) if m.slot_start is None]
    current = Schedule(
        placements=tuple(_placements(session, day, slots)),
        unplaced=tuple(
            Unplaced(
                str(m.id),
                m.unplaced_reason if m.unplaced_reason in CAPACITY_REASONS else "buyer_full",
            )
            for m in waiting
            if not m.unplaced_reason or m.unplaced_reason in CAPACITY_REASONS
        ),
        idle_gaps=0,
    )
    choice = next_waiting(problem, current, Placement("freed", str(table_no), slot.index))
    if choice is None:
        return None
    successor = session.get(Meeting, int(choice.request_id))
    if successor is None:
        return None
    _seat(successor, day, slot, table_no, now)
    _tell_seat(session, successor, day, slot.start)
    audit.record(session, None, "meeting.seated_from_waiting", "meeting", successor.id)
    return successor


# --- the grid and the scheduler ----------------------------------------------------------


def _confirmed(session: Session, day: SupplierDay) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.supplier_day_id == day.id,
                Meeting.status == MeetingStatus.CONFIRMED.value,
            )
            .options(selectinload(Meeting.supplier), selectinload(Meeting.need))
            .order_by(Meeting.id)
        )
    )


def _placements(session: Session, day: SupplierDay, slots: tuple[Slot, ...]) -> list[Placement]:
    by_start = slots_by_start(slots)
    found = []
    for meeting in _confirmed(session, day):
        if meeting.slot_start is None or meeting.table_no is None:
            continue
        slot = by_start.get(utc_key(meeting.slot_start))
        found.append(Placement(str(meeting.id), str(meeting.table_no), slot.index if slot else -1))
    return found


def _match_ranks(session: Session, day: SupplierDay) -> dict[tuple[int, int], int]:
    rows = session.execute(
        select(MatchRun.need_id, MatchResult.supplier_id, MatchResult.rank)
        .join(MatchResult, MatchResult.run_id == MatchRun.id)
        .join(Need, Need.id == MatchRun.need_id)
        .where(Need.supplier_day_id == day.id, MatchResult.near_miss.is_(False))
    )
    return {(need_id, supplier_id): rank for need_id, supplier_id, rank in rows}


def build_problem(
    session: Session, day: SupplierDay, slots: tuple[Slot, ...]
) -> tuple[Problem, list[Meeting]]:
    """The day as the scheduler sees it: confirmed pairs, tables, blocks and locks."""
    confirmed = _confirmed(session, day)
    ranks = _match_ranks(session, day)
    buyer = str(day.buyer_id)
    by_start = slots_by_start(slots)
    requests = tuple(
        Request(
            id=str(m.id),
            buyer_id=buyer,
            supplier_id=str(m.supplier_id),
            priority=pair_priority(ranks.get((m.need_id or 0, m.supplier_id)), m.priority),
        )
        for m in confirmed
    )
    tables = tuple(
        Table(id=str(n), buyer_id=buyer, label=table_label(day, n))
        for n in range(1, day.tables + 1)
    )
    unavailable_suppliers: dict[str, set[int]] = {}
    unavailable_tables: dict[str, set[int]] = {}
    unavailable_buyer: set[int] = set()
    for block in day.slot_blocks:
        slot = by_start.get(utc_key(block.slot_start))
        if slot is None:
            continue
        if block.supplier_id is not None:
            unavailable_suppliers.setdefault(str(block.supplier_id), set()).add(slot.index)
        elif block.table_no is not None:
            unavailable_tables.setdefault(str(block.table_no), set()).add(slot.index)
        else:
            unavailable_buyer.add(slot.index)
    locked = tuple(
        Placement(
            str(m.id),
            str(m.table_no),
            by_start[utc_key(m.slot_start)].index if utc_key(m.slot_start) in by_start else -1,
        )
        for m in confirmed
        if m.locked and m.slot_start is not None and m.table_no is not None
    )
    problem = Problem(
        slots=slots,
        tables=tables,
        requests=requests,
        unavailable_suppliers={k: frozenset(v) for k, v in unavailable_suppliers.items()},
        unavailable_buyers={buyer: frozenset(unavailable_buyer)} if unavailable_buyer else {},
        unavailable_tables={k: frozenset(v) for k, v in unavailable_tables.items()},
        locked=locked,
    )
    return problem, confirmed


def _seat(meeting: Meeting, day: SupplierDay, slot: Slot, table_no: int, now: dt.datetime) -> None:
    meeting.table_no = table_no
    meeting.slot_start = slot.start.astimezone(dt.UTC)
    meeting.slot_end = slot.end.astimezone(dt.UTC)
    meeting.unplaced_reason = ""
    meeting.updated_at = now


def _tell_seat(
    session: Session, meeting: Meeting, day: SupplierDay, local_start: dt.datetime
) -> None:
    notify_both(
        session,
        meeting,
        _l(
            "%(buyer)s meets %(supplier)s at %(time)s on %(date)s, %(table)s.",
            buyer=day.buyer.name,
            supplier=meeting.supplier.name,
            time=local_start.strftime("%H:%M"),
            date=day.date.isoformat(),
            table=table_label(day, meeting.table_no or 0),
        ),
    )


@dataclass(frozen=True)
class ScheduleReport:
    placed: int
    unplaced: list[tuple[Meeting, str]]
    idle_gaps: int


def schedule_day(
    session: Session, day: SupplierDay, now: dt.datetime | None = None
) -> ScheduleReport:
    """Seat every confirmed meeting of the day that fits, keeping locked ones in place."""
    now = now or utcnow()
    slots = day_slots(day)
    if not slots:
        raise FieldError(
            "grid", _("The day's grid has no slots: check its window, slot length and breaks.")
        )
    problem, confirmed = build_problem(session, day, slots)
    result = schedule(problem)
    by_id = {str(m.id): m for m in confirmed}
    before = {m.id: (m.table_no, m.slot_start and utc_key(m.slot_start)) for m in confirmed}
    locked_ids = {p.request_id for p in problem.locked}
    # Clear every seat that may move first, so that swaps never trip the unique constraints.
    for meeting in confirmed:
        if str(meeting.id) not in locked_ids:
            meeting.table_no = meeting.slot_start = meeting.slot_end = None
    session.flush()
    for placement in result.placements:
        meeting = by_id[placement.request_id]
        _seat(meeting, day, slots[placement.slot_index], int(placement.table_id), now)
    unplaced = []
    for item in result.unplaced:
        meeting = by_id[item.request_id]
        if item.reason.startswith("locked_"):
            meeting.table_no = meeting.slot_start = meeting.slot_end = None
            meeting.locked = False
        meeting.unplaced_reason = item.reason
        unplaced.append((meeting, reason_text(item.reason)))
    session.flush()
    for meeting in confirmed:
        after = (meeting.table_no, meeting.slot_start and utc_key(meeting.slot_start))
        if after != before[meeting.id] and meeting.slot_start is not None:
            _tell_seat(
                session, meeting, day, aware(meeting.slot_start).astimezone(slots[0].start.tzinfo)
            )
    day.scheduled_at = now
    return ScheduleReport(len(result.placements), unplaced, result.idle_gaps)


@writes
def run_scheduler(
    session: Session, actor: User | None, day_id: int, now: dt.datetime | None = None
) -> ScheduleReport:
    """Run the scheduler for a day (staff, or the CLI when ``actor`` is None)."""
    if actor is not None:
        require_role(actor, Role.STAFF)
    now = now or utcnow()
    expire_requests(session, now)
    day = session.get(SupplierDay, day_id)
    if day is None:
        raise NotFound()
    report = schedule_day(session, day, now)
    audit.record(
        session,
        actor,
        "day.scheduled",
        "supplier_day",
        day.id,
        placed=report.placed,
        unplaced=len(report.unplaced),
    )
    session.commit()
    return report


@writes
def place(
    session: Session,
    actor: User,
    meeting_id: int,
    table_no: int,
    slot_index: int,
    now: dt.datetime | None = None,
) -> Meeting:
    """Seat a confirmed meeting at a table and slot by hand, and lock it there.

    Race-free: on SQLite the write lock is taken before anything is read; on
    PostgreSQL a concurrent booking of the same seat fails on the unique constraint.
    """
    require_role(actor, Role.STAFF)
    now = now or utcnow()
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    if meeting.status != MeetingStatus.CONFIRMED.value:
        raise FieldError("slot", _("Only an agreed meeting can be given a seat."))
    day = meeting.supplier_day
    slots = day_slots(day)
    if not 0 <= slot_index < len(slots) or not 1 <= table_no <= day.tables:
        raise FieldError("slot", _("Choose a table and a slot of this day's grid."))
    slot = slots[slot_index]
    start = slot.start.astimezone(dt.UTC)
    blocked = session.scalar(
        select(SlotBlock.id).where(
            SlotBlock.supplier_day_id == day.id,
            SlotBlock.slot_start == start,
            or_(
                SlotBlock.supplier_id == meeting.supplier_id,
                SlotBlock.table_no == table_no,
                and_(SlotBlock.supplier_id.is_(None), SlotBlock.table_no.is_(None)),
            ),
        )
    )
    if blocked is not None:
        raise FieldError("slot", _("That slot is marked unavailable for this table or supplier."))
    taken = session.scalar(
        select(Meeting.id).where(
            Meeting.supplier_day_id == day.id,
            Meeting.table_no == table_no,
            Meeting.slot_start == start,
            Meeting.id != meeting.id,
        )
    )
    if taken is not None:
        raise FieldError("slot", _("Slot taken: that table already has a meeting then."))
    busy = session.scalar(
        select(Meeting.id).where(
            Meeting.supplier_id == meeting.supplier_id,
            Meeting.slot_start == start,
            Meeting.id != meeting.id,
        )
    )
    if busy is not None:
        raise FieldError("slot", _("The supplier is in another meeting at that time."))
    _seat(meeting, day, slot, table_no, now)
    meeting.locked = True
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise FieldError("slot", _("Slot taken: that table already has a meeting then.")) from error
    _tell_seat(session, meeting, day, slot.start)
    audit.record(
        session,
        actor,
        "meeting.placed",
        "meeting",
        meeting.id,
        table=table_no,
        slot=slot.start.isoformat(),
    )
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise FieldError("slot", _("Slot taken: that table already has a meeting then.")) from error
    return meeting


@writes
def set_lock(session: Session, actor: User, meeting_id: int, locked: bool) -> Meeting:
    """Pin a seated meeting so that re-running the scheduler keeps it (or release it)."""
    require_role(actor, Role.STAFF)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    if locked and meeting.slot_start is None:
        raise FieldError("meeting", _("Only a seated meeting can be locked."))
    meeting.locked = locked
    audit.record(
        session, actor, "meeting.locked" if locked else "meeting.unlocked", "meeting", meeting.id
    )
    session.commit()
    return meeting


@writes
def set_block(
    session: Session,
    actor: User,
    day_id: int,
    slot_index: int,
    supplier_id: int | None = None,
    table_no: int | None = None,
) -> SlotBlock:
    """Mark a slot a supplier, a table or the whole buyer cannot attend."""
    require_role(actor, Role.STAFF)
    day = session.get(SupplierDay, day_id)
    if day is None:
        raise NotFound()
    slots = day_slots(day)
    if not 0 <= slot_index < len(slots):
        raise FieldError("slot", _("Choose a slot of this day's grid."))
    if table_no is not None and not 1 <= table_no <= day.tables:
        raise FieldError("subject", _("Choose a table of this day."))
    if supplier_id is not None and session.get(Supplier, supplier_id) is None:
        raise FieldError("subject", _("Choose a supplier of this day."))
    block = SlotBlock(
        supplier_day=day,
        supplier_id=supplier_id,
        table_no=table_no,
        slot_start=slots[slot_index].start.astimezone(dt.UTC),
    )
    session.add(block)
    session.flush()
    audit.record(session, actor, "slot.blocked", "supplier_day", day.id, block_id=block.id)
    session.commit()
    return block


@writes
def remove_block(session: Session, actor: User, block_id: int) -> int:
    """Make a blocked slot available again; returns the day's id."""
    require_role(actor, Role.STAFF)
    block = session.get(SlotBlock, block_id)
    if block is None:
        raise NotFound()
    day_id = block.supplier_day_id
    session.delete(block)
    audit.record(session, actor, "slot.unblocked", "supplier_day", day_id)
    session.commit()
    return day_id


def release_lost_seats(session: Session, day: SupplierDay, now: dt.datetime | None = None) -> int:
    """After the grid changed, send meetings whose seat is gone back to waiting, saying so.

    Called inside the caller's unit of work (the day form's save); does not commit.
    """
    now = now or utcnow()
    by_start = slots_by_start(day_slots(day))
    lost = 0
    for meeting in _confirmed(session, day):
        if meeting.slot_start is None:
            continue
        if utc_key(meeting.slot_start) in by_start and (meeting.table_no or 0) <= day.tables:
            continue
        meeting.table_no = meeting.slot_start = meeting.slot_end = None
        meeting.locked = False
        meeting.unplaced_reason = "grid_changed"
        meeting.updated_at = now
        notify_both(
            session,
            meeting,
            _l(
                "The grid of %(day)s changed: the meeting of %(buyer)s and %(supplier)s "
                "waits for a new slot.",
                day=day.title,
                buyer=day.buyer.name,
                supplier=meeting.supplier.name,
            ),
        )
        lost += 1
    return lost


# --- pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GridView:
    day: SupplierDay
    slots: tuple[Slot, ...]
    tables: list[tuple[int, str]]
    cells: dict[tuple[int, int], Meeting]
    waiting: list[tuple[Meeting, str]]
    requested: list[Meeting]
    blocks: list[tuple[SlotBlock, str]]
    blocked_cells: set[tuple[int, int]]


def grid_view(
    session: Session, actor: User, day_id: int, now: dt.datetime | None = None
) -> GridView:
    """The whole meeting grid of a day, for staff."""
    require_role(actor, Role.STAFF)
    if expire_requests(session, now):
        session.commit()
    day = session.get(SupplierDay, day_id)
    if day is None:
        raise NotFound()
    slots = day_slots(day)
    by_start = slots_by_start(slots)
    cells: dict[tuple[int, int], Meeting] = {}
    waiting = []
    for meeting in _confirmed(session, day):
        slot = by_start.get(utc_key(meeting.slot_start)) if meeting.slot_start else None
        if slot is not None and meeting.table_no is not None:
            cells[(meeting.table_no, slot.index)] = meeting
        else:
            waiting.append((meeting, reason_text(meeting.unplaced_reason)))
    requested = list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.supplier_day_id == day.id,
                Meeting.status == MeetingStatus.REQUESTED.value,
            )
            .order_by(Meeting.created_at)
        )
    )
    blocks = []
    blocked_cells: set[tuple[int, int]] = set()
    for block in day.slot_blocks:
        slot = by_start.get(utc_key(block.slot_start))
        if slot is None:
            continue
        if block.supplier_id is not None:
            subject = block.supplier.name if block.supplier else "?"
        elif block.table_no is not None:
            subject = table_label(day, block.table_no)
            blocked_cells.add((block.table_no, slot.index))
        else:
            subject = _("all tables")
            blocked_cells.update((n, slot.index) for n in range(1, day.tables + 1))
        blocks.append((block, f"{subject} · {slot.start.strftime('%H:%M')}"))
    tables = [(n, table_label(day, n)) for n in range(1, day.tables + 1)]
    return GridView(day, slots, tables, cells, waiting, requested, blocks, blocked_cells)


def meetings_for(session: Session, actor: User, now: dt.datetime | None = None) -> list[Meeting]:
    """The actor's organisation's meetings and requests, newest day first."""
    require_role(actor, Role.BUYER, Role.SUPPLIER)
    if expire_requests(session, now):
        session.commit()
    statement = (
        select(Meeting)
        .join(SupplierDay, SupplierDay.id == Meeting.supplier_day_id)
        .options(selectinload(Meeting.supplier), selectinload(Meeting.need))
        .order_by(SupplierDay.date.desc(), Meeting.slot_start, Meeting.id)
    )
    if actor.role == Role.BUYER.value:
        statement = statement.where(SupplierDay.buyer_id == actor.buyer_id)
    else:
        statement = statement.where(Meeting.supplier_id == actor.supplier_id)
    return list(session.scalars(statement))


@dataclass(frozen=True)
class AgendaItem:
    meeting_id: int
    day_id: int
    day_title: str
    buyer: str
    supplier: str
    supplier_id: int
    need: str
    table_no: int
    table_label: str
    start: dt.datetime
    end: dt.datetime
    status: str
    location: str
    video_link: str


def agenda_items(
    session: Session,
    day: SupplierDay,
    supplier_id: int | None = None,
    table_no: int | None = None,
) -> list[AgendaItem]:
    """The day's seated meetings in time order, optionally for one supplier or table."""
    slots = day_slots(day)
    zone = slots[0].start.tzinfo if slots else dt.UTC
    items = []
    for meeting in _confirmed(session, day):
        if meeting.slot_start is None or meeting.slot_end is None or meeting.table_no is None:
            continue
        if supplier_id is not None and meeting.supplier_id != supplier_id:
            continue
        if table_no is not None and meeting.table_no != table_no:
            continue
        label = table_label(day, meeting.table_no)
        if day.format == DayFormat.ONLINE.value:
            location = f"{label}: {day.video_link}"
        else:
            location = f"{day.venue}, {label}"
        items.append(
            AgendaItem(
                meeting_id=meeting.id,
                day_id=day.id,
                day_title=day.title,
                buyer=day.buyer.name,
                supplier=meeting.supplier.name,
                supplier_id=meeting.supplier_id,
                need=meeting.need.part_name if meeting.need else "",
                table_no=meeting.table_no,
                table_label=label,
                start=aware(meeting.slot_start).astimezone(zone),
                end=aware(meeting.slot_end).astimezone(zone),
                status=meeting.status,
                location=location,
                video_link=day.video_link,
            )
        )
    return sorted(items, key=lambda item: (item.start, item.table_no))


def agenda_for(
    session: Session,
    actor: User,
    day_id: int,
    supplier_id: int | None = None,
    table_no: int | None = None,
) -> tuple[SupplierDay, list[AgendaItem]]:
    """An agenda the actor may see: a supplier its own, a buyer its day's, staff any."""
    day = session.get(SupplierDay, day_id)
    if day is None:
        raise NotFound()
    if actor.role == Role.SUPPLIER.value:
        if day.status == DayStatus.DRAFT.value:
            raise NotFound()
        supplier_id = actor.supplier_id
    elif actor.role == Role.BUYER.value and day.buyer_id != actor.buyer_id:
        raise NotFound()
    return day, agenda_items(session, day, supplier_id=supplier_id, table_no=table_no)


def day_suppliers(session: Session, day: SupplierDay) -> Sequence[Supplier]:
    """Suppliers with an active meeting or request on the day (for staff forms)."""
    return session.scalars(
        select(Supplier)
        .join(Meeting, Meeting.supplier_id == Supplier.id)
        .where(Meeting.supplier_day_id == day.id, Meeting.status.in_(ACTIVE))
        .order_by(Supplier.name)
    ).all()


def agenda_for_user(session: Session, actor: User) -> list[AgendaItem]:
    """Every seated meeting of the actor's organisation, for its calendar feed."""
    if actor.role == Role.BUYER.value:
        condition = SupplierDay.buyer_id == actor.buyer_id
    elif actor.role == Role.SUPPLIER.value:
        condition = and_(
            Meeting.supplier_id == actor.supplier_id,
            SupplierDay.status != DayStatus.DRAFT.value,
        )
    else:
        return []
    day_ids = (
        select(Meeting.supplier_day_id)
        .join(SupplierDay, SupplierDay.id == Meeting.supplier_day_id)
        .where(condition, Meeting.slot_start.is_not(None))
    )
    days = session.scalars(
        select(SupplierDay).where(SupplierDay.id.in_(day_ids)).order_by(SupplierDay.date)
    ).all()
    supplier_id = actor.supplier_id if actor.role == Role.SUPPLIER.value else None
    return [item for day in days for item in agenda_items(session, day, supplier_id=supplier_id)]


def pair_meetings(session: Session, day_id: int) -> dict[int, Meeting]:
    """The day's meeting row per supplier id (any status)."""
    rows = session.scalars(select(Meeting).where(Meeting.supplier_day_id == day_id))
    return {meeting.supplier_id: meeting for meeting in rows}
