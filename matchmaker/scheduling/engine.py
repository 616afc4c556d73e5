"""The placement engine: :func:`schedule`, the :func:`first_fit` baseline and :func:`next_waiting`.

How :func:`schedule` works, in order:

1. Locked meetings are checked and kept (a bad one is reported, never moved).
2. Each buyer–supplier pair keeps one request (locked first, then highest priority).
3. Requests that can never meet (no tables, nobody available, no common slot) are set
   aside with their reason.
4. Greedy, highest priority first (fewest feasible slots first among equal priorities):
   each request takes the free slot that adds the fewest idle gaps to its supplier,
   preferring slots next to which the supplier's later requests still fit. When no
   slot is free, an augmenting search moves already placed meetings along a chain
   (never unplacing one) to open a slot.
5. Gap repair: a meeting moves to a free table in a better slot, or swaps slots with a
   meeting of the same buyer, whenever that lowers the total idle gaps.
6. Settling: every request still waiting takes any slot that opened up; one that
   outranks a placed request of the same buyer takes that request's place when its
   supplier is free then (the loser waits again). Steps 5 and 6 repeat a few times;
   the run always ends with step 6.

Within a slot a buyer's tables are interchangeable, so the engine thinks in "free
tables of buyer b in slot t" and gives each meeting the first free table in the order
of ``Problem.tables``.
"""

from __future__ import annotations

from .check import check_placement, idle_gaps
from .types import CAPACITY_REASONS, Placement, Problem, Schedule, Unplaced

_FREE = -1
_ROUNDS = 4  # gap repair + settling rounds; each later round rarely changes anything
_AUGMENT_DEPTH = 6
_AUGMENT_BUDGET = 150  # evictions tried per request; bounds the run time


class _Grid:
    """Working state of one run: who sits at which table in which slot."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        slots = sorted(problem.slots, key=lambda s: s.index)
        self.index_at = [s.index for s in slots]
        self.pos_of = {s.index: pos for pos, s in enumerate(slots)}
        n = self.n = len(slots)

        reqs = self.reqs = problem.requests
        self.req_at = {r.id: i for i, r in enumerate(reqs)}
        self.prio = [r.priority for r in reqs]

        buyer_ids: dict[str, int] = {}
        for t in problem.tables:
            buyer_ids.setdefault(t.buyer_id, len(buyer_ids))
        for r in reqs:
            buyer_ids.setdefault(r.buyer_id, len(buyer_ids))
        supplier_ids: dict[str, int] = {}
        for r in reqs:
            supplier_ids.setdefault(r.supplier_id, len(supplier_ids))
        self.buyer_name = list(buyer_ids)
        self.supplier_name = list(supplier_ids)
        self.r_buy = [buyer_ids[r.buyer_id] for r in reqs]
        self.r_sup = [supplier_ids[r.supplier_id] for r in reqs]
        self.sup_reqs: list[list[int]] = [[] for _ in supplier_ids]
        for i, s in enumerate(self.r_sup):
            self.sup_reqs[s].append(i)

        self.table_at_id = {t.id: k for k, t in enumerate(problem.tables)}
        self.t_buy = [buyer_ids[t.buyer_id] for t in problem.tables]
        self.buyer_tables: list[list[int]] = [[] for _ in buyer_ids]
        for k, b in enumerate(self.t_buy):
            self.buyer_tables[b].append(k)

        def usable(away: frozenset[int]) -> list[bool]:
            return [index not in away for index in self.index_at]

        empty: frozenset[int] = frozenset()
        buyer_ok = [usable(problem.unavailable_buyers.get(b, empty)) for b in buyer_ids]
        self.table_ok = [
            [
                ok and b_ok
                for ok, b_ok in zip(
                    usable(problem.unavailable_tables.get(t.id, empty)),
                    buyer_ok[self.t_buy[k]],
                    strict=True,
                )
            ]
            for k, t in enumerate(problem.tables)
        ]
        self.sup_ok = [usable(problem.unavailable_suppliers.get(s, empty)) for s in supplier_ids]
        # prefix[s][p] = slots the supplier can attend among the first p: idle gaps in O(1).
        self.sup_prefix: list[list[int]] = []
        for ok in self.sup_ok:
            acc = [0]
            for flag in ok:
                acc.append(acc[-1] + flag)
            self.sup_prefix.append(acc)
        self.buyer_cap = [
            [sum(self.table_ok[k][pos] for k in tables) for pos in range(n)]
            for tables in self.buyer_tables
        ]

        self.table_at = [[_FREE] * n for _ in problem.tables]
        self.sup_at = [[_FREE] * n for _ in supplier_ids]
        self.free = [list(caps) for caps in self.buyer_cap]  # free tables per buyer and slot
        self.sup_slots: list[set[int]] = [set() for _ in supplier_ids]
        self.where: list[tuple[int, int] | None] = [None] * len(reqs)
        self.locked = [False] * len(reqs)
        # Requests out of the race, with their reason: bad locks, duplicates, impossible.
        self.fixed: dict[int, tuple[str, str]] = {}

    # -- moves ------------------------------------------------------------------------

    def place(self, r: int, table: int, pos: int) -> None:
        s = self.r_sup[r]
        self.table_at[table][pos] = r
        self.sup_at[s][pos] = r
        self.free[self.t_buy[table]][pos] -= 1
        self.sup_slots[s].add(pos)
        self.where[r] = (table, pos)

    def unplace(self, r: int) -> tuple[int, int]:
        spot = self.where[r]
        assert spot is not None
        table, pos = spot
        s = self.r_sup[r]
        self.table_at[table][pos] = _FREE
        self.sup_at[s][pos] = _FREE
        self.free[self.t_buy[table]][pos] += 1
        self.sup_slots[s].discard(pos)
        self.where[r] = None
        return spot

    def free_table(self, b: int, pos: int) -> int:
        for k in self.buyer_tables[b]:
            if self.table_ok[k][pos] and self.table_at[k][pos] == _FREE:
                return k
        return _FREE

    def can_sit(self, r: int, pos: int) -> bool:
        s = self.r_sup[r]
        return (
            self.sup_ok[s][pos]
            and self.sup_at[s][pos] == _FREE
            and self.free[self.r_buy[r]][pos] > 0
        )

    def gaps(self, s: int, positions: set[int] | list[int]) -> int:
        if len(positions) < 2:
            return 0
        lo, hi = min(positions), max(positions)
        prefix = self.sup_prefix[s]
        return prefix[hi + 1] - prefix[lo] - len(positions)

    def total_gaps(self) -> int:
        return sum(self.gaps(s, slots) for s, slots in enumerate(self.sup_slots))

    # -- set-up shared by both algorithms -----------------------------------------------

    def prepare(self) -> list[int]:
        """Keep locked meetings, drop duplicate pairs and hopeless requests.

        Returns the requests still in the race, in problem order.
        """
        reqs = self.reqs
        pair_owner: dict[tuple[int, int], int] = {}
        lock_order = sorted(
            range(len(self.problem.locked)),
            key=lambda j: (-self.prio[self.req_at[self.problem.locked[j].request_id]], j),
        )
        for j in lock_order:
            lock = self.problem.locked[j]
            r = self.req_at[lock.request_id]
            pair = (self.r_buy[r], self.r_sup[r])
            if pair in pair_owner:
                other = reqs[pair_owner[pair]].id
                self.fixed[r] = ("locked_conflict", f"the pair is already locked as {other!r}")
                continue
            pair_owner[pair] = r
            problem = self._lock_problem(r, lock)
            if problem is not None:
                self.fixed[r] = problem
                continue
            self.place(r, self.table_at_id[lock.table_id], self.pos_of[lock.slot_index])
            self.locked[r] = True

        by_priority = sorted(range(len(reqs)), key=lambda i: (-self.prio[i], i))
        for r in by_priority:
            if r in self.fixed or self.locked[r]:
                continue
            pair = (self.r_buy[r], self.r_sup[r])
            if pair in pair_owner:
                other = reqs[pair_owner[pair]].id
                self.fixed[r] = ("duplicate_pair", f"see request {other!r}")
                continue
            pair_owner[pair] = r
            hopeless = self._static_problem(r)
            if hopeless is not None:
                self.fixed[r] = hopeless
        return [r for r in range(len(reqs)) if r not in self.fixed and not self.locked[r]]

    def _lock_problem(self, r: int, lock: Placement) -> tuple[str, str] | None:
        req = self.reqs[r]
        table = self.table_at_id.get(lock.table_id)
        pos = self.pos_of.get(lock.slot_index)
        if table is None:
            return ("locked_invalid", f"table {lock.table_id!r} is not in the grid")
        if pos is None:
            return ("locked_invalid", f"slot {lock.slot_index} is not in the grid")
        if self.t_buy[table] != self.r_buy[r]:
            owner = self.buyer_name[self.t_buy[table]]
            return ("locked_invalid", f"table {lock.table_id!r} belongs to buyer {owner!r}")
        s = self.r_sup[r]
        slot = lock.slot_index
        if not self.sup_ok[s][pos]:
            return ("locked_unavailable", f"supplier {req.supplier_id!r} is away in slot {slot}")
        if not self.table_ok[table][pos]:
            return (
                "locked_unavailable",
                f"buyer {req.buyer_id!r} or table {lock.table_id!r} is away in slot {slot}",
            )
        if self.table_at[table][pos] != _FREE:
            other = self.reqs[self.table_at[table][pos]].id
            return (
                "locked_conflict",
                f"table {lock.table_id!r} in slot {slot} is locked for {other!r}",
            )
        if self.sup_at[s][pos] != _FREE:
            other = self.reqs[self.sup_at[s][pos]].id
            return (
                "locked_conflict",
                f"supplier {req.supplier_id!r} is locked in {other!r} in slot {slot}",
            )
        return None

    def _static_problem(self, r: int) -> tuple[str, str] | None:
        req = self.reqs[r]
        b, s = self.r_buy[r], self.r_sup[r]
        if self.n == 0:
            return ("no_slots", "")
        if not self.buyer_tables[b]:
            return ("no_tables", f"buyer {req.buyer_id!r}")
        if not any(self.sup_ok[s]):
            return ("supplier_unavailable", f"supplier {req.supplier_id!r}")
        if not any(self.buyer_cap[b]):
            return ("buyer_unavailable", f"buyer {req.buyer_id!r} and all its tables")
        if not any(ok and cap for ok, cap in zip(self.sup_ok[s], self.buyer_cap[b], strict=True)):
            return (
                "no_common_slot",
                f"supplier {req.supplier_id!r} and buyer {req.buyer_id!r}",
            )
        return None

    # -- the answer ---------------------------------------------------------------------

    def result(self) -> Schedule:
        placements: list[tuple[int, int, Placement]] = []
        for r, spot in enumerate(self.where):
            if spot is not None:
                table, pos = spot
                placement = Placement(
                    self.reqs[r].id, self.problem.tables[table].id, self.index_at[pos]
                )
                placements.append((pos, table, placement))
        placements.sort(key=lambda item: (item[0], item[1]))
        unplaced = []
        for r, req in enumerate(self.reqs):
            if self.where[r] is not None:
                continue
            reason, detail = self.fixed.get(r) or self._capacity_reason(r)
            unplaced.append(Unplaced(req.id, reason, detail))
        ordered = tuple(p for _, _, p in placements)
        return Schedule(ordered, tuple(unplaced), idle_gaps(ordered, self.problem))

    def _capacity_reason(self, r: int) -> tuple[str, str]:
        req = self.reqs[r]
        b, s = self.r_buy[r], self.r_sup[r]
        both = [pos for pos in range(self.n) if self.sup_ok[s][pos] and self.buyer_cap[b][pos]]
        full = sum(1 for pos in both if self.free[b][pos] == 0)
        busy = sum(1 for pos in both if self.sup_at[s][pos] != _FREE)
        who = f"supplier {req.supplier_id!r}, buyer {req.buyer_id!r}"
        if full == len(both):
            return ("buyer_full", f"{who}: booked in all {len(both)} slots both can attend")
        if busy == len(both):
            return ("supplier_busy", f"{who}: supplier busy in all {len(both)} slots")
        return (
            "no_common_free_slot",
            f"{who}: of {len(both)} slots both can attend, the buyer is full in {full} "
            f"and the supplier busy in {busy}",
        )


class _Scheduler(_Grid):
    """The good algorithm; see the module docstring."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.in_race: list[int] = []  # requests competing for seats, in placement order
        self.pending: set[int] = set()  # of those, the ones the greedy pass has not reached

    def run(self) -> Schedule:
        waiting = self.prepare()
        feasible = {
            r: sum(
                1
                for pos in range(self.n)
                if self.sup_ok[self.r_sup[r]][pos] and self.buyer_cap[self.r_buy[r]][pos]
            )
            for r in waiting
        }
        order = sorted(waiting, key=lambda r: (-self.prio[r], feasible[r], r))
        self.pending = set(order)
        self.in_race = order
        for r in order:
            self.pending.discard(r)
            if not self.place_best(r):
                self.augment(r)
        # settle() runs until nothing changes, so the grid is settled after each round.
        for _ in range(_ROUNDS):
            self.improve_gaps()
            if not self.settle():
                break
        return self.result()

    # -- choosing a slot ----------------------------------------------------------------

    def place_best(self, r: int) -> bool:
        """Put ``r`` in its best free slot, if there is one."""
        pos = self.best_slot(r)
        if pos is None:
            return False
        self.place(r, self.free_table(self.r_buy[r], pos), pos)
        return True

    def best_slot(self, r: int) -> int | None:
        s, b = self.r_sup[r], self.r_buy[r]
        mine = self.sup_slots[s]
        base = self.gaps(s, mine)
        later = [q for q in self.sup_reqs[s] if q in self.pending]
        best: tuple[int, int, int, int] | None = None
        best_pos = None
        for pos in range(self.n):
            if not self.can_sit(r, pos):
                continue
            delta = self.gaps(s, [*mine, pos]) - base
            room = self._room_next_to(s, pos, later) if later else 0
            key = (delta, -room, -self.free[b][pos], pos)
            if best is None or key < best:
                best, best_pos = key, pos
        return best_pos

    def _room_next_to(self, s: int, pos: int, later: list[int]) -> int:
        """How many of the supplier's later requests could still sit right next to ``pos``."""
        near = [
            p
            for p in (pos - 1, pos + 1)
            if 0 <= p < self.n and self.sup_ok[s][p] and self.sup_at[s][p] == _FREE
        ]
        return sum(1 for q in later if any(self.free[self.r_buy[q]][p] > 0 for p in near))

    # -- augmenting chains --------------------------------------------------------------

    def augment(self, r: int) -> bool:
        """Place ``r`` by moving placed meetings along a chain; nobody loses a meeting."""
        s, b = self.r_sup[r], self.r_buy[r]
        # Moves never create capacity: without a free table of the buyer somewhere, or a
        # free slot of the supplier somewhere, no chain can help.
        if not any(self.free[b]):
            return False
        if not any(
            ok and who == _FREE for ok, who in zip(self.sup_ok[s], self.sup_at[s], strict=True)
        ):
            return False
        budget = [_AUGMENT_BUDGET]
        return self._relocate(r, _AUGMENT_DEPTH, {r}, budget)

    def _relocate(self, r: int, depth: int, visited: set[int], budget: list[int]) -> bool:
        """Seat the unseated ``r``, evicting and re-seating others; undo all on failure."""
        if self.place_best(r):
            return True
        if depth == 0:
            return False
        s, b = self.r_sup[r], self.r_buy[r]
        for pos in range(self.n):
            if not self.sup_ok[s][pos] or not self.buyer_cap[b][pos]:
                continue
            blocker = self.sup_at[s][pos]
            if blocker != _FREE:
                if self.free[b][pos] == 0:
                    continue  # two blockers: not worth a branch
                victims = [(blocker, self.free_table(b, pos))]
            else:
                victims = [
                    (self.table_at[k][pos], k)
                    for k in self.buyer_tables[b]
                    if self.table_ok[k][pos]
                ]
            for m, table in victims:
                if m in visited or self.locked[m]:
                    continue
                if budget[0] <= 0:
                    return False
                budget[0] -= 1
                visited.add(m)
                home = self.unplace(m)
                self.place(r, table, pos)
                if self._relocate(m, depth - 1, visited, budget):
                    return True
                self.unplace(r)
                self.place(m, *home)
        return False

    # -- fewer idle gaps ----------------------------------------------------------------

    def improve_gaps(self) -> None:
        """Move or swap meetings while that lowers the total idle gaps."""
        improved = True
        while improved:
            improved = False
            for s in range(len(self.sup_slots)):
                while self.gaps(s, self.sup_slots[s]) > 0 and self._improve_supplier(s):
                    improved = True

    def _improve_supplier(self, s: int) -> bool:
        mine = self.sup_slots[s]
        base = self.gaps(s, mine)
        best: tuple[int, int, int] | None = None
        best_move: tuple[int, int, int] | None = None  # (meeting, target slot, partner or -1)
        for pos in sorted(mine):
            m = self.sup_at[s][pos]
            if self.locked[m]:
                continue
            b = self.r_buy[m]
            rest = [p for p in mine if p != pos]
            for target in range(self.n):
                if (
                    target == pos
                    or not self.sup_ok[s][target]
                    or self.sup_at[s][target] != _FREE
                    or not self.buyer_cap[b][target]
                ):
                    continue
                delta = self.gaps(s, [*rest, target]) - base
                if delta >= 0:
                    continue
                if self.free[b][target] > 0:
                    key = (delta, 0, target)
                    if best is None or key < best:
                        best, best_move = key, (m, target, _FREE)
                    continue
                for k in self.buyer_tables[b]:
                    other = self.table_at[k][target]
                    if other == _FREE or self.locked[other]:
                        continue
                    s2 = self.r_sup[other]
                    if not self.sup_ok[s2][pos] or self.sup_at[s2][pos] != _FREE:
                        continue
                    theirs = self.sup_slots[s2]
                    moved = [p for p in theirs if p != target] + [pos]
                    total = delta + self.gaps(s2, moved) - self.gaps(s2, theirs)
                    if total < 0:
                        key = (total, 1, target)
                        if best is None or key < best:
                            best, best_move = key, (m, target, other)
        if best_move is None:
            return False
        m, target, other = best_move
        if other == _FREE:
            self.unplace(m)
            self.place(m, self.free_table(self.r_buy[m], target), target)
        else:
            home = self.unplace(m)
            away = self.unplace(other)
            self.place(m, *away)
            self.place(other, *home)
        return True

    # -- settling -----------------------------------------------------------------------

    def settle(self) -> bool:
        """Seat waiting requests where room opened; let them outrank lower placed ones."""
        changed_any = False
        changed = True
        while changed:
            changed = False
            waiting = [r for r in self.in_race if self.where[r] is None]
            for r in waiting:
                if self.where[r] is not None:
                    continue
                if self.place_best(r) or self.augment(r) or self._outrank(r):
                    changed = changed_any = True
        return changed_any

    def _outrank(self, r: int) -> bool:
        """Take the seat of the lowest-priority placed request of the same buyer."""
        s, b = self.r_sup[r], self.r_buy[r]
        mine = self.sup_slots[s]
        base = self.gaps(s, mine)
        best: tuple[float, int, int] | None = None
        best_seat: tuple[int, int, int] | None = None
        for pos in range(self.n):
            if not self.sup_ok[s][pos] or self.sup_at[s][pos] != _FREE:
                continue
            for k in self.buyer_tables[b]:
                other = self.table_at[k][pos]
                if other == _FREE or self.locked[other] or self.prio[other] >= self.prio[r]:
                    continue
                key = (self.prio[other], self.gaps(s, [*mine, pos]) - base, -other)
                if best is None or key < best:
                    best, best_seat = key, (other, k, pos)
        if best_seat is None:
            return False
        other, k, pos = best_seat
        self.unplace(other)
        self.place(r, k, pos)
        return True


class _FirstFit(_Grid):
    def run(self) -> Schedule:
        for r in self.prepare():
            b = self.r_buy[r]
            for pos in range(self.n):
                if self.can_sit(r, pos):
                    self.place(r, self.free_table(b, pos), pos)
                    break
        return self.result()


def schedule(problem: Problem) -> Schedule:
    """Place as many requests as possible, highest priority first, with few idle gaps.

    Deterministic: the same problem always gives the same schedule. Guarantees (checked
    by :func:`matchmaker.scheduling.validate` in the tests): no table or supplier is in
    two places at once, nobody meets when unavailable, each pair meets at most once,
    locked meetings are kept or reported, every request is placed or unplaced with a
    reason. On top: no waiting request fits a free table, and no waiting request could
    take the seat of a placed, lower-priority request of the same buyer.
    """
    return _Scheduler(problem).run()


def first_fit(problem: Problem) -> Schedule:
    """Place requests in the given order, each at the first free table in the first slot.

    The plain baseline for the benchmark; locks, duplicate pairs and reasons are handled
    as in :func:`schedule`.
    """
    return _FirstFit(problem).run()


def next_waiting(problem: Problem, schedule: Schedule, freed: Placement) -> Placement | None:
    """After a cancellation: the best waiting request that fits the freed table and slot.

    ``freed`` is the cancelled meeting; it is ignored if still in ``schedule`` and its
    request is never offered again. Candidates are requests unplaced for lack of room
    (``CAPACITY_REASONS``) of the table's buyer whose supplier can attend and is free
    then; the highest priority wins, then the order of ``Problem.requests``. Returns
    ``None`` when nobody fits or the table and slot are not free.
    """
    placements = [p for p in schedule.placements if p != freed and p.request_id != freed.request_id]
    table = next((t for t in problem.tables if t.id == freed.table_id), None)
    if table is None or all(s.index != freed.slot_index for s in problem.slots):
        return None
    if any(p.table_id == freed.table_id and p.slot_index == freed.slot_index for p in placements):
        return None
    requests = {r.id: (i, r) for i, r in enumerate(problem.requests)}
    best: tuple[float, int] | None = None
    chosen: Placement | None = None
    for u in schedule.unplaced:
        if u.reason not in CAPACITY_REASONS or u.request_id == freed.request_id:
            continue
        found = requests.get(u.request_id)
        if found is None or found[1].buyer_id != table.buyer_id:
            continue
        i, req = found
        key = (-req.priority, i)
        if best is not None and key >= best:
            continue
        candidate = Placement(req.id, table.id, freed.slot_index)
        if not check_placement(problem, placements, candidate):
            best, chosen = key, candidate
    return chosen
