"""Structured reading of a need: process chain, material family, part kind, certificates.

A need asks for a chain of core processes (each a group of acceptable alternatives, e.g.
"stamping or roll forming"), secondary steps a supplier may subcontract, a material family
of the class those processes work, the kind of part, and certificates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import certificates as certs
from .features import DocFeatures, analyze, need_fields
from .glossary import Glossary
from .types import NeedDoc

_ALTERNATIVE = re.compile(r"\b(?:or|или|либо|alternatively|допускается)\b|/", re.IGNORECASE)


@dataclass(frozen=True)
class NeedProfile:
    features: DocFeatures
    core_groups: tuple[tuple[str, ...], ...]  # each group: acceptable alternative processes
    secondary: tuple[str, ...]  # finishing / auxiliary steps the need names
    material_class: str  # "metal" | "plastic" | "elastomer" | "electrical" | ""
    material_families: tuple[str, ...]  # families of that class the need names
    part_kinds: tuple[str, ...]
    required: tuple[certs.RequiredStandard, ...]


def _specific(concepts: set[str], glossary: Glossary) -> set[str]:
    """Drop concepts that are ancestors of others in the set."""
    ancestors: set[str] = set()
    for c in concepts:
        ancestors.update(glossary.ancestors(c))
    return concepts - ancestors


def _refine(cid: str, present: Mapping[str, float], glossary: Glossary) -> tuple[str, ...]:
    """Replace a broad process by the narrower ones the need names elsewhere."""
    narrower = [c for c in present if cid in glossary.ancestors(c)]
    if not narrower:
        return (cid,)
    return tuple(sorted(_specific(set(narrower), glossary)))


def need_profile(need: NeedDoc, glossary: Glossary) -> NeedProfile:
    """Read what a need asks for."""
    f = analyze(need_fields(need), glossary)
    g = glossary
    groups: list[tuple[str, ...]] = []
    secondary: list[str] = []

    def is_process(cid: str) -> bool:
        return g.concepts[cid].family == "process"

    for entry in need.processes:
        toks, cands, _ = g.scan(entry)
        hits = [h for h in g.resolve(toks, cands, f.material_classes) if not h.negated]
        found = _specific({h.concept for h in hits if is_process(h.concept)}, g)
        core = sorted(c for c in found if g.concepts[c].role == "core")
        secondary.extend(sorted(c for c in found if g.concepts[c].role != "core"))
        if not core:
            continue
        if len(core) > 1 and _ALTERNATIVE.search(entry):
            groups.append(tuple(core))
            continue
        # One phrase read several ways (an ambiguous "литьё под давлением" with no material
        # named) is one requirement with alternatives, not several requirements.
        by_span: dict[tuple[int, int], list[str]] = {}
        for h in hits:
            if h.concept in core:
                by_span.setdefault((h.start, h.end), []).append(h.concept)
        placed: set[str] = set()
        for span in sorted(by_span):
            readings = tuple(sorted(set(by_span[span]) - placed))
            if readings:
                groups.append(readings)
                placed.update(readings)
    if not groups:
        # No usable process list: read the chain from the part name and description.
        found = _specific({c for c in f.concepts if is_process(c)}, g)
        groups = [(c,) for c in sorted(found) if g.concepts[c].role == "core"]
        if not groups and not secondary:
            secondary = sorted(found)
    refined: list[tuple[str, ...]] = []
    for grp in groups:
        alts: list[str] = []
        for c in grp:
            alts.extend(_refine(c, f.concepts, g))
        key = tuple(sorted(set(alts)))
        if key not in refined:
            refined.append(key)
    # A group implied by another one adds nothing ("casting" next to "die casting").
    final = [
        grp
        for grp in refined
        if not any(
            other != grp and all(any(c in g.ancestors(o) for o in other) for c in grp)
            for other in refined
        )
    ]
    secondary = [c for c in dict.fromkeys(secondary) if not any(c in grp for grp in final)]

    material_class = ""
    for grp in final:
        for c in grp:
            if g.concepts[c].material_class:
                material_class = g.concepts[c].material_class
                break
        if material_class:
            break
    families = _need_materials(f, glossary, material_class)
    if not material_class and families:
        material_class = g.concepts[families[0]].material_class
        families = tuple(c for c in families if g.concepts[c].material_class == material_class)
    kinds = _part_kinds(f, glossary)
    required = tuple(certs.parse_required(r) for r in need.required_certifications)
    return NeedProfile(f, tuple(final), tuple(secondary), material_class, families, kinds, required)


def _need_materials(f: DocFeatures, glossary: Glossary, material_class: str) -> tuple[str, ...]:
    g = glossary

    def ok(cid: str) -> bool:
        c = g.concepts[cid]
        return c.family == "material" and (not material_class or c.material_class == material_class)

    # The materials field says what the part is made of; the description may also name
    # tooling, packaging or inserts, so it only counts when the field names nothing.
    for fields in (("materials",), ("part_name", "description")):
        named = {c for c, fs in f.direct_fields.items() if ok(c) and fs & set(fields)}
        specific = {c for c in named if not g.concepts[c].generic}
        if specific:
            return tuple(sorted(_specific(specific, g)))
        if named:
            return tuple(sorted(_specific(named, g)))
    return ()


def _part_kinds(f: DocFeatures, glossary: Glossary) -> tuple[str, ...]:
    """Kinds of part the part name says (else the description)."""
    g = glossary
    in_name = sorted(
        c
        for c, fs in f.direct_fields.items()
        if g.concepts[c].family == "part" and "part_name" in fs
    )
    if in_name:
        return tuple(in_name)
    return tuple(sorted(c for c in f.direct_fields if g.concepts[c].family == "part"))
