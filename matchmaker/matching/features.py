"""What the engine reads out of one supplier or need: tokens per field and concepts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .glossary import Candidate, Glossary, Hit
from .text import Token, fold
from .types import NeedDoc, SupplierDoc

# Joins list fields so that no glossary form spans two entries.
JOIN = " | "

CONCEPT_PREFIX = "~"
LIST_FIELDS = frozenset({"processes", "materials"})
# Fields whose entries repeat across a catalogue (taxonomy names), worth caching; names and
# descriptions are one of a kind.
_CACHED_FIELDS = frozenset({"processes", "materials"})
# Whole-text cues (trading, "не производим") are looked for in prose, not in material lists.
_NO_TEXT_PATTERNS = frozenset({"materials"})

# A concept named only in free text weighs a little less than one in a structured field.
FIELD_STRENGTH = {
    "processes": 1.0,
    "materials": 1.0,
    "part_name": 1.0,
    "products": 1.0,
    "description": 0.9,
    "name": 0.8,
    "customers": 0.6,
}
# How much an actor cue ("дилер", "consulting") counts by where it stands: a company's
# own list of processes says what it does; a description also names what it does not.
_ACTOR_FIELD_WEIGHT = {"processes": 1.0, "name": 0.7, "description": 0.5, "products": 0.5}

# Press or machine force: "усилием 350–2700 тс", "1,300-1,600 t", "presses up to 3,500 t".
_TONNAGE = re.compile(
    r"(\d{1,2}[ \u00a0,]?\d{3}|\d{2,4})(?:\s*(?:[-–—]|до|to)\s*(\d{1,2}[ \u00a0,]?\d{3}|\d{2,4}))?"
    r"\s*(?:тс|тонн\w*|т\b|t\b|tons?\b|tonnes?\b)"
)
# A digit before a unit of force: texts without one (most) skip the expression above.
_TONNAGE_UNIT = re.compile(r"\d\s*(?:тс|тонн|т\b|t\b|ton)")
HIGH_TONNAGE = 1000
# Distinct wordings of one kind of company counted per field.
_CUES_PER_FIELD = 3
# Press forces are stated in the free text or the process list.
_TONNAGE_FIELDS = ("processes", "description", "part_name", "products")
_WORD_PRIORITY = {"processes": 0, "materials": 1, "part_name": 2, "description": 3, "name": 6}
_SURFACE_PRIORITY = {"processes": 0, "materials": 1, "part_name": 2, "products": 2}


@dataclass(frozen=True)
class DocFeatures:
    """Normalized evidence from one document."""

    fields: Mapping[str, tuple[str, ...]]  # field → normalized, non-negated tokens
    words: Mapping[str, tuple[str, ...]]  # field → the same words as written
    concepts: Mapping[str, float]  # concept id → strength (1 = named in a structured field)
    # Concept id → fields where it is named directly (not only implied by a narrower one).
    direct_fields: Mapping[str, AbstractSet[str]]
    negated: frozenset[str]  # concepts named only under a negation
    spans: Mapping[str, tuple[str, int, int]]  # token or concept token → (field, start, end)
    texts: Mapping[str, str]  # the fields as given
    material_classes: frozenset[str]
    actors: Mapping[str, float]  # actor concept → weighted count of cues
    max_tonnage: int

    def surface(self, term: str, default: str = "") -> str:
        """How the text itself writes a token or concept token (first or best mention)."""
        span = self.spans.get(term)
        if span is None:
            return default
        fname, start, end = span
        return self.texts[fname][start:end]


def supplier_fields(s: SupplierDoc) -> dict[str, str]:
    return {
        "name": s.name,
        "processes": JOIN.join(s.processes),
        "materials": JOIN.join(s.materials),
        "description": s.description,
        "products": s.products,
        "customers": s.customers,
    }


def need_fields(n: NeedDoc) -> dict[str, str]:
    return {
        "part_name": n.part_name,
        "processes": JOIN.join(n.processes),
        "materials": JOIN.join(n.materials),
        "description": n.description,
    }


def max_tonnage(text: str) -> int:
    if not _TONNAGE_UNIT.search(text):
        return 0
    best = 0
    for m in _TONNAGE.finditer(text):
        for g in m.groups():
            if g:
                value = int(re.sub(r"\D", "", g))
                if value <= 100_000:
                    best = max(best, value)
    return best


def _segments(fname: str, text: str) -> list[tuple[int, str]]:
    """(offset, text) pieces of a field: list fields entry by entry, others whole."""
    if fname not in LIST_FIELDS or JOIN not in text:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    pos = 0
    for entry in text.split(JOIN):
        out.append((pos, entry))
        pos += len(entry) + len(JOIN)
    return out


def analyze(fields: Mapping[str, str], glossary: Glossary) -> DocFeatures:
    """Tokenize each field and find the glossary's concepts in it."""
    # field → [(offset, tokens, candidates)], and the hits of each piece; list fields are
    # read entry by entry, which a catalogue repeats a lot (taxonomy names), so the
    # glossary caches them.
    segs: dict[str, list[tuple[int, list[Token], list[Candidate]]]] = {}
    pieces_hits: dict[str, list[list[Hit]]] = {}
    for k, v in fields.items():
        if v:
            cache = k in _CACHED_FIELDS
            read = [(off, glossary.scan(t, cache)) for off, t in _segments(k, v) if t]
            segs[k] = [(off, toks, cands) for off, (toks, cands, _) in read]
            # A piece with ambiguous (context) forms is read again below, once the text's
            # material classes are known.
            pieces_hits[k] = [scan.hits for _, scan in read]
    # What a company works (or a part is made of) is best told by its materials list; the
    # free text also names inserts, tooling and customers' materials.
    classes = _material_classes(
        glossary, (h for hs in pieces_hits.get("materials", ()) for h in hs)
    )
    if not classes:
        classes = _material_classes(
            glossary, (h for ph in pieces_hits.values() for hs in ph for h in hs)
        )
    if classes:
        for k, pieces in segs.items():
            for n, (_, toks, cands) in enumerate(pieces):
                if any(c[2].context_class for c in cands):
                    pieces_hits[k][n] = glossary.resolve(toks, cands, classes)
    raw_hits: dict[str, list[Hit]] = {}
    for k, pieces in segs.items():
        hits: list[Hit] = []
        for (off, _, _), piece_hits in zip(pieces, pieces_hits[k], strict=True):
            if off:
                hits.extend(h._replace(start=h.start + off, end=h.end + off) for h in piece_hits)
            else:
                hits.extend(piece_hits)
        raw_hits[k] = hits
    concepts: dict[str, float] = {}
    direct: dict[str, set[str]] = {}
    negated: set[str] = set()
    spans: dict[str, tuple[str, int, int]] = {}
    actors: dict[str, float] = {}
    cue_seen: dict[tuple[str, str], set[str]] = {}

    def cue(cid: str, fname: str, surface: str) -> None:
        # Distinct wordings count, repeats do not: a moulder that mentions "pellets" three
        # times is not a trader; a company that says "дилер", "со склада" and "оптом" is.
        seen = cue_seen.setdefault((cid, fname), set())
        said = surface.lower()
        if said in seen or len(seen) >= _CUES_PER_FIELD:
            return
        seen.add(said)
        w = _ACTOR_FIELD_WEIGHT.get(fname, 0.3) * glossary.concepts[cid].weight
        actors[cid] = actors.get(cid, 0.0) + w

    # Explanations quote a concept as the structured fields name it, else the longest mention.
    ordered = sorted(raw_hits.items(), key=lambda kv: _SURFACE_PRIORITY.get(kv[0], 9))
    for fname, hits in ordered:
        strength = FIELD_STRENGTH.get(fname, 0.9)
        for h in hits:
            concept = glossary.concepts[h.concept]
            if concept.negated_only:
                # A cue that counts only when denied ("деталей не производим").
                if not h.negated:
                    continue
            elif h.negated:
                negated.add(h.concept)
                continue
            if concept.family == "actor":
                cue(h.concept, fname, h.surface)
                continue
            direct.setdefault(h.concept, set()).add(fname)
            for cid in (h.concept, *glossary.ancestors(h.concept)):
                if strength > concepts.get(cid, 0.0):
                    concepts[cid] = strength
                key = CONCEPT_PREFIX + cid
                old = spans.get(key)
                if old is None or (old[0] == fname and h.end - h.start > old[2] - old[1]):
                    spans[key] = (fname, h.start, h.end)
    folded_fields = {k: fold(v) for k, v in fields.items() if v}
    for fname, folded in folded_fields.items():
        if fname in _NO_TEXT_PATTERNS:
            continue
        for cid, phrase in glossary.find_in_text(folded):
            c = glossary.concepts[cid]
            if c.family == "actor":
                cue(cid, fname, phrase)
            elif cid not in concepts:
                concepts[cid] = FIELD_STRENGTH.get(fname, 0.9)
                direct.setdefault(cid, set()).add(fname)
        if fname == "name":
            for cid in glossary.find_in_name(folded):
                cue(cid, fname, "")
    tonnage = max(
        (max_tonnage(folded_fields[k]) for k in _TONNAGE_FIELDS if k in folded_fields), default=0
    )
    if tonnage >= HIGH_TONNAGE and "high_tonnage" in glossary.concepts:
        concepts.setdefault("high_tonnage", 1.0)
        direct.setdefault("high_tonnage", set()).add("description")
    # Derived concepts (large moulding = moulding + high tonnage), to a fixed point.
    while True:
        new = glossary.derived(set(concepts))
        if not new:
            break
        for cid in new:
            parts = [c for combo in glossary.concepts[cid].derive for c in combo if c in concepts]
            concepts[cid] = min(concepts[c] for c in parts) if parts else 0.9
            fields_of = set().union(*(direct.get(c, set()) for c in parts)) if parts else set()
            direct[cid] = fields_of
            for a in glossary.ancestors(cid):
                concepts.setdefault(a, concepts[cid])
    field_tokens: dict[str, tuple[str, ...]] = {}
    field_words: dict[str, tuple[str, ...]] = {}
    # Words are quoted from the structured fields first, the company name last.
    for fname, pieces in sorted(segs.items(), key=lambda kv: _WORD_PRIORITY.get(kv[0], 5)):
        norms: list[str] = []
        words: list[str] = []
        last = -1
        for off, toks, _ in pieces:
            for t in toks:
                if t.negated:
                    continue
                norms.append(t.norm)
                if t.norm not in spans:
                    spans[t.norm] = (fname, t.start + off, t.end + off)
                if t.start + off != last:
                    words.append(t.surface)
                    last = t.start + off
        field_tokens[fname] = tuple(norms)
        field_words[fname] = tuple(words)
    return DocFeatures(
        fields=field_tokens,
        words=field_words,
        concepts=concepts,
        direct_fields=direct,
        negated=frozenset(negated - set(concepts)),
        texts=fields,
        spans=spans,
        material_classes=classes,
        actors=actors,
        max_tonnage=tonnage,
    )


def _material_classes(glossary: Glossary, hits: Iterable[Hit]) -> frozenset[str]:
    out: set[str] = set()
    for h in hits:
        if h.negated:
            continue
        c = glossary.concepts[h.concept]
        if c.family != "material":
            continue
        if c.material_class:
            out.add(c.material_class)
    return frozenset(out)
