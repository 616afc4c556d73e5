"""The bilingual glossary: concepts with Russian and English forms, and how to find them.

A concept is a process, material, part kind, certification or kind of company
("trader", "tool maker") that both Russian and English texts name in many ways.
Finding concepts in both texts is what lets "литьё алюминия под давлением" meet
"pressure-cast light-alloy" and what the structured fit is scored on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .text import CYR_TO_LAT, Analyzer, Token, fold

FAMILIES = ("process", "material", "part", "certification", "actor", "sector", "attribute")
# Words a form may skip between its own words ("литьё [алюминия] под давлением").
MAX_GAP = 2


@dataclass(frozen=True)
class Concept:
    """One glossary entry."""

    id: str
    family: str
    label_en: str
    label_ru: str
    forms_ru: tuple[str, ...] = ()
    forms_en: tuple[str, ...] = ()
    abbr: tuple[str, ...] = ()
    # Regular expressions over single normalized tokens, for grades ("ak\d+").
    patterns: tuple[str, ...] = ()
    # Broader concepts this one implies (hpdc → casting, ak12 → aluminium).
    parents: tuple[str, ...] = ()
    # Sibling processes that earn partial credit (gravity casting ~ die casting).
    related: tuple[str, ...] = ()
    # process: "core" (makes the part) or "secondary" (finishing, heat treatment, testing).
    role: str = ""
    # material: "metal" | "plastic" | "elastomer" | "electrical" | ...
    material_class: str = ""
    # Forms that only count when the text also names a material of this class
    # ("литьё под давлением" is die casting with metals, injection moulding with plastics).
    context_class: str = ""
    context_forms: tuple[str, ...] = ()
    # Processes whose material must match for it to count (rule: material-bound).
    material_bound: bool = False
    # Actor concepts: how strongly they suggest that the company makes no parts.
    weight: float = 1.0
    # Literal phrases looked for in the whole lower-cased text ("со склада"), for cues that
    # stop words would hide from token forms; `name_patterns` are regular expressions over
    # the company name only ("…Трейд", "… Trading").
    phrases: tuple[str, ...] = ()
    name_patterns: tuple[str, ...] = ()
    # A broad word ("steel", "plastics") rather than a material family.
    generic: bool = False
    # Added when all concepts of one of these sets are present (large moulding = moulding
    # + high tonnage).
    derive: tuple[tuple[str, ...], ...] = ()
    # Counts only where the text denies it ("деталей не производим" says: makes no parts).
    negated_only: bool = False
    # HS-2022 headings the concept corresponds to (documentation, vocabulary provenance).
    hs: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.label_en or self.label_ru or self.id


class Hit(NamedTuple):
    """A concept found in a text."""

    concept: str
    surface: str  # the words as written
    start: int  # character offsets
    end: int
    negated: bool = False


@dataclass(frozen=True, slots=True)
class _Form:
    concept: str
    seq: tuple[str, ...]
    family: str
    context_class: str = ""
    rest: frozenset[str] = frozenset()  # the words after the first
    # Written in capitals only: a short abbreviation that is also a word ("ГАЗ" the car
    # maker, "газ" the welding gas; "ПАЗ", "паз" a groove).
    capitals: bool = False


# Abbreviations this short (letters) count only where the text writes them in capitals.
_SHORT_ABBR = 3


# (−length, first token index, form, token indexes) of one form occurrence.
Candidate = tuple[int, int, _Form, list[int]]


class Scan(NamedTuple):
    """A text read against the glossary."""

    tokens: list[Token]
    candidates: list[Candidate]  # every form occurrence, longest first
    hits: list[Hit]  # the occurrences chosen when no material context is known


# Texts up to this length are cached by `Glossary.scan` (list entries, names, short needs).
_SCAN_CACHE_MAX_LEN = 200
_SCAN_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class Glossary:
    """Concepts plus compiled lookup tables. Immutable; build with `Glossary.from_concepts`."""

    concepts: Mapping[str, Concept]
    analyzer: Analyzer = field(compare=False, repr=False)
    _by_first: Mapping[str, tuple[_Form, ...]] = field(compare=False, repr=False)
    _patterns: tuple[tuple[re.Pattern[str], str], ...] = field(compare=False, repr=False)
    _ancestors: Mapping[str, tuple[str, ...]] = field(compare=False, repr=False)
    _phrases: tuple[tuple[str, str], ...] = field(compare=False, repr=False)
    _name_patterns: tuple[tuple[re.Pattern[str], str], ...] = field(compare=False, repr=False)
    _derive: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = field(compare=False, repr=False)
    _patterns_any: tuple[re.Pattern[str], int] = field(compare=False, repr=False)
    _pattern_cache: dict[str, tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _scan_cache: dict[str, Scan] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_concepts(
        cls, concepts: Sequence[Concept], analyzer: Analyzer | None = None
    ) -> Glossary:
        an = analyzer or Analyzer()
        by_id: dict[str, Concept] = {}
        for c in concepts:
            if c.id in by_id:
                raise ValueError(f"duplicate concept id {c.id!r}")
            if c.family not in FAMILIES:
                raise ValueError(f"concept {c.id!r}: unknown family {c.family!r}")
            by_id[c.id] = c
        forms: dict[str, list[_Form]] = {}
        seen: set[tuple[str, tuple[str, ...], str, bool]] = set()
        for c in by_id.values():
            texts = [(t, "", False) for t in (*c.forms_ru, *c.forms_en)]
            texts += [(t, "", _capitals_only(t)) for t in c.abbr]
            texts += [(t, c.context_class, False) for t in c.context_forms]
            for text, ctx, capitals in texts:
                # Grade codes also yield their parts; keep the whole code only.
                seq = _drop_parts(an.tokens(text))
                if not seq or (c.id, seq, ctx, capitals) in seen:
                    continue
                seen.add((c.id, seq, ctx, capitals))
                forms.setdefault(seq[0], []).append(
                    _Form(c.id, seq, c.family, ctx, frozenset(seq[1:]), capitals)
                )
        by_first = {
            k: tuple(sorted(v, key=lambda f: (-len(f.seq), f.concept))) for k, v in forms.items()
        }
        # Codes are normalized to Latin look-alike letters; so are the patterns for them.
        patterns = tuple(
            (re.compile(p.translate(CYR_TO_LAT)), c.id) for c in by_id.values() for p in c.patterns
        )
        for c in by_id.values():
            for ref in (*c.parents, *c.related):
                if ref not in by_id:
                    raise ValueError(f"concept {c.id!r} refers to unknown concept {ref!r}")
        ancestors = {cid: _ancestors(cid, by_id) for cid in by_id}
        phrases = tuple((p, c.id) for c in by_id.values() for p in c.phrases)
        name_patterns = tuple(
            (re.compile("|".join(f"(?:{p})" for p in c.name_patterns)), c.id)
            for c in by_id.values()
            if c.name_patterns
        )
        derive = tuple((c.id, c.derive) for c in by_id.values() if c.derive)
        for cid, sets in derive:
            for combo in sets:
                for ref in combo:
                    if ref not in by_id:
                        raise ValueError(f"concept {cid!r} derives from unknown concept {ref!r}")
        patterns_any = (
            re.compile("|".join(f"(?:{p.pattern})" for p, _ in patterns) or "(?!)"),
            len(patterns),
        )
        return cls(
            by_id,
            an,
            by_first,
            patterns,
            ancestors,
            phrases,
            name_patterns,
            derive,
            patterns_any,
        )

    def __len__(self) -> int:
        return len(self.concepts)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled as its concepts (for build workers); lookup tables are rebuilt.
        return (Glossary.from_concepts, (tuple(self.concepts.values()),))

    def ancestors(self, concept_id: str) -> tuple[str, ...]:
        """The concept's broader concepts, transitively (not itself)."""
        return self._ancestors.get(concept_id, ())

    def find_in_text(self, folded: str) -> list[tuple[str, str]]:
        """(concept, phrase) for each phrase found in lower-cased, ё-folded text."""
        return [(cid, phrase) for phrase, cid in self._phrases if phrase in folded]

    def find_in_name(self, folded_name: str) -> list[str]:
        """Concepts a company name suggests ("…Трейд", "… Trading")."""
        return [cid for pat, cid in self._name_patterns if pat.search(folded_name)]

    def derived(self, present: set[str]) -> list[str]:
        """Concepts implied by present ones together (large moulding = moulding + tonnage)."""
        return [
            cid
            for cid, sets in self._derive
            if cid not in present and any(all(x in present for x in combo) for combo in sets)
        ]

    def label(self, concept_id: str) -> str:
        c = self.concepts.get(concept_id)
        return c.label if c else concept_id

    def find(
        self, tokens: Sequence[Token], material_classes: frozenset[str] | None = None
    ) -> list[Hit]:
        """Concepts named in a token sequence, longest form first within each family.

        A form may skip up to MAX_GAP words but never crosses a clause boundary. Within one
        family a token belongs to one form only, so "горячая объёмная штамповка" is forging
        and not also sheet stamping. Context forms count only when the text's material
        classes include theirs (or the text names no material class at all).
        """
        return self.resolve(tokens, self.candidates(tokens), material_classes)

    def scan(self, text: str, cache: bool = True) -> Scan:
        """Tokens of a text, its form occurrences and its concepts read without context
        (see `resolve`); short texts are cached on request.

        Callers must not mutate the returned lists.
        """
        if not cache or len(text) > _SCAN_CACHE_MAX_LEN:
            return self._scan(text)
        hit = self._scan_cache.get(text)
        if hit is None:
            hit = self._scan(text)
            if len(self._scan_cache) >= _SCAN_CACHE_SIZE:
                self._scan_cache.clear()
            self._scan_cache[text] = hit
        return hit

    def _scan(self, text: str) -> Scan:
        toks = self.analyzer.tokens(text)
        cands = self.candidates(toks)
        return Scan(toks, cands, self.resolve(toks, cands))

    def candidates(self, tokens: Sequence[Token]) -> list[Candidate]:
        """Every form occurrence in the tokens, longest first (see `resolve`)."""
        out: list[Candidate] = []
        by_first = self._by_first
        present: set[str] | None = None
        for i, tok in enumerate(tokens):
            forms = by_first.get(tok.norm)
            if forms:
                for form in forms:
                    if not form.rest:  # a one-word form
                        if not form.capitals or tok.surface.isupper():
                            out.append((-1, i, form, [i]))
                        continue
                    if present is None:
                        present = {t.norm for t in tokens}
                    # Most multi-word forms fail on a word the text does not have at all.
                    if not form.rest <= present:
                        continue
                    idx = _match(tokens, i, form.seq)
                    if idx is not None:
                        out.append((-len(form.seq), i, form, idx))
            if tok.code and self._patterns:
                for cid in self._pattern_hits(tok.norm):
                    out.append((-1, i, _Form(cid, (tok.norm,), self.concepts[cid].family), [i]))
        # Longest first; then the tightest (fewest skipped words: "литьё под низким
        # давлением" is not die casting); a plain form before an ambiguous one.
        out.sort(
            key=lambda c: (c[0], c[3][-1] - c[3][0], bool(c[2].context_class), c[1], c[2].concept)
        )
        return out

    def _pattern_hits(self, norm: str) -> tuple[str, ...]:
        hit = self._pattern_cache.get(norm)
        if hit is None:
            # One combined expression first: most codes (sizes, years) match nothing.
            combined, _ = self._patterns_any
            if combined.fullmatch(norm):
                hit = tuple(cid for pat, cid in self._patterns if pat.fullmatch(norm))
            else:
                hit = ()
            if len(self._pattern_cache) >= _SCAN_CACHE_SIZE:
                self._pattern_cache.clear()
            self._pattern_cache[norm] = hit
        return hit

    def resolve(
        self,
        tokens: Sequence[Token],
        candidates: list[Candidate],
        material_classes: frozenset[str] | None = None,
    ) -> list[Hit]:
        """Pick non-overlapping form occurrences per family and turn them into hits."""
        hits: list[Hit] = []
        # Words claimed per family by plain forms, and by context (ambiguous) forms.
        used: dict[str, set[int]] = {}
        used_ctx: dict[str, set[int]] = {}
        taken: set[tuple[str, int]] = set()
        for _, i, form, idx in candidates:
            ctx = form.context_class
            fam = form.family
            fam_used = used.get(fam)
            if fam_used is None:
                fam_used = used[fam] = set()
            if ctx:
                if material_classes and ctx not in material_classes:
                    continue
                # An ambiguous phrase may stand for several concepts ("литьё под давлением"
                # of a text naming both metals and plastics) but not overlap a plain form.
                if not fam_used.isdisjoint(idx) or (form.concept, i) in taken:
                    continue
                taken.add((form.concept, i))
                used_ctx.setdefault(fam, set()).update(idx)
            else:
                if not fam_used.isdisjoint(idx):
                    continue
                ctx_used = used_ctx.get(fam)
                if ctx_used and not ctx_used.isdisjoint(idx):
                    continue
                fam_used.update(idx)
            first = tokens[idx[0]]
            if len(idx) == 1:
                hits.append(Hit(form.concept, first.surface, first.start, first.end, first.negated))
                continue
            last = tokens[idx[-1]]
            negated = any(tokens[j].negated for j in idx)
            hits.append(Hit(form.concept, _surface(tokens, idx), first.start, last.end, negated))
        hits.sort(key=lambda h: (h.start, h.concept))
        return hits


def _surface(tokens: Sequence[Token], idx: list[int]) -> str:
    parts: list[str] = []
    for j in idx:
        if not parts or tokens[j].surface != parts[-1]:
            parts.append(tokens[j].surface)
    return " ".join(parts)


def _capitals_only(abbr: str) -> bool:
    """Whether an abbreviation must be written in capitals to count (see `_SHORT_ABBR`)."""
    return abbr.isupper() and abbr.isalpha() and len(abbr) <= _SHORT_ABBR


def _drop_parts(tokens: Sequence[Token]) -> tuple[str, ...]:
    out: list[str] = []
    last_span: tuple[int, int] | None = None
    for t in tokens:
        span = (t.start, t.end)
        if span == last_span:
            continue  # a part of a grade code just added whole
        last_span = span
        out.append(t.norm)
    return tuple(out)


def _match(tokens: Sequence[Token], i: int, seq: tuple[str, ...]) -> list[int] | None:
    idx = [i]
    j = i
    clause = tokens[i].clause
    for word in seq[1:]:
        found = None
        for k in range(j + 1, min(len(tokens), j + 2 + MAX_GAP)):
            if tokens[k].clause != clause:
                break
            if tokens[k].norm == word:
                found = k
                break
        if found is None:
            return None
        idx.append(found)
        j = found
    return idx


def _ancestors(cid: str, by_id: Mapping[str, Concept]) -> tuple[str, ...]:
    out: list[str] = []
    stack = list(by_id[cid].parents)
    while stack:
        p = stack.pop()
        if p in out or p == cid:
            continue
        out.append(p)
        stack.extend(by_id[p].parents)
    return tuple(out)


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def concept_from_dict(d: Mapping[str, Any]) -> Concept:
    label = d.get("label", {})
    return Concept(
        id=str(d["id"]),
        family=str(d["family"]),
        label_en=str(label.get("en", "") if isinstance(label, Mapping) else label),
        label_ru=str(label.get("ru", "") if isinstance(label, Mapping) else ""),
        forms_ru=_tuple(d.get("ru")),
        forms_en=_tuple(d.get("en")),
        abbr=_tuple(d.get("abbr")),
        patterns=_tuple(d.get("patterns")),
        parents=_tuple(d.get("parents")),
        related=_tuple(d.get("related")),
        role=str(d.get("role", "")),
        material_class=str(d.get("class", "")),
        context_class=str(d.get("context", {}).get("class", "")) if d.get("context") else "",
        context_forms=_tuple(d.get("context", {}).get("forms")) if d.get("context") else (),
        material_bound=bool(d.get("material_bound", False)),
        weight=float(d.get("weight", 1.0)),
        phrases=tuple(fold(p) for p in _tuple(d.get("phrases"))),
        name_patterns=_tuple(d.get("name_patterns")),
        generic=bool(d.get("generic", False)),
        derive=tuple(_tuple(x) for x in d.get("derive", ())),
        hs=_tuple(d.get("hs")),
        negated_only=bool(d.get("negated_only", False)),
    )


def load_glossary(path: Path) -> Glossary:
    """Load the glossary JSON (`{"concepts": [...]}`) from seed_data."""
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    items = data["concepts"] if isinstance(data, Mapping) else data
    return Glossary.from_concepts([concept_from_dict(d) for d in items])
