"""Plain data that goes into and comes out of the scheduler.

Everything here is frozen and free of Flask and the database: services turn rows into
these objects, call :func:`matchmaker.scheduling.schedule`, and store the answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

# Stable reason codes for a request the scheduler could not place, with the English
# text a page can show (the app may translate by code). ``Unplaced.detail`` adds the
# specifics (which table, which slots, which other request).
REASONS: Mapping[str, str] = MappingProxyType(
    {
        "duplicate_pair": "another request for the same buyer and supplier stands for this pair",
        "no_slots": "the day has no slots",
        "no_tables": "the buyer has no tables or video rooms on this day",
        "supplier_unavailable": "the supplier cannot attend any slot of the day",
        "buyer_unavailable": "the buyer cannot receive anyone in any slot of the day",
        "no_common_slot": "the supplier and the buyer have no slot they can both attend",
        "buyer_full": "all the buyer's tables are booked in every slot the supplier can attend",
        "supplier_busy": (
            "the supplier is in other meetings in every slot where the buyer has a free table"
        ),
        "no_common_free_slot": (
            "in every slot both can attend, the supplier is in another meeting "
            "or all the buyer's tables are booked"
        ),
        "locked_invalid": (
            "the locked meeting points to a table or slot that is not in the grid, "
            "or to another buyer's table"
        ),
        "locked_unavailable": (
            "the locked meeting falls in a slot the supplier, the buyer or the table cannot attend"
        ),
        "locked_conflict": "the locked meeting clashes with another locked meeting",
    }
)

# Reasons that depend on how the grid filled up (as opposed to the request's own data):
# a cancellation elsewhere can give such a request a place.
CAPACITY_REASONS: frozenset[str] = frozenset({"buyer_full", "supplier_busy", "no_common_free_slot"})


@dataclass(frozen=True)
class Slot:
    """One meeting slot of the day; ``start`` and ``end`` are timezone-aware.

    :func:`build_slots` gives them in the day's time zone, ready to show. Python
    compares and subtracts datetimes that share a tzinfo by wall clock, so on a day the
    clocks change use ``.astimezone(UTC)`` before comparing or measuring.
    """

    index: int
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError(f"slot {self.index}: start and end must be timezone-aware")
        if self.end.astimezone(UTC) <= self.start.astimezone(UTC):
            raise ValueError(f"slot {self.index}: end must be after start")


@dataclass(frozen=True)
class Table:
    """A table on site or a video room; it belongs to exactly one buyer."""

    id: str
    buyer_id: str
    label: str = ""


@dataclass(frozen=True)
class Request:
    """An accepted buyer–supplier pair that should meet once.

    ``priority``: higher is more important (see :func:`pair_priority`). Requests of
    equal priority keep the order in which they are given.
    """

    id: str
    buyer_id: str
    supplier_id: str
    priority: float = 0.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.priority):
            raise ValueError(f"request {self.id}: priority must be a finite number")


@dataclass(frozen=True)
class Placement:
    """A meeting: the request sits at ``table_id`` during the slot with ``slot_index``."""

    request_id: str
    table_id: str
    slot_index: int


@dataclass(frozen=True)
class Unplaced:
    """A request that got no meeting: ``reason`` is a key of :data:`REASONS`."""

    request_id: str
    reason: str
    detail: str = ""

    @property
    def text(self) -> str:
        """The reason as a sentence, with the specifics when there are any."""
        base = REASONS.get(self.reason, self.reason)
        return f"{base} ({self.detail})" if self.detail else base


def _frozen_map(value: Mapping[str, frozenset[int]]) -> Mapping[str, frozenset[int]]:
    return MappingProxyType({str(k): frozenset(v) for k, v in value.items()})


@dataclass(frozen=True)
class Problem:
    """Everything one scheduling run needs.

    Slot indices must follow the order of time (gaps in the numbering are fine).
    ``unavailable_*`` map a supplier id, a buyer id or a table id to the slot indices it
    cannot attend (indices that are not in ``slots`` are ignored). ``locked`` meetings
    are kept exactly where they are, or reported as unplaced with a ``locked_*`` reason.
    """

    slots: tuple[Slot, ...]
    tables: tuple[Table, ...]
    requests: tuple[Request, ...]
    unavailable_suppliers: Mapping[str, frozenset[int]] = field(default_factory=dict)
    unavailable_buyers: Mapping[str, frozenset[int]] = field(default_factory=dict)
    unavailable_tables: Mapping[str, frozenset[int]] = field(default_factory=dict)
    locked: tuple[Placement, ...] = ()

    def __post_init__(self) -> None:
        # Accept any sequence or mapping, but keep immutable copies: the engine relies
        # on the problem not changing under it.
        object.__setattr__(self, "slots", tuple(self.slots))
        object.__setattr__(self, "tables", tuple(self.tables))
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "locked", tuple(self.locked))
        for name in ("unavailable_suppliers", "unavailable_buyers", "unavailable_tables"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name)))
        _check_unique("slot index", [s.index for s in self.slots])
        _check_unique("table id", [t.id for t in self.tables])
        _check_unique("request id", [r.id for r in self.requests])
        known = {r.id for r in self.requests}
        seen: set[str] = set()
        for p in self.locked:
            if p.request_id not in known:
                raise ValueError(f"locked meeting for unknown request {p.request_id!r}")
            if p.request_id in seen:
                raise ValueError(f"request {p.request_id!r} is locked twice")
            seen.add(p.request_id)


def _check_unique(what: str, values: list[str] | list[int]) -> None:
    seen: set[str | int] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what}: {v!r}")
        seen.add(v)


@dataclass(frozen=True)
class Schedule:
    """The answer: meetings, requests left out with their reason, and idle gaps.

    ``placements`` are sorted by slot, then by table order; ``unplaced`` keep the order
    of ``Problem.requests``. ``idle_gaps`` is :func:`matchmaker.scheduling.idle_gaps`.
    """

    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    idle_gaps: int
