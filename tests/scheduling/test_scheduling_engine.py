"""The scheduler on small hand-made days: placement, reasons, locks, gaps, cancellations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.scheduling import (
    CAPACITY_REASONS,
    REASONS,
    Placement,
    Problem,
    Request,
    Schedule,
    Slot,
    Table,
    Unplaced,
    check_placement,
    first_fit,
    idle_gaps,
    next_waiting,
    schedule,
    validate,
)

NINE = datetime(2020, 11, 26, 9, tzinfo=UTC)


def grid(n: int) -> tuple[Slot, ...]:
    step = timedelta(minutes=30)
    return tuple(Slot(i, NINE + i * step, NINE + (i + 1) * step) for i in range(n))


def tables(**per_buyer: int) -> tuple[Table, ...]:
    return tuple(
        Table(f"{b}{k}", b, f"{b} table {k}") for b, n in per_buyer.items() for k in range(1, n + 1)
    )


def req(rid: str, buyer: str, supplier: str, priority: float = 0.0) -> Request:
    return Request(rid, buyer, supplier, priority)


def problem(
    n_slots: int,
    table_list: Sequence[Table],
    requests: Sequence[Request],
    *,
    away_suppliers: Mapping[str, frozenset[int]] | None = None,
    away_buyers: Mapping[str, frozenset[int]] | None = None,
    away_tables: Mapping[str, frozenset[int]] | None = None,
    locked: Sequence[Placement] = (),
) -> Problem:
    return Problem(
        slots=grid(n_slots),
        tables=tuple(table_list),
        requests=tuple(requests),
        unavailable_suppliers=away_suppliers or {},
        unavailable_buyers=away_buyers or {},
        unavailable_tables=away_tables or {},
        locked=tuple(locked),
    )


def solved(p: Problem) -> Schedule:
    result = schedule(p)
    assert validate(result, p) == []
    return result


def where(result: Schedule) -> dict[str, tuple[str, int]]:
    return {p.request_id: (p.table_id, p.slot_index) for p in result.placements}


def reasons(result: Schedule) -> dict[str, str]:
    return {u.request_id: u.reason for u in result.unplaced}


# -- placement ---------------------------------------------------------------------------


def test_parallel_tables_of_one_buyer_hold_meetings_in_the_same_slot() -> None:
    p = problem(1, tables(A=2), [req("r1", "A", "s1"), req("r2", "A", "s2")])

    assert where(solved(p)) == {"r1": ("A1", 0), "r2": ("A2", 0)}


def test_a_supplier_meeting_several_buyers_is_in_one_place_at_a_time_and_without_gaps() -> None:
    p = problem(4, tables(A=1, B=1, C=1), [req(f"r{b}", b, "s1") for b in "ABC"])
    result = solved(p)

    slots = sorted(slot for _, slot in where(result).values())
    assert len(slots) == 3
    assert slots == list(range(slots[0], slots[0] + 3))
    assert result.idle_gaps == 0


def test_higher_priority_pairs_get_the_scarce_slots() -> None:
    requests = [req(f"r{i}", "A", f"s{i}", priority=i) for i in range(5)]
    result = solved(problem(2, tables(A=1), requests))

    assert set(where(result)) == {"r4", "r3"}
    assert reasons(result) == {"r0": "buyer_full", "r1": "buyer_full", "r2": "buyer_full"}


def test_meetings_are_moved_along_to_make_room_where_first_fit_gives_up() -> None:
    # s2 can only come in slot 0; the more important r1 could sit anywhere.
    p = problem(
        2,
        tables(A=1),
        [req("r1", "A", "s1", 10), req("r2", "A", "s2", 5)],
        away_suppliers={"s2": frozenset({1})},
    )

    assert where(solved(p)) == {"r1": ("A1", 1), "r2": ("A1", 0)}
    baseline = first_fit(p)
    assert where(baseline) == {"r1": ("A1", 0)}
    assert reasons(baseline) == {"r2": "buyer_full"}


def test_a_chain_of_moves_across_buyers_opens_a_slot() -> None:
    # r3 needs A in slot 0, held by r1, whose supplier must then leave B's slot 1 to r2...
    p = problem(
        2,
        tables(A=1, B=1),
        [req("r1", "A", "s1", 9), req("r2", "B", "s1", 8), req("r3", "A", "s3", 1)],
        away_suppliers={"s3": frozenset({1})},
    )
    result = solved(p)

    assert where(result) == {"r1": ("A1", 1), "r2": ("B1", 0), "r3": ("A1", 0)}
    assert len(first_fit(p).placements) == 2


def test_idle_gaps_are_closed_by_swapping_with_a_meeting_of_the_same_buyer() -> None:
    p = problem(
        3,
        tables(A=1, B=1),
        [
            req("s1-A", "A", "s1", 10),
            req("s2-B", "B", "s2", 9),
            req("s3-B", "B", "s3", 8),
            req("s1-B", "B", "s1", 7),
        ],
    )
    baseline = first_fit(p)
    assert where(baseline)["s1-A"][1] == 0 and where(baseline)["s1-B"][1] == 2
    assert baseline.idle_gaps == 1

    result = solved(p)
    assert len(result.placements) == 4
    assert result.idle_gaps == 0


def test_the_same_problem_always_gives_the_same_schedule() -> None:
    requests = [req(f"r{i}", "AB"[i % 2], f"s{i % 5}", i % 3) for i in range(20)]
    p = problem(6, tables(A=2, B=1), requests, away_suppliers={"s1": frozenset({0, 1})})

    assert solved(p) == schedule(p)


def test_an_empty_day_gives_an_empty_schedule() -> None:
    assert solved(problem(3, tables(A=1), [])) == Schedule((), (), 0)


# -- reasons -----------------------------------------------------------------------------


def test_each_request_left_out_says_why() -> None:
    p = problem(
        3,
        (*tables(A=1, B=1, C=1, D=1), Table("E1", "E"), Table("E2", "E")),
        [
            req("unknown-buyer", "Z", "s1"),
            req("supplier-away", "A", "away"),
            req("buyer-away", "B", "s2"),
            req("tables-away", "E", "s2"),
            req("no-common", "C", "morning"),
            req("pair", "D", "s3", 5),
            req("pair-again", "D", "s3", 1),
        ],
        away_suppliers={"away": frozenset({0, 1, 2}), "morning": frozenset({1, 2})},
        away_buyers={"B": frozenset({0, 1, 2}), "C": frozenset({0})},
        away_tables={"E1": frozenset({0, 1, 2}), "E2": frozenset({0, 1, 2, 7})},
    )
    result = solved(p)

    assert reasons(result) == {
        "unknown-buyer": "no_tables",
        "supplier-away": "supplier_unavailable",
        "buyer-away": "buyer_unavailable",
        "tables-away": "buyer_unavailable",
        "no-common": "no_common_slot",
        "pair-again": "duplicate_pair",
    }
    assert set(where(result)) == {"pair"}
    by_id = {u.request_id: u for u in result.unplaced}
    assert by_id["pair-again"].detail == "see request 'pair'"
    assert "same buyer and supplier" in by_id["pair-again"].text
    assert all(u.reason in REASONS for u in result.unplaced)


def test_a_full_buyer_a_busy_supplier_and_a_mix_of_both_are_told_apart() -> None:
    p = problem(
        2,
        tables(A=1, B=1, C=1),
        [
            req("a1", "A", "s1", 9),
            req("a2", "A", "s2", 8),
            req("b1", "B", "s1", 7),
            req("c4", "C", "s4", 6),
            req("a-full", "A", "s3", 5),
            req("c-busy", "C", "s1", 4),
            req("b-mixed", "B", "s4", 3),
        ],
        # B is full in slot 0 and s4 is busy in slot 1: b-mixed has no free slot left.
        locked=[Placement("b1", "B1", 0), Placement("c4", "C1", 1)],
    )
    result = solved(p)

    assert set(where(result)) == {"a1", "a2", "b1", "c4"}
    assert reasons(result) == {
        "a-full": "buyer_full",
        "c-busy": "supplier_busy",
        "b-mixed": "no_common_free_slot",
    }
    assert set(reasons(result).values()) <= CAPACITY_REASONS
    mixed = next(u for u in result.unplaced if u.request_id == "b-mixed")
    assert "the buyer is full in 1 and the supplier busy in 1" in mixed.detail


def test_a_grid_without_slots_places_nobody_and_says_so() -> None:
    p = problem(0, tables(A=1), [req("r1", "A", "s1")])

    assert solved(p).unplaced == (Unplaced("r1", "no_slots", ""),)


# -- locks -------------------------------------------------------------------------------


def test_locked_meetings_stay_exactly_where_staff_put_them() -> None:
    lock = Placement("r1", "A2", 2)
    p = problem(3, tables(A=2), [req("r1", "A", "s1", 0), req("r2", "A", "s2", 9)], locked=[lock])
    result = solved(p)

    assert lock in result.placements
    assert where(result)["r2"][1] in {0, 1, 2}


def test_bad_locks_come_back_with_a_reason_and_are_never_moved() -> None:
    p = problem(
        3,
        tables(A=2, B=1),
        [
            req("good", "A", "s1", 1),
            req("same-table", "A", "s2", 0),
            req("same-supplier", "A", "s1", 0),
            req("other-buyer-table", "B", "s3"),
            req("no-table", "A", "s4"),
            req("no-slot", "A", "s5"),
            req("supplier-away", "A", "s6"),
            req("table-away", "A", "s7"),
            req("pair-again", "A", "s1", 0),
        ],
        away_suppliers={"s6": frozenset({1})},
        away_tables={"A2": frozenset({2})},
        locked=[
            Placement("same-table", "A1", 0),
            Placement("good", "A1", 0),
            Placement("same-supplier", "A2", 0),
            Placement("other-buyer-table", "A2", 1),
            Placement("no-table", "X9", 1),
            Placement("no-slot", "A1", 99),
            Placement("supplier-away", "A2", 1),
            Placement("table-away", "A2", 2),
        ],
    )
    result = solved(p)

    assert Placement("good", "A1", 0) in result.placements
    assert reasons(result) == {
        "same-table": "locked_conflict",
        "same-supplier": "locked_conflict",
        "other-buyer-table": "locked_invalid",
        "no-table": "locked_invalid",
        "no-slot": "locked_invalid",
        "supplier-away": "locked_unavailable",
        "table-away": "locked_unavailable",
        "pair-again": "duplicate_pair",
    }
    details = {u.request_id: u.detail for u in result.unplaced}
    assert details["same-table"] == "table 'A1' in slot 0 is locked for 'good'"
    assert details["same-supplier"] == "the pair is already locked as 'good'"


def test_a_locked_supplier_clash_between_different_buyers_is_reported() -> None:
    p = problem(
        2,
        tables(A=1, B=1),
        [req("a", "A", "s1", 2), req("b", "B", "s1", 1)],
        locked=[Placement("a", "A1", 0), Placement("b", "B1", 0)],
    )
    result = solved(p)

    assert where(result) == {"a": ("A1", 0)}
    assert result.unplaced == (
        Unplaced("b", "locked_conflict", "supplier 's1' is locked in 'a' in slot 0"),
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"requests": (req("r", "A", "s"), req("r", "A", "t"))}, "duplicate request id"),
        ({"tables": (Table("T", "A"), Table("T", "B"))}, "duplicate table id"),
        ({"locked": (Placement("nope", "T", 0),)}, "unknown request"),
        ({"locked": (Placement("r", "T", 0), Placement("r", "T", 1))}, "locked twice"),
    ],
)
def test_a_malformed_problem_is_refused(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "slots": grid(2),
        "tables": (Table("T", "A"),),
        "requests": (req("r", "A", "s"),),
    }
    with pytest.raises(ValueError, match=message):
        Problem(**{**base, **kwargs})  # type: ignore[arg-type]


def test_duplicate_slot_indices_and_bad_priorities_are_refused() -> None:
    twice = (grid(1)[0], grid(1)[0])
    with pytest.raises(ValueError, match="duplicate slot index"):
        Problem(slots=twice, tables=(), requests=())
    with pytest.raises(ValueError, match="finite"):
        Request("r", "A", "s", float("nan"))


# -- idle gaps ---------------------------------------------------------------------------


def test_idle_gaps_count_free_slots_between_a_suppliers_meetings_only() -> None:
    p = problem(
        6,
        tables(A=1, B=1, C=1),
        [
            req("a1", "A", "s1"),
            req("b1", "B", "s1"),
            req("c1", "C", "s1"),
            req("a2", "A", "s2"),
            req("b2", "B", "s2"),
        ],
        away_suppliers={"s2": frozenset({2, 3})},
    )
    placements = [
        Placement("a1", "A1", 0),
        Placement("b1", "B1", 2),  # one idle slot before
        Placement("c1", "C1", 5),  # two more
        Placement("a2", "A1", 1),
        Placement("b2", "B1", 4),  # slots 2 and 3 are away, not idle
    ]
    assert idle_gaps(placements, p) == 3


def test_slot_indices_with_holes_count_only_slots_in_the_grid() -> None:
    slots = tuple(s for s in grid(5) if s.index != 2)  # a break removed slot 2
    p = Problem(
        slots=slots,
        tables=tables(A=1, B=1),
        requests=(req("a", "A", "s"), req("b", "B", "s")),
    )

    assert idle_gaps([Placement("a", "A1", 1), Placement("b", "B1", 3)], p) == 0
    assert idle_gaps([Placement("a", "A1", 0), Placement("b", "B1", 3)], p) == 1


# -- checking ----------------------------------------------------------------------------


def test_validate_catches_every_kind_of_broken_grid() -> None:
    p = problem(
        3,
        tables(A=2, B=1),
        [req("a1", "A", "s1"), req("a2", "A", "s2"), req("b1", "B", "s1"), req("a3", "A", "s1")],
        away_suppliers={"s2": frozenset({2})},
        locked=[Placement("a1", "A1", 0)],
    )
    broken = Schedule(
        placements=(
            Placement("a1", "A1", 1),  # locked elsewhere
            Placement("a2", "A1", 1),  # same table, same slot
            Placement("b1", "B1", 1),  # s1 twice in slot 1
            Placement("a3", "A2", 2),  # s1 meets A twice
            Placement("a2", "A2", 2),  # placed twice, and s2 is away in slot 2
            Placement("ghost", "A1", 0),
        ),
        unplaced=(Unplaced("a3", "because"),),
        idle_gaps=7,
    )
    errors = "\n".join(validate(broken, p))

    for expected in [
        "request 'a2' is placed twice",
        "request 'a3' is both placed and unplaced",
        "unknown reason 'because'",
        "unknown request 'ghost'",
        "table 'A1' is taken in slot 1 by 'a1'",
        "supplier 's1' is in meeting 'a1' in slot 1",
        "already meet",
        "supplier 's2' is unavailable in slot 2",
        "locked request 'a1' was moved",
        "idle_gaps is 7",
    ]:
        assert expected in errors


def test_validate_wants_every_request_accounted_for_and_locks_explained() -> None:
    p = problem(2, tables(A=1), [req("a", "A", "s")], locked=[Placement("a", "A1", 0)])

    assert validate(Schedule((), (), 0), p) == [
        "request 'a' is neither placed nor unplaced",
        "locked request 'a' is dropped without a locked_* reason",
    ]


def test_check_placement_vets_a_move_by_staff() -> None:
    p = problem(
        3,
        tables(A=1, B=1),
        [req("a1", "A", "s1"), req("a2", "A", "s2"), req("b1", "B", "s1")],
        away_buyers={"A": frozenset({2})},
    )
    now = [Placement("a1", "A1", 0), Placement("a2", "A1", 1), Placement("b1", "B1", 2)]

    assert check_placement(p, now, Placement("a1", "A1", 0)) == []
    assert check_placement(p, now, Placement("a1", "A1", 1)) == [
        "table 'A1' is taken in slot 1 by 'a2'"
    ]
    assert check_placement(p, now, Placement("a1", "B1", 1)) == [
        "table 'B1' belongs to buyer 'B', not to buyer 'A'"
    ]
    assert check_placement(p, now, Placement("a1", "A1", 2)) == [
        "buyer 'A' is unavailable in slot 2",
        "supplier 's1' is in meeting 'b1' in slot 2",
    ]
    assert check_placement(p, now, Placement("a1", "Z", 9)) == [
        "unknown table 'Z'",
        "slot 9 is not in the grid",
    ]
    assert check_placement(p, now, Placement("x", "A1", 0)) == ["unknown request 'x'"]


# -- cancellations -----------------------------------------------------------------------


def cancellation_day() -> tuple[Problem, Schedule]:
    p = problem(
        2,
        tables(A=1, B=1),
        [
            req("a1", "A", "s1", 9),
            req("a2", "A", "s2", 8),
            req("b3", "B", "s3", 7),
            req("a3", "A", "s3", 6),  # waits: A is full
            req("a4", "A", "s4", 5),  # waits too, lower priority
            req("a1-again", "A", "s1", 9),  # duplicate of a1
        ],
    )
    return p, solved(p)


def test_a_cancelled_meeting_goes_to_the_best_waiting_pair_that_fits() -> None:
    p, result = cancellation_day()
    assert reasons(result) == {"a3": "buyer_full", "a4": "buyer_full", "a1-again": "duplicate_pair"}
    b3_slot = where(result)["b3"][1]
    a_at_b3 = next(x for x in result.placements if x.table_id == "A1" and x.slot_index == b3_slot)
    a_other = next(x for x in result.placements if x.table_id == "A1" and x != a_at_b3)

    # s3 is in its B meeting at the time of a_at_b3: a4 takes it instead of a3.
    assert next_waiting(p, result, a_at_b3) == Placement("a4", "A1", b3_slot)
    # The other slot: a3, the higher priority, fits.
    assert next_waiting(p, result, a_other) == Placement("a3", "A1", a_other.slot_index)


def test_nobody_is_offered_a_seat_that_is_not_free_or_does_not_exist() -> None:
    p, result = cancellation_day()
    b_meeting = next(x for x in result.placements if x.table_id == "B1")
    a_meeting = next(x for x in result.placements if x.table_id == "A1")

    # B has nobody waiting, and the cancelled request itself is not offered again.
    assert next_waiting(p, result, b_meeting) is None
    # A seat still held by another meeting is not free.
    still_held = Placement("someone-else", a_meeting.table_id, a_meeting.slot_index)
    assert next_waiting(p, result, still_held) is None
    assert next_waiting(p, result, Placement("a1", "nope", 0)) is None
    assert next_waiting(p, result, Placement("a1", "A1", 42)) is None


def test_cancel_then_rerun_keeps_the_locked_meetings_and_fills_the_freed_slot() -> None:
    p, result = cancellation_day()
    cancelled = next(x for x in result.placements if x.request_id == "a2")
    kept = tuple(x for x in result.placements if x != cancelled)
    again = Problem(
        slots=p.slots,
        tables=p.tables,
        requests=tuple(r for r in p.requests if r.id != "a2"),
        locked=kept,
    )
    rerun = solved(again)

    assert set(kept) <= set(rerun.placements)
    assert len(rerun.placements) == len(result.placements)
    assert next_waiting(p, result, cancelled) in rerun.placements
