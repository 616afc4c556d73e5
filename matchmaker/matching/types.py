"""Plain data that goes into and comes out of the matching engine.

The engine is a pure library: no Flask, no database. Services turn rows into these
frozen dataclasses and store the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple


@dataclass(frozen=True)
class Certificate:
    """A certificate as the supplier states it.

    ``standard`` is the text the supplier typed or picked ("IATF 16949:2016",
    "ISO 9001 — внедрение", "VDA 6.3 process audit - B (2023)"); ``valid_until``
    is the expiry date when known.
    """

    standard: str
    valid_until: date | None = None
    number: str = ""


@dataclass(frozen=True)
class SupplierDoc:
    """A supplier's capability profile, in the supplier's own words."""

    id: str
    name: str
    description: str = ""
    processes: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    certifications: tuple[Certificate, ...] = ()
    products: str = ""
    customers: str = ""
    region: str = ""


@dataclass(frozen=True)
class NeedDoc:
    """A buyer's localization need (one part line)."""

    id: str
    part_name: str
    description: str = ""
    part_number: str = ""
    processes: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    required_certifications: tuple[str, ...] = ()
    # Certificates must be valid on this date (the Supplier Day); None means today.
    on_date: date | None = None


# What comes out is made by the tens of thousands per batch (about 65 explained suppliers
# per need, each with its terms): named tuples, cheap to make and to pickle.


class TermContribution(NamedTuple):
    """One term that pushed a supplier up, in both texts' own words."""

    term: str  # the normalized token or concept id
    need_text: str  # how the need says it ("die casting")
    supplier_text: str  # how the supplier says it ("литьё под давлением")
    weight: float  # share of the score, 0..1


class Requirement(NamedTuple):
    """One requirement of the need and whether the supplier meets it."""

    kind: str  # "certification" | "process" | "material"
    label: str  # human label, e.g. "IATF 16949" or "die casting"
    met: bool
    detail: str = ""  # e.g. "expired 2022-03-01", "in implementation"


class Match(NamedTuple):
    """A supplier's place in a need's ranking, with the reasons."""

    supplier_id: str
    score: float  # 0..1, comparable within one need
    rank: int  # 1-based, within its list (ranked or near misses)
    terms: tuple[TermContribution, ...] = ()
    concepts: tuple[str, ...] = ()  # matched concept labels, e.g. "hpdc", "aluminium"
    requirements: tuple[Requirement, ...] = ()

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.met)


@dataclass(frozen=True)
class Ranking:
    """The answer for one need: suppliers that pass the gates, and near misses."""

    need_id: str
    matches: tuple[Match, ...] = field(default_factory=tuple)
    near_misses: tuple[Match, ...] = field(default_factory=tuple)
