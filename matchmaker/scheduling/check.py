"""Measures and independent checks of a grid.

This module does not share code with the engine on purpose: tests use
:func:`validate` to catch the engine's mistakes, and the app uses
:func:`check_placement` before it saves a meeting that staff moved by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .types import REASONS, Placement, Problem, Schedule


def _positions(problem: Problem) -> dict[int, int]:
    return {s.index: pos for pos, s in enumerate(sorted(problem.slots, key=lambda s: s.index))}


def idle_gaps(placements: Iterable[Placement], problem: Problem) -> int:
    """Count the idle slots of all suppliers.

    For each supplier: the slots of the grid strictly between its first and its last
    meeting in which it has no meeting and is not marked unavailable. Slots left out of
    the grid (breaks) do not count, so a lunch break is not an idle gap. Placements of
    unknown requests or slots are ignored.
    """
    pos_of = _positions(problem)
    order = sorted(pos_of, key=pos_of.__getitem__)
    supplier_of = {r.id: r.supplier_id for r in problem.requests}
    taken: dict[str, set[int]] = defaultdict(set)
    for p in placements:
        supplier = supplier_of.get(p.request_id)
        if supplier is not None and p.slot_index in pos_of:
            taken[supplier].add(pos_of[p.slot_index])
    total = 0
    for supplier, positions in taken.items():
        away = problem.unavailable_suppliers.get(supplier, frozenset())
        for pos in range(min(positions) + 1, max(positions)):
            if pos not in positions and order[pos] not in away:
                total += 1
    return total


def check_placement(
    problem: Problem, placements: Iterable[Placement], candidate: Placement
) -> list[str]:
    """Say why ``candidate`` cannot join ``placements``; an empty list means it can.

    A placement of the same request in ``placements`` is ignored, so this also checks a
    move. Checks the table, the slot, the buyer of the table, availability, double
    booking of the table and the supplier, and a second meeting for the same pair.
    """
    requests = {r.id: r for r in problem.requests}
    tables = {t.id: t for t in problem.tables}
    slot_ids = {s.index for s in problem.slots}
    request = requests.get(candidate.request_id)
    if request is None:
        return [f"unknown request {candidate.request_id!r}"]
    problems: list[str] = []
    table = tables.get(candidate.table_id)
    slot = candidate.slot_index
    if table is None:
        problems.append(f"unknown table {candidate.table_id!r}")
    elif table.buyer_id != request.buyer_id:
        problems.append(
            f"table {table.id!r} belongs to buyer {table.buyer_id!r}, "
            f"not to buyer {request.buyer_id!r}"
        )
    if slot not in slot_ids:
        problems.append(f"slot {slot} is not in the grid")
    if slot in problem.unavailable_suppliers.get(request.supplier_id, frozenset()):
        problems.append(f"supplier {request.supplier_id!r} is unavailable in slot {slot}")
    if slot in problem.unavailable_buyers.get(request.buyer_id, frozenset()):
        problems.append(f"buyer {request.buyer_id!r} is unavailable in slot {slot}")
    if slot in problem.unavailable_tables.get(candidate.table_id, frozenset()):
        problems.append(f"table {candidate.table_id!r} is unavailable in slot {slot}")
    for other in placements:
        if other.request_id == candidate.request_id:
            continue
        theirs = requests.get(other.request_id)
        if other.slot_index == slot and other.table_id == candidate.table_id:
            problems.append(
                f"table {candidate.table_id!r} is taken in slot {slot} by {other.request_id!r}"
            )
        if theirs is None:
            continue
        if other.slot_index == slot and theirs.supplier_id == request.supplier_id:
            problems.append(
                f"supplier {request.supplier_id!r} is in meeting {other.request_id!r} "
                f"in slot {slot}"
            )
        if (theirs.buyer_id, theirs.supplier_id) == (request.buyer_id, request.supplier_id):
            problems.append(
                f"buyer {request.buyer_id!r} and supplier {request.supplier_id!r} "
                f"already meet ({other.request_id!r})"
            )
    return problems


def validate(schedule: Schedule, problem: Problem) -> list[str]:
    """List everything wrong with ``schedule`` for ``problem``; empty when it is sound.

    Checks: every request is placed or unplaced exactly once; placements point to known
    tables and slots of the right buyer; no table, supplier or pair is double booked;
    nobody meets in a slot they cannot attend; locked meetings are kept exactly or
    reported with a ``locked_*`` reason; reasons are known; ``idle_gaps`` is right.
    """
    errors: list[str] = []
    requests = {r.id: r for r in problem.requests}
    placed: dict[str, Placement] = {}
    for p in schedule.placements:
        if p.request_id in placed:
            errors.append(f"request {p.request_id!r} is placed twice")
        placed[p.request_id] = p
    unplaced: dict[str, str] = {}
    for u in schedule.unplaced:
        if u.request_id in unplaced:
            errors.append(f"request {u.request_id!r} is unplaced twice")
        if u.request_id in placed:
            errors.append(f"request {u.request_id!r} is both placed and unplaced")
        if u.reason not in REASONS:
            errors.append(f"request {u.request_id!r} has an unknown reason {u.reason!r}")
        unplaced[u.request_id] = u.reason
    for rid in list(placed) + list(unplaced):
        if rid not in requests:
            errors.append(f"unknown request {rid!r} in the schedule")
    for rid in requests:
        if rid not in placed and rid not in unplaced:
            errors.append(f"request {rid!r} is neither placed nor unplaced")

    kept = [p for p in schedule.placements if p.request_id in requests]
    for i, p in enumerate(kept):
        # Each conflict is reported once: only against earlier placements.
        errors.extend(f"{p.request_id!r}: {msg}" for msg in check_placement(problem, kept[:i], p))

    for lock in problem.locked:
        got = placed.get(lock.request_id)
        if got is None:
            if not unplaced.get(lock.request_id, "").startswith("locked_"):
                errors.append(
                    f"locked request {lock.request_id!r} is dropped without a locked_* reason"
                )
        elif got != lock:
            errors.append(f"locked request {lock.request_id!r} was moved")

    expected = idle_gaps(schedule.placements, problem)
    if schedule.idle_gaps != expected:
        errors.append(f"idle_gaps is {schedule.idle_gaps}, the placements give {expected}")
    return errors
