"""Ranking: structured fit, gates and near misses, explanations, incremental rebuilds."""

from __future__ import annotations

import gc
import itertools
import os
import time
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from matchmaker.matching import (
    Certificate,
    Glossary,
    MatchIndex,
    NeedDoc,
    Ranking,
    SupplierDoc,
    baseline_rank,
    synthetic,
)
from matchmaker.matching import index as index_module

DAY = date(2024, 6, 1)
IATF = Certificate("IATF 16949:2016", date(2026, 1, 1))

SUPPLIERS = (
    SupplierDoc(
        "foundry",
        "АО «Алюмолит»",
        "Отливки из алюминиевых сплавов литьём под давлением на машинах с холодной камерой, "
        "механообработка на ЧПУ. Корпуса редукторов для автозаводов.",
        processes=("литьё алюминия под давлением (ЛПД)", "механообработка на ЧПУ"),
        materials=("АК12", "АК9М2"),
        certifications=(IATF,),
    ),
    SupplierDoc(
        "foundry-no-iatf",
        "Don Die Casting LLC",
        "We cast aluminium parts on cold-chamber machines and machine them on CNC centres.",
        processes=("aluminium pressure die casting", "CNC machining"),
        materials=("A380",),
        certifications=(Certificate("ISO 9001:2015"),),
    ),
    SupplierDoc(
        "expired",
        "ООО «ЛитВек»",
        "Литьё алюминия под давлением, мехобработка корпусов.",
        processes=("литьё под давлением", "мехобработка"),
        materials=("АК12",),
        certifications=(Certificate("IATF 16949:2016", date(2022, 3, 1)),),
    ),
    SupplierDoc(
        "zinc-only",
        "ООО «ЦАМ-Фурнитура»",
        "Литьё под давлением цинковых сплавов ЦАМ на машинах с горячей камерой. Алюминий не льём.",
        processes=("литьё под давлением цинковых сплавов",),
        materials=("ЦАМ4-1",),
        certifications=(IATF,),
    ),
    SupplierDoc(
        "trader",
        "ООО «МеталлТрейд»",
        "Оптовая торговля: поставляем металл для литейных производств — чушковый алюминий АК12, "
        "силумины. Отгрузка со склада. Собственного производства нет.",
        processes=("оптовая торговля металлопрокатом",),
        materials=("АК12",),
    ),
    SupplierDoc(
        "rubber",
        "ООО «ТехРезина»",
        "Формовые РТИ для автомобилей: втулки, отбойники.",
        processes=("формовые РТИ",),
        materials=("ЭПДМ",),
        certifications=(IATF,),
    ),
)

NEED_EN = NeedDoc(
    "gear-housing",
    "Gear housing, window-lift drive",
    "Pressure-cast light-alloy gear case, alloy EN AC-46000, machined bearing bore.",
    processes=("cold-chamber pressure die casting", "CNC machining"),
    materials=("EN AC-46000 light alloy",),
    required_certifications=("IATF 16949",),
    on_date=DAY,
)


@pytest.fixture(scope="module")
def index(glossary: Glossary) -> MatchIndex:
    return MatchIndex.build(SUPPLIERS, glossary)


def by_id(ranking: Ranking) -> dict[str, tuple[str, int]]:
    out = {m.supplier_id: ("match", m.rank) for m in ranking.matches}
    out.update({m.supplier_id: ("near", m.rank) for m in ranking.near_misses})
    return out


def test_english_need_finds_russian_supplier_first(index: MatchIndex) -> None:
    r = index.rank(NEED_EN)
    assert r.need_id == "gear-housing"
    assert r.matches[0].supplier_id == "foundry"
    assert [m.rank for m in r.matches] == list(range(1, len(r.matches) + 1))
    assert all(0.0 <= m.score <= 1.0 for m in r.matches + r.near_misses)


def test_missing_or_invalid_certificate_makes_a_near_miss(index: MatchIndex) -> None:
    r = index.rank(NEED_EN)
    places = by_id(r)
    assert places["foundry-no-iatf"][0] == "near"
    assert places["expired"][0] == "near"
    near = {m.supplier_id: m for m in r.near_misses}
    cert = [q for q in near["expired"].requirements if q.kind == "certification"]
    assert cert[0].label == "IATF 16949"
    assert not cert[0].met
    assert cert[0].detail == "expired 2022-03-01"
    assert near["foundry-no-iatf"].missing[0].detail == "not held"


def test_wrong_material_for_a_material_bound_process_is_a_near_miss(index: MatchIndex) -> None:
    r = index.rank(NEED_EN)
    near = {m.supplier_id: m for m in r.near_misses}
    assert "zinc-only" in near
    process = next(q for q in near["zinc-only"].requirements if q.kind == "process")
    assert not process.met
    assert "material" in process.detail


def test_trader_is_never_a_match(index: MatchIndex) -> None:
    r = index.rank(NEED_EN)
    places = by_id(r)
    assert places.get("trader", ("near", 0))[0] == "near"
    ranked = [m.supplier_id for m in r.matches + r.near_misses]
    assert ranked.index("trader") > ranked.index("foundry-no-iatf")


def test_supplier_without_evidence_is_left_out(index: MatchIndex) -> None:
    assert "rubber" not in by_id(index.rank(NEED_EN))


def test_gates_demote_but_do_not_drop(index: MatchIndex) -> None:
    r = index.rank(NEED_EN)
    listed = {m.supplier_id for m in r.matches + r.near_misses}
    assert {"foundry", "foundry-no-iatf", "expired", "zinc-only"} <= listed


def test_requirements_checklist(index: MatchIndex) -> None:
    best = index.rank(NEED_EN).matches[0]
    kinds = [(q.kind, q.label, q.met) for q in best.requirements]
    assert ("certification", "IATF 16949", True) in kinds
    assert ("material", "aluminium alloys", True) in kinds
    assert ("process", "high-pressure die casting", True) in kinds
    assert ("process", "CNC machining", True) in kinds
    assert best.missing == ()


def test_certificate_validity_follows_the_supplier_day(index: MatchIndex) -> None:
    later = NeedDoc(**{**NEED_EN.__dict__, "on_date": date(2026, 6, 1)})
    assert index.rank(NEED_EN).matches[0].supplier_id == "foundry"
    assert "foundry" in {m.supplier_id for m in index.rank(later).near_misses}


def test_explanations_quote_both_texts(index: MatchIndex) -> None:
    best = index.rank(NEED_EN).matches[0]
    pairs = {(t.need_text, t.supplier_text) for t in best.terms}
    # The need says it in English, the supplier in Russian: each side in its own words.
    assert ("CNC machining", "механообработка на ЧПУ") in pairs, pairs
    assert "high-pressure die casting" in best.concepts
    assert "aluminium alloys" in best.concepts
    assert abs(sum(t.weight for t in best.terms) - 1.0) < 0.5
    assert all(0 < t.weight <= 1 for t in best.terms)


def test_russian_need_finds_english_supplier(index: MatchIndex) -> None:
    need = NeedDoc(
        "ru",
        "Корпус редуктора",
        "Литьё алюминия под давлением, механообработка.",
        processes=("литьё под давлением", "механообработка"),
        materials=("АК12",),
        on_date=DAY,
    )
    ids = [m.supplier_id for m in index.rank(need).matches]
    assert "foundry-no-iatf" in ids[:3]


def test_limit_caps_each_list(index: MatchIndex) -> None:
    r = index.rank(NEED_EN, limit=1)
    assert len(r.matches) <= 1
    assert len(r.near_misses) <= 1
    assert index.rank(NEED_EN, limit=0) == Ranking("gear-housing")


def test_rank_many_equals_rank(index: MatchIndex) -> None:
    assert index.rank_many([NEED_EN, NEED_EN]) == [index.rank(NEED_EN)] * 2


def test_ranking_without_explanations_keeps_the_order_and_scores(index: MatchIndex) -> None:
    full = index.rank(NEED_EN)
    bare = index.rank_many([NEED_EN], explain=False)[0]
    assert full.matches and full.near_misses
    for with_reasons, without in (
        (full.matches, bare.matches),
        (full.near_misses, bare.near_misses),
    ):
        assert [(m.supplier_id, m.score, m.rank) for m in with_reasons] == [
            (m.supplier_id, m.score, m.rank) for m in without
        ]
        assert all(m.requirements for m in with_reasons) and any(m.terms for m in with_reasons)
        assert not any(m.terms or m.concepts or m.requirements for m in without)


def test_ranking_is_deterministic(glossary: Glossary) -> None:
    a = MatchIndex.build(SUPPLIERS, glossary).rank(NEED_EN)
    b = MatchIndex.build(SUPPLIERS, glossary).rank(NEED_EN)
    assert a == b


def test_with_suppliers_equals_a_fresh_build(index: MatchIndex, glossary: Glossary) -> None:
    changed = SupplierDoc(
        "foundry-no-iatf",
        "Don Die Casting LLC",
        "Aluminium high-pressure die casting and CNC machining for car makers.",
        processes=("HPDC", "CNC machining"),
        materials=("A380",),
        certifications=(IATF,),
    )
    incremental = index.with_suppliers([changed], removed_ids=["trader"])
    remaining = [s for s in SUPPLIERS if s.id not in ("trader", "foundry-no-iatf")]
    fresh = MatchIndex.build([*remaining, changed], glossary)
    assert set(incremental.supplier_ids) == set(fresh.supplier_ids)
    assert "trader" not in incremental.supplier_ids
    assert incremental.rank(NEED_EN) == fresh.rank(NEED_EN)
    assert "foundry-no-iatf" in {m.supplier_id for m in incremental.rank(NEED_EN).matches}
    # The original index is untouched.
    assert "trader" in index.supplier_ids


def test_equal_scores_go_by_supplier_id(glossary: Glossary) -> None:
    # Three copies of the best supplier under other ids tie with it, whatever the rows.
    best = MatchIndex.build(SUPPLIERS, glossary).rank(NEED_EN).matches[0].supplier_id
    doc = next(s for s in SUPPLIERS if s.id == best)
    twins = [replace(doc, id=f"{best}-{c}") for c in "cab"]
    ahead = MatchIndex.build([*twins, *SUPPLIERS], glossary)
    behind = MatchIndex.build([*SUPPLIERS, *reversed(twins)], glossary)
    ranked = ahead.rank(NEED_EN)
    assert [m.supplier_id for m in ranked.matches[:4]] == sorted([best, *(t.id for t in twins)])
    assert behind.rank(NEED_EN) == ranked
    # A limit cutting through the tie keeps the first ids.
    assert [m.supplier_id for m in behind.rank(NEED_EN, limit=2).matches] == [best, f"{best}-a"]
    assert ahead.rank(NEED_EN, limit=2) == behind.rank(NEED_EN, limit=2)


def test_duplicate_ids_are_refused(glossary: Glossary) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        MatchIndex.build([SUPPLIERS[0], SUPPLIERS[0]], glossary)


def test_empty_catalogue_and_empty_need(glossary: Glossary) -> None:
    empty = MatchIndex.build([], glossary)
    assert empty.supplier_ids == ()
    assert empty.rank(NEED_EN) == Ranking("gear-housing")
    blank = MatchIndex.build([SupplierDoc("x", "")], glossary)
    assert blank.rank(NeedDoc("n", "")) == Ranking("n")


def test_baseline_ranks_every_supplier(glossary: Glossary) -> None:
    del glossary
    (order,) = baseline_rank(SUPPLIERS, [NEED_EN])
    assert sorted(order) == sorted(s.id for s in SUPPLIERS)


def test_any_supplier_can_be_explained_listed_or_not(index: MatchIndex) -> None:
    ranking = index.rank(NEED_EN)
    listed = ranking.matches + ranking.near_misses
    # A listed supplier reads as it does in the list (outside the lists: rank 0).
    explained = index.explain(NEED_EN, [m.supplier_id for m in listed] + ["rubber", "nobody"])
    assert set(explained) == {m.supplier_id for m in listed} | {"rubber"}
    for m in listed:
        assert explained[m.supplier_id] == m._replace(rank=0)
    # The rubber moulder is in neither list: nothing shared, and every requirement but
    # its certificate missing.
    assert "rubber" not in {m.supplier_id for m in listed}
    rubber = explained["rubber"]
    assert (rubber.score, rubber.rank, rubber.terms) == (0.0, 0, ())
    met = {(r.kind, r.met) for r in rubber.requirements}
    assert ("certification", True) in met and ("process", False) in met
    assert not any(r.met for r in rubber.requirements if r.kind == "process")
    assert index.explain(NEED_EN, ["nobody"]) == {}


def test_near_misses_have_their_own_limit(index: MatchIndex) -> None:
    r = index.rank(NEED_EN, limit=5, near_limit=1)
    assert len(r.near_misses) == 1
    assert index.rank(NEED_EN, limit=5, near_limit=0).near_misses == ()
    assert [m.rank for m in index.rank(NEED_EN).near_misses] == list(
        range(1, len(index.rank(NEED_EN).near_misses) + 1)
    )


def test_worker_processes_build_the_same_index(
    glossary: Glossary, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matchmaker.matching import build as build_module

    monkeypatch.setattr(build_module, "PARALLEL_MIN", 1)
    suppliers = synthetic.suppliers(glossary, 40, seed=5)
    needs = synthetic.needs(glossary, 5, seed=6)
    alone = MatchIndex.build(suppliers, glossary)
    # This process reads slowly, so the forked worker must read some runs too.
    here = os.getpid()
    read_here: list[str] = []
    prepare = build_module._prepare

    def slow_prepare(doc: SupplierDoc, g: Glossary) -> Any:
        if os.getpid() == here:
            read_here.append(doc.id)
            time.sleep(0.01)
        return prepare(doc, g)

    monkeypatch.setattr(build_module, "_prepare", slow_prepare)
    shared = MatchIndex.build(suppliers, glossary, workers=2)
    assert 0 < len(read_here) < len(suppliers)
    assert shared.supplier_ids == alone.supplier_ids
    # Every row holds the same terms with the same counts (columns may be numbered apart).
    for ch in build_module.CHANNELS:
        assert _row_terms(shared, ch) == _row_terms(alone, ch)
    assert shared.rank_many(needs) == alone.rank_many(needs)


def test_a_cursor_leaves_the_last_items_to_whoever_asks_without_leaving_any() -> None:
    import multiprocessing

    from matchmaker.matching.build import Cursor

    cursor = Cursor(multiprocessing.Value("q", 0), 10, 3)
    assert list(cursor.claim(leave=4)) == [0, 1, 2]
    assert list(cursor.claim(leave=4)) == [3, 4, 5]
    # Four left: a forked reader stops here, the parent takes the rest.
    assert list(cursor.claim(leave=4)) == []
    assert list(cursor.claim()) == [6, 7, 8]
    assert list(cursor.claim()) == [9]
    assert list(cursor.claim()) == []


def _row_terms(index: MatchIndex, channel: str) -> list[dict[str, int]]:
    block = index._blocks[channel]
    names = {j: t for t, j in block.vocab.items()}
    m = block.counts.tocsr()
    return [
        {names[j]: int(v) for j, v in zip(m.indices[a:b], m.data[a:b], strict=True)}
        for a, b in itertools.pairwise(m.indptr.tolist())
    ]


def test_worker_processes_rank_the_same(
    glossary: Glossary, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matchmaker.matching.index import PARALLEL_NEEDS_MIN

    suppliers = synthetic.suppliers(glossary, 60, seed=7)
    needs = synthetic.needs(glossary, PARALLEL_NEEDS_MIN + 3, seed=8)
    index = MatchIndex.build(suppliers, glossary)
    alone = index.rank_many(needs)
    # This process ranks slowly, so the forked worker must take a share; what this
    # process ranked itself is counted here (the worker's calls count in its own copy).
    here = os.getpid()
    ranked_here: list[str] = []
    rank = MatchIndex.rank

    def slow_rank(self: MatchIndex, need: NeedDoc, *args: Any, **kwargs: Any) -> Ranking:
        if os.getpid() == here:
            ranked_here.append(need.id)
            time.sleep(0.02)
        return rank(self, need, *args, **kwargs)

    monkeypatch.setattr(MatchIndex, "rank", slow_rank)
    assert index.rank_many(needs, workers=2) == alone
    assert 0 < len(ranked_here) < len(needs)
    assert gc.isenabled()  # the collector paused for the batch runs again
    assert [r.need_id for r in alone] == [n.id for n in needs]
    assert any(r.matches for r in alone)
    # Without explanations the workers send back the same order and scores.
    bare = index.rank_many(needs, workers=2, explain=False)
    assert [[(m.supplier_id, m.score) for m in r.matches] for r in bare] == [
        [(m.supplier_id, m.score) for m in r.matches] for r in alone
    ]
    assert not any(m.terms for r in bare for m in r.matches)


def test_synthetic_catalogue_is_deterministic(glossary: Glossary) -> None:
    a = synthetic.suppliers(glossary, 30, seed=3)
    assert a == synthetic.suppliers(glossary, 30, seed=3)
    assert len({s.id for s in a}) == 30
    assert any(any(ch in s.description for ch in "аеиоу") for s in a)
    assert any(s.description.isascii() for s in a)
    needs = synthetic.needs(glossary, 10)
    assert all(n.processes and n.materials for n in needs)


def test_a_large_catalogue_ranks_candidates_close_to_the_exact_order(
    glossary: Glossary, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Above FULL_SCAN_MAX suppliers only candidates get the full scoring, and each query
    # reads its rarest postings only; scaled down here so that 2,000 suppliers are "large".
    suppliers = synthetic.suppliers(glossary, 2_000)
    needs = synthetic.needs(glossary, 40)
    index = MatchIndex.build(suppliers, glossary)
    exact = [[m.supplier_id for m in r.matches] for r in index.rank_many(needs, 10)]
    monkeypatch.setattr(index_module, "FULL_SCAN_MAX", 1_000)
    monkeypatch.setattr(index_module, "CANDIDATES", 200)
    monkeypatch.setattr(index_module, "POSTINGS_BUDGET", 400)
    # The shortcut must really be taken: each need scored on at most 200 candidate rows.
    picked: list[int] = []
    candidates = MatchIndex._candidates

    def spy(self: MatchIndex, *args: Any) -> Any:
        rows = candidates(self, *args)
        picked.append(len(self) if rows is None else int(rows.size))
        return rows

    monkeypatch.setattr(MatchIndex, "_candidates", spy)
    fast = [[m.supplier_id for m in r.matches] for r in index.rank_many(needs, 10)]
    assert len(picked) == len(needs) and max(picked) <= 200
    pairs = [(f, e) for f, e in zip(fast, exact, strict=True) if e]
    assert len(pairs) >= 30
    overlap = sum(len(set(f) & set(e)) / len(e) for f, e in pairs) / len(pairs)
    same_best = sum(f[:1] == e[:1] for f, e in pairs) / len(pairs)
    assert overlap >= 0.9
    assert same_best >= 0.85
