"""The bilingual glossary: its size and shape, and concepts found in Russian and English."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from matchmaker.matching import Concept, Glossary, load_glossary
from matchmaker.matching.features import analyze

from .conftest import GLOSSARY_PATH


def concepts_in(glossary: Glossary, text: str) -> set[str]:
    return {h.concept for h in glossary.find(glossary.analyzer.tokens(text)) if not h.negated}


def test_seed_glossary_is_broad_and_bilingual(glossary: Glossary) -> None:
    assert len(glossary) >= 150
    families = Counter(c.family for c in glossary.concepts.values())
    assert families["process"] >= 40
    assert families["material"] >= 25
    assert families["part"] >= 30
    assert families["certification"] >= 5
    for c in glossary.concepts.values():
        if c.family in ("process", "material", "part"):
            assert c.label_en and c.label_ru, c.id
            assert c.forms_ru or c.patterns or c.abbr, c.id
            assert c.forms_en or c.patterns or c.abbr, c.id


def test_glossary_file_is_plain_json_with_ids_unique() -> None:
    data = json.loads(GLOSSARY_PATH.read_text(encoding="utf-8"))
    ids = [c["id"] for c in data["concepts"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("ru", "en", "concept"),
    [
        ("литьё алюминия под давлением", "high-pressure die casting", "hpdc"),
        ("ЛПД", "HPDC", "hpdc"),
        ("литьё в кокиль", "gravity die casting", "gravity_casting"),
        ("холодная листовая штамповка", "progressive die stamping", "sheet_stamping"),
        ("горячая объёмная штамповка", "closed-die forging", "forging"),
        ("механообработка на ЧПУ", "CNC machining", "cnc_machining"),
        (
            "крепление резины к металлу при вулканизации",
            "rubber-to-metal bonding",
            "rubber_metal_bonding",
        ),
        ("формовые РТИ", "compression moulding", "rubber_moulding"),
        ("экструзионно-выдувное формование", "extrusion blow moulding", "blow_moulding"),
        ("холодная высадка", "cold heading", "cold_heading"),
        ("катафорезное грунтование (КТЛ)", "cathodic e-coat", "ecoat"),
        ("ЭПДМ", "ethylene-propylene-diene rubber", "elastomer_EPDM"),
        ("маслобензостойкая резина", "nitrile rubber", "elastomer_oil"),
        ("полипропилен", "polypropylene", "plastic_polyolefin"),
        ("высокопрочный чугун", "ductile iron", "cast_iron"),
        ("сайлентблок", "suspension bush", "silent_block"),
        ("кольцо уплотнительное", "O-ring", "seal"),
    ],
)
def test_russian_and_english_wording_meet_in_one_concept(
    glossary: Glossary, ru: str, en: str, concept: str
) -> None:
    assert concept in concepts_in(glossary, ru)
    assert concept in concepts_in(glossary, en)


@pytest.mark.parametrize(("grade", "family"), [
    ("АК12", "aluminium"), ("EN AC-46000", "aluminium"), ("08пс", "steel_lowcarbon"),
    ("DX56D+Z100", "steel_lowcarbon"), ("40Х", "steel_bar"), ("65Г", "spring_steel"),
    ("EN-GJS-500-7", "cast_iron"), ("PA66-GF30", "plastic_engineering"),
    ("PP-T20", "plastic_polyolefin"), ("ЦАМ4-1", "zinc_alloy"),
])  # fmt: skip
def test_material_grades_map_to_families(glossary: Glossary, grade: str, family: str) -> None:
    assert family in concepts_in(glossary, grade)


def test_longest_form_wins_within_a_family(glossary: Glossary) -> None:
    found = concepts_in(glossary, "горячая объёмная штамповка")
    assert "forging" in found
    assert "sheet_stamping" not in found


@pytest.mark.parametrize(
    ("text", "automotive"),
    [
        ("Сварка в среде защитного газа", False),  # газ: gas, not the GAZ plant
        ("Фрезерование паза под ползун", False),  # паз: a groove, not the PAZ bus plant
        ("Поставки на ГАЗ и ПАЗ", True),
        ("Supplying OEMs", True),
    ],
)
def test_short_abbreviations_count_only_in_capitals(
    glossary: Glossary, text: str, automotive: bool
) -> None:
    assert ("automotive" in {h.concept for h in glossary.scan(text).hits}) is automotive


def test_ambiguous_phrase_is_read_by_the_materials_named(glossary: Glossary) -> None:
    plastics = analyze({"processes": "литьё под давлением", "materials": "PP-T20"}, glossary)
    metals = analyze({"processes": "литьё под давлением", "materials": "АК12"}, glossary)
    assert "injection_moulding" in plastics.concepts
    assert "hpdc" not in plastics.concepts
    assert "hpdc" in metals.concepts
    assert "injection_moulding" not in metals.concepts


def test_broader_concepts_are_implied(glossary: Glossary) -> None:
    f = analyze({"processes": "HPDC", "materials": "АК12"}, glossary)
    assert {"hpdc", "casting", "aluminium", "metal"} <= set(f.concepts)


def test_negated_capability_is_not_a_concept(glossary: Glossary) -> None:
    f = analyze({"description": "Литьё цинка под давлением. Алюминий не льём."}, glossary)
    assert "zinc_alloy" in f.concepts
    assert "aluminium" not in f.concepts
    assert "aluminium" in f.negated


def test_non_manufacturer_cues(glossary: Glossary) -> None:
    trader = analyze(
        {"name": "ООО «МеталлТрейд»", "description": "Оптовая торговля металлопрокатом со склада."},
        glossary,
    )
    maker = analyze({"description": "Производим штампованные кронштейны."}, glossary)
    assert trader.actors.get("trader", 0) >= 1.0
    assert not maker.actors


def test_high_tonnage_derives_large_moulding(glossary: Glossary) -> None:
    f = analyze(
        {"processes": "литьё пластмасс под давлением", "description": "ТПА усилием 350–2700 тс"},
        glossary,
    )
    assert f.max_tonnage == 2700
    assert "large_injection_moulding" in f.concepts


def test_load_rejects_unknown_references(tmp_path: Path) -> None:
    bad = {"concepts": [{"id": "a", "family": "process", "label": {"en": "A"}, "parents": ["b"]}]}
    path = tmp_path / "g.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown concept"):
        load_glossary(path)


def test_glossary_from_concepts_is_usable_without_a_file() -> None:
    g = Glossary.from_concepts(
        [
            Concept(
                "weld", "process", "welding", "сварка", forms_ru=("сварка",), forms_en=("welding",)
            )
        ]
    )
    assert concepts_in(g, "Сварка MIG") == {"weld"}


def test_glossary_pickles_as_its_concepts(glossary: Glossary) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(glossary))
    assert copy.concepts == glossary.concepts
    assert concepts_in(copy, "литьё в кокиль") == concepts_in(glossary, "литьё в кокиль")
