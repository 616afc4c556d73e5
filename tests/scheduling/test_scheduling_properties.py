"""Properties that hold for every day hypothesis can think of.

The priority property, as guaranteed: when a request waits for lack of room
(``CAPACITY_REASONS``), no placed, unlocked request of the same buyer with a strictly
lower priority sits at a table and slot the waiting request could take instead (its
supplier available and free then). Equal priorities may go either way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.scheduling import (
    CAPACITY_REASONS,
    Placement,
    Problem,
    Request,
    Schedule,
    Slot,
    Table,
    check_placement,
    first_fit,
    next_waiting,
    schedule,
    validate,
)

NINE = datetime(2020, 11, 26, 9, tzinfo=UTC)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


@st.composite
def problems(draw: st.DrawFn, with_locks: bool = True) -> Problem:
    n_slots = draw(st.integers(1, 7))
    # Slot indices need not start at 0 nor be contiguous (a break removed some).
    indices = sorted(draw(st.sets(st.integers(0, 12), min_size=n_slots, max_size=n_slots)))
    step = timedelta(minutes=20)
    slots = tuple(Slot(i, NINE + i * step, NINE + (i + 1) * step) for i in indices)
    buyers = [f"B{b}" for b in range(draw(st.integers(1, 3)))]
    tables = tuple(Table(f"{b}-T{k}", b) for b in buyers for k in range(draw(st.integers(0, 3))))
    suppliers = [f"S{s}" for s in range(draw(st.integers(1, 6)))]
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from([*buyers, "ghost"])
                if draw(st.booleans())
                else st.sampled_from(buyers),
                st.sampled_from(suppliers),
                st.integers(0, 4),
            ),
            max_size=22,
        )
    )
    requests = tuple(Request(f"R{i}", b, s, float(pr)) for i, (b, s, pr) in enumerate(pairs))
    some_slots = st.frozensets(st.sampled_from([*indices, 99]), max_size=n_slots)

    def away(ids: list[str]) -> dict[str, frozenset[int]]:
        chosen = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
        return {i: draw(some_slots) for i in chosen}

    locked: tuple[Placement, ...] = ()
    if with_locks and requests:
        locked_ids = draw(
            st.lists(st.sampled_from([r.id for r in requests]), unique=True, max_size=5)
        )
        table_ids = [t.id for t in tables] or ["no-such-table"]
        locked = tuple(
            Placement(
                rid,
                draw(st.sampled_from(table_ids)),
                draw(
                    st.sampled_from([*indices, 99])
                    if draw(st.booleans())
                    else st.sampled_from(indices)
                ),
            )
            for rid in locked_ids
        )
    return Problem(
        slots=slots,
        tables=tables,
        requests=requests,
        unavailable_suppliers=away(suppliers),
        unavailable_buyers=away(buyers),
        unavailable_tables=away([t.id for t in tables]),
        locked=locked,
    )


def waiting_for_room(result: Schedule) -> list[str]:
    return [u.request_id for u in result.unplaced if u.reason in CAPACITY_REASONS]


@SETTINGS
@given(problems())
def test_every_grid_is_sound(problem: Problem) -> None:
    # validate: no table or supplier double booked, availability respected, one meeting
    # per pair, locks kept or explained, every request placed or unplaced exactly once.
    for algorithm in (schedule, first_fit):
        result = algorithm(problem)
        assert validate(result, problem) == []
        assert len(result.placements) + len(result.unplaced) == len(problem.requests)


@SETTINGS
@given(problems())
def test_schedule_is_deterministic(problem: Problem) -> None:
    copy = Problem(
        slots=problem.slots,
        tables=problem.tables,
        requests=problem.requests,
        unavailable_suppliers=dict(problem.unavailable_suppliers),
        unavailable_buyers=dict(problem.unavailable_buyers),
        unavailable_tables=dict(problem.unavailable_tables),
        locked=problem.locked,
    )
    assert schedule(problem) == schedule(copy)


@SETTINGS
@given(problems())
def test_nobody_waits_for_room_that_is_free(problem: Problem) -> None:
    result = schedule(problem)
    requests = {r.id: r for r in problem.requests}
    for rid in waiting_for_room(result):
        for table in problem.tables:
            if table.buyer_id != requests[rid].buyer_id:
                continue
            for slot in problem.slots:
                seat = Placement(rid, table.id, slot.index)
                assert check_placement(problem, result.placements, seat), seat


@SETTINGS
@given(problems())
def test_a_waiting_request_never_loses_to_a_lower_priority_one_it_could_replace(
    problem: Problem,
) -> None:
    result = schedule(problem)
    requests = {r.id: r for r in problem.requests}
    locked = {p.request_id for p in problem.locked}
    for rid in waiting_for_room(result):
        mine = requests[rid]
        for placed in result.placements:
            theirs = requests[placed.request_id]
            if (
                theirs.buyer_id != mine.buyer_id
                or theirs.priority >= mine.priority
                or theirs.id in locked
            ):
                continue
            others = [p for p in result.placements if p != placed]
            swap = Placement(rid, placed.table_id, placed.slot_index)
            assert check_placement(problem, others, swap), (rid, placed)


@SETTINGS
@given(problems(with_locks=False), st.data())
def test_rerunning_with_locked_meetings_keeps_them_all(
    problem: Problem, data: st.DataObject
) -> None:
    first = schedule(problem)
    keep = tuple(p for p in first.placements if data.draw(st.booleans()))
    again = Problem(
        slots=problem.slots,
        tables=problem.tables,
        requests=problem.requests,
        unavailable_suppliers=problem.unavailable_suppliers,
        unavailable_buyers=problem.unavailable_buyers,
        unavailable_tables=problem.unavailable_tables,
        locked=keep,
    )
    second = schedule(again)

    assert validate(second, again) == []
    assert set(keep) <= set(second.placements)
    assert not any(u.reason.startswith("locked_") for u in second.unplaced)


@SETTINGS
@given(problems(), st.data())
def test_a_freed_seat_goes_to_the_best_waiting_request_that_fits(
    problem: Problem, data: st.DataObject
) -> None:
    result = schedule(problem)
    if not result.placements:
        return
    freed = data.draw(st.sampled_from(result.placements))
    rest = [p for p in result.placements if p != freed]
    offer = next_waiting(problem, result, freed)
    requests = {r.id: r for r in problem.requests}
    table_buyer = {t.id: t.buyer_id for t in problem.tables}

    fitting = [
        rid
        for rid in waiting_for_room(result)
        if requests[rid].buyer_id == table_buyer[freed.table_id]
        and not check_placement(problem, rest, Placement(rid, freed.table_id, freed.slot_index))
    ]
    if not fitting:
        assert offer is None
        return
    assert offer is not None
    assert (offer.table_id, offer.slot_index) == (freed.table_id, freed.slot_index)
    assert offer.request_id in fitting
    assert requests[offer.request_id].priority == max(requests[r].priority for r in fitting)
    assert check_placement(problem, rest, offer) == []
