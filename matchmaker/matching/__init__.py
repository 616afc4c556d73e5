"""Supplier matching: a pure library (no Flask, no database).

    glossary = load_glossary(seed_dir / "glossary.json")
    index = MatchIndex.build(suppliers, glossary)       # cache it per catalogue version
    ranking = index.rank(need, limit=50)                # matches, then near misses
    why = index.explain(need, ["42"])                   # any supplier, listed or not
    index = index.with_suppliers(changed, removed_ids)  # next catalogue version, cheaply

Suppliers and needs are read through the bilingual glossary: structured fields (process
and material names from the taxonomy, in either or both languages) and free text alike.
"""

from .baseline import baseline_rank
from .glossary import Concept, Glossary, load_glossary
from .index import MatchIndex
from .types import (
    Certificate,
    Match,
    NeedDoc,
    Ranking,
    Requirement,
    SupplierDoc,
    TermContribution,
)

__all__ = [
    "Certificate",
    "Concept",
    "Glossary",
    "Match",
    "MatchIndex",
    "NeedDoc",
    "Ranking",
    "Requirement",
    "SupplierDoc",
    "TermContribution",
    "baseline_rank",
    "load_glossary",
]
