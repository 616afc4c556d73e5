"""The slot grid of a day, and the priority of a pair."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .types import Slot


def _instant(day: date, wall: time, tz: tzinfo) -> datetime:
    # Wall-clock time on the day in tz, as a UTC instant. A wall time that does not
    # exist (skipped by a DST jump) resolves as PEP 495 says for fold=0: it is read
    # with the offset before the jump, so it lands just after the jump.
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def _label(t: time) -> str:
    return t.strftime("%H:%M")


def build_slots(
    day: date,
    start: time,
    end: time,
    slot_minutes: int,
    breaks: Sequence[tuple[time, time]],
    tz: tzinfo,
) -> tuple[Slot, ...]:
    """Cut the day window into slots of ``slot_minutes``, leaving out those that touch a break.

    ``start``, ``end`` and the breaks are wall-clock times (without tzinfo) in ``tz``.
    Slots run back to back from ``start``; a slot that overlaps a break is left out and
    the grid does not shift after it; a last slot that would run past ``end`` is left
    out. Every slot lasts exactly ``slot_minutes`` of real time, also on a day when the
    clocks change. Indices run 0, 1, 2, ... over the slots kept. Raises ``ValueError``
    with a message fit for staff when the window or a break makes no sense.
    """
    if slot_minutes <= 0:
        raise ValueError(
            f"The slot length must be a positive number of minutes, not {slot_minutes}."
        )
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is not None:
            raise ValueError(f"The day {name} must be a wall-clock time without a time zone.")
    if end <= start:
        raise ValueError(
            f"The day window must end after it starts ({_label(start)}–{_label(end)})."
        )
    first = _instant(day, start, tz)
    last = _instant(day, end, tz)
    length = timedelta(minutes=slot_minutes)
    if last - first < length:
        window = int((last - first).total_seconds() // 60)
        raise ValueError(
            f"A {slot_minutes}-minute slot does not fit in the day window "
            f"{_label(start)}–{_label(end)} ({window} minutes)."
        )
    pauses: list[tuple[datetime, datetime]] = []
    for b_start, b_end in breaks:
        if b_start.tzinfo is not None or b_end.tzinfo is not None:
            raise ValueError("Break times must be wall-clock times without a time zone.")
        if b_end <= b_start:
            raise ValueError(
                f"A break must end after it starts ({_label(b_start)}–{_label(b_end)})."
            )
        pauses.append((_instant(day, b_start, tz), _instant(day, b_end, tz)))

    slots: list[Slot] = []
    cursor = first
    while cursor + length <= last:
        nxt = cursor + length
        if not any(p_start < nxt and cursor < p_end for p_start, p_end in pauses):
            slots.append(Slot(len(slots), cursor.astimezone(tz), nxt.astimezone(tz)))
        cursor = nxt
    if not slots:
        raise ValueError("The breaks leave no slot in the day window.")
    return tuple(slots)


def pair_priority(match_rank: int | None, buyer_priority: int = 0) -> float:
    """Combine a buyer's priority for a pair and the supplier's match rank into one number.

    ``buyer_priority`` is a small whole number set by the buyer or staff (0 normal,
    1 high, 2 must meet, ...) and always wins; within the same buyer priority a better
    (smaller, 1-based) match rank wins; a pair with no rank comes last.
    """
    if match_rank is not None and match_rank < 1:
        raise ValueError(f"match rank is 1-based, got {match_rank}")
    rank_part = 0.0 if match_rank is None else 1.0 / (1.0 + match_rank)
    return float(buyer_priority) + rank_part
