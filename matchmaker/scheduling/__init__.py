"""The meeting scheduler of a Supplier Day: a pure library.

No Flask, no database: services turn rows into the frozen dataclasses below, call
:func:`schedule`, and store the answer. Everything is deterministic.

The grid
    ``build_slots(day, start, end, slot_minutes, breaks, tz) -> tuple[Slot, ...]`` cuts
    a day window into timezone-aware slots (index 0, 1, ... over the slots kept; slots
    that overlap a break are left out). ``Table(id, buyer_id, label)`` is a table on
    site or a video room; a buyer has one or more and holds one meeting per table and
    slot.

The input
    ``Request(id, buyer_id, supplier_id, priority)`` is an accepted pair; higher
    ``priority`` is more important (:func:`pair_priority` derives it from the buyer's
    priority and the match rank). ``Problem(slots, tables, requests,
    unavailable_suppliers, unavailable_buyers, unavailable_tables, locked)`` holds one
    day; ``unavailable_*`` map an id to the slot indices it cannot attend and
    ``locked`` are placements staff pinned. ``Problem`` raises ``ValueError`` on
    duplicate ids or slot indices and on locks of unknown or twice-locked requests.

The output
    ``schedule(problem) -> Schedule(placements, unplaced, idle_gaps)``:
    ``Placement(request_id, table_id, slot_index)`` per meeting and
    ``Unplaced(request_id, reason, detail)`` per request left out, where ``reason`` is
    a key of :data:`REASONS` (English text in ``REASONS[reason]`` or ``Unplaced.text``).
    No supplier and no table is in two places at once; nobody meets in a slot marked
    unavailable (a buyer's unavailability closes all its tables); a buyer–supplier pair
    meets at most once; locked meetings stay exactly where they are, or come back
    unplaced with a ``locked_*`` reason when they clash with each other, with
    unavailability or with the grid. Higher priority goes first; suppliers get few idle
    gaps (:func:`idle_gaps` defines them).

Staff operations
    *Move*: check with ``check_placement(problem, placements, moved) -> list[str]``
    (empty: fine), save, and usually lock it. *Lock*: pass it in ``Problem.locked`` of
    the next run. *Cancel*: drop the meeting, then
    ``next_waiting(problem, schedule, freed) -> Placement | None`` names the best
    waiting request that fits the freed table and slot. *Re-run*: ``schedule`` again
    with the locked meetings; unlocked meetings may move.

Checks
    ``validate(schedule, problem) -> list[str]`` is an independent checker (empty list:
    sound). ``first_fit(problem)`` is the plain baseline the benchmark compares with.
"""

from .check import check_placement, idle_gaps, validate
from .engine import first_fit, next_waiting, schedule
from .slots import build_slots, pair_priority
from .types import (
    CAPACITY_REASONS,
    REASONS,
    Placement,
    Problem,
    Request,
    Schedule,
    Slot,
    Table,
    Unplaced,
)

__all__ = [
    "CAPACITY_REASONS",
    "REASONS",
    "Placement",
    "Problem",
    "Request",
    "Schedule",
    "Slot",
    "Table",
    "Unplaced",
    "build_slots",
    "check_placement",
    "first_fit",
    "idle_gaps",
    "next_waiting",
    "pair_priority",
    "schedule",
    "validate",
]
