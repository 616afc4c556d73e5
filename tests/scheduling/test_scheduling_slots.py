"""The slot grid: build_slots, Slot, pair_priority."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from matchmaker.scheduling import Slot, build_slots, pair_priority

SAMARA = ZoneInfo("Europe/Samara")
DAY = date(2020, 11, 26)


def hhmm(slot: Slot) -> str:
    return f"{slot.start:%H:%M}-{slot.end:%H:%M}"


def length(slot: Slot) -> timedelta:
    # Same-tzinfo subtraction is wall-clock arithmetic in Python; measure in UTC.
    return slot.end.astimezone(UTC) - slot.start.astimezone(UTC)


def test_a_plain_morning_is_cut_into_aware_back_to_back_slots() -> None:
    slots = build_slots(DAY, time(9), time(12), 30, [], SAMARA)

    assert [s.index for s in slots] == [0, 1, 2, 3, 4, 5]
    assert [hhmm(s) for s in slots][:2] == ["09:00-09:30", "09:30-10:00"]
    assert hhmm(slots[-1]) == "11:30-12:00"
    assert all(s.start.tzinfo is SAMARA and length(s) == timedelta(minutes=30) for s in slots)
    assert slots[0].start.utcoffset() == timedelta(hours=4)
    assert slots[0].start == datetime(2020, 11, 26, 5, 0, tzinfo=UTC)


def test_slots_that_touch_a_break_are_left_out_and_the_grid_does_not_shift() -> None:
    slots = build_slots(DAY, time(9), time(13), 30, [(time(10, 15), time(10, 45))], SAMARA)

    assert [hhmm(s) for s in slots] == [
        "09:00-09:30",
        "09:30-10:00",
        "11:00-11:30",
        "11:30-12:00",
        "12:00-12:30",
        "12:30-13:00",
    ]
    assert [s.index for s in slots] == [0, 1, 2, 3, 4, 5]


def test_a_break_that_only_touches_a_slot_edge_or_lies_outside_the_window_removes_nothing() -> None:
    breaks = [(time(10), time(11)), (time(7), time(8)), (time(19), time(20))]
    slots = build_slots(DAY, time(9), time(12), 60, breaks, SAMARA)

    assert [hhmm(s) for s in slots] == ["09:00-10:00", "11:00-12:00"]


def test_a_last_slot_that_would_run_past_the_window_is_left_out() -> None:
    slots = build_slots(DAY, time(9), time(10, 45), 30, [], SAMARA)

    assert [hhmm(s) for s in slots] == ["09:00-09:30", "09:30-10:00", "10:00-10:30"]


def test_a_whole_window_of_one_slot_is_fine() -> None:
    assert len(build_slots(DAY, time(9), time(9, 20), 20, [], SAMARA)) == 1


@pytest.mark.parametrize(
    ("start", "end", "minutes", "breaks", "message"),
    [
        (time(9), time(9), 30, [], "must end after it starts"),
        (time(12), time(9), 30, [], "must end after it starts"),
        (time(9), time(12), 0, [], "positive number of minutes"),
        (time(9), time(12), -15, [], "positive number of minutes"),
        (time(9), time(9, 20), 30, [], "does not fit in the day window"),
        (time(9), time(12), 30, [(time(11), time(10))], "break must end after it starts"),
        (time(9), time(12), 30, [(time(8), time(13))], "leave no slot"),
        (time(9, tzinfo=UTC), time(12), 30, [], "without a time zone"),
        (time(9), time(12), 30, [(time(10, tzinfo=UTC), time(11))], "without a time zone"),
    ],
)
def test_a_bad_window_is_refused_with_a_clear_message(
    start: time, end: time, minutes: int, breaks: list[tuple[time, time]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_slots(DAY, start, end, minutes, breaks, SAMARA)


def test_slots_last_the_real_slot_length_when_the_clocks_go_forward() -> None:
    # Samara kept DST until 2010: on 2009-03-29 at 02:00 the clocks jumped to 03:00.
    slots = build_slots(date(2009, 3, 29), time(1), time(5), 60, [], SAMARA)

    assert [hhmm(s) for s in slots] == ["01:00-03:00", "03:00-04:00", "04:00-05:00"]
    assert [s.start.utcoffset() for s in slots] == [
        timedelta(hours=4),
        timedelta(hours=5),
        timedelta(hours=5),
    ]
    assert all(length(s) == timedelta(hours=1) for s in slots)


def test_slots_last_the_real_slot_length_when_the_clocks_go_back() -> None:
    # On 2009-10-25 Samara went from 03:00 (+05) back to 02:00 (+04): 01:00-04:00 is 4 h.
    slots = build_slots(date(2009, 10, 25), time(1), time(4), 60, [], SAMARA)

    assert [hhmm(s) for s in slots] == [
        "01:00-02:00",
        "02:00-02:00",
        "02:00-03:00",
        "03:00-04:00",
    ]
    assert [s.start.utcoffset() for s in slots] == [
        timedelta(hours=5),
        timedelta(hours=5),
        timedelta(hours=4),
        timedelta(hours=4),
    ]
    assert all(length(s) == timedelta(hours=1) for s in slots)
    assert slots[-1].end == datetime(2009, 10, 25, 0, 0, tzinfo=UTC)


def test_a_slot_must_be_timezone_aware_and_end_after_it_starts() -> None:
    naive = datetime(2020, 11, 26, 9)
    aware = naive.replace(tzinfo=SAMARA)
    with pytest.raises(ValueError, match="timezone-aware"):
        Slot(0, naive, naive + timedelta(minutes=30))
    with pytest.raises(ValueError, match="end must be after start"):
        Slot(0, aware, aware)


def test_pair_priority_puts_buyer_priority_first_then_the_better_rank() -> None:
    ordered = [
        pair_priority(1, 2),
        pair_priority(50, 2),
        pair_priority(None, 2),
        pair_priority(1, 1),
        pair_priority(1),
        pair_priority(2),
        pair_priority(1000),
        pair_priority(None),
    ]
    assert ordered == sorted(ordered, reverse=True)
    assert len(set(ordered)) == len(ordered)
    with pytest.raises(ValueError, match="1-based"):
        pair_priority(0)
