"""Offline evaluation: metrics computed by hand on a tiny set, and both data formats."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from matchmaker.matching import Glossary
from matchmaker.matching.datasets import load_set, read_qrels
from matchmaker.matching.evaluation import (
    METRICS,
    average_precision,
    evaluate,
    format_report,
    metrics_for,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)

from .conftest import SHARED_DATA

GRADES = {"A": 3, "B": 1, "C": 2}
RANKED = ["B", "A", "X", "C"]


def test_ndcg_by_hand() -> None:
    dcg = 1 / math.log2(2) + 7 / math.log2(3) + 0 + 3 / math.log2(5)
    idcg = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(RANKED, GRADES) == pytest.approx(dcg / idcg)
    assert ndcg_at(RANKED, GRADES) == pytest.approx(0.714222, abs=1e-6)
    assert ndcg_at(["A", "C", "B"], GRADES) == pytest.approx(1.0)
    assert ndcg_at(["X"], {}) == 0.0


def test_binary_metrics_count_grade_two_and_up() -> None:
    relevant = {"A", "C"}
    # A at 2 (precision 1/2), C at 4 (precision 2/4).
    assert average_precision(RANKED, relevant) == pytest.approx(0.5)
    assert recall_at(RANKED, relevant, 50) == 1.0
    assert recall_at(RANKED, relevant, 3) == 0.5
    assert reciprocal_rank(RANKED, relevant) == 0.5
    assert reciprocal_rank(["X"] * 10 + ["A"], relevant) == 0.0  # MRR@10
    m = metrics_for(RANKED, GRADES)
    assert set(m) == set(METRICS)
    assert m["map"] == pytest.approx(0.5)


def _write(directory: Path, suppliers: list[dict[str, Any]], needs: list[dict[str, Any]],
           qrels: str) -> Path:  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "suppliers.jsonl").open("w", encoding="utf-8") as fh:
        for s in suppliers:
            fh.write(json.dumps(s, ensure_ascii=False) + "\n")
    with (directory / "needs.jsonl").open("w", encoding="utf-8") as fh:
        for n in needs:
            fh.write(json.dumps(n, ensure_ascii=False) + "\n")
    (directory / "qrels.tsv").write_text(qrels, encoding="utf-8")
    return directory


SUPPLIERS: list[dict[str, Any]] = [
    {
        "id": "S1",
        "name": "ООО «Алюмолит»",
        "description": "Литьё алюминия под давлением, механообработка на ЧПУ.",
        "processes": ["ЛПД", "механообработка"],
        "materials": ["АК12"],
        "certifications": ["IATF 16949:2016"],
        "language": "ru",
    },
    {
        "id": "S2",
        "name": "ООО «Штамп»",
        "description": "Листовая штамповка кронштейнов из стали 08пс.",
        "processes": ["штамповка"],
        "materials": ["08пс"],
        "certifications": [],
        "language": "ru",
    },
    {
        "id": "S3",
        "name": "Rubber Parts",
        "description": "Compression moulding of EPDM parts.",
        "processes": ["compression moulding"],
        "materials": ["EPDM"],
        "certifications": [{"standard": "IATF 16949", "valid_until": "2030-01-01"}],
        "language": "en",
    },
]
NEEDS: list[dict[str, Any]] = [
    {
        "id": "N1",
        "part_name": "Gear housing",
        "description": "Aluminium die casting, machined.",
        "processes": ["die casting", "CNC machining"],
        "materials": ["light alloy"],
        "required_certifications": ["IATF 16949"],
        "language": "en",
    },
    {
        "id": "N2",
        "part_name": "Кронштейн",
        "description": "Штамповка из стали 08пс.",
        "processes": ["листовая штамповка"],
        "materials": ["08пс"],
        "required_certifications": [],
        "language": "ru",
    },
    {"id": "N3", "part_name": "no labels", "language": "en"},
]
QRELS = "need_id\tsupplier_id\tgrade\nN1\tS1\t3\nN2\tS2\t2\nN2\tS1\t1\n"


def test_evaluate_any_directory(tmp_path: Path, glossary: Glossary) -> None:
    result = evaluate(_write(tmp_path / "set", SUPPLIERS, NEEDS, QRELS), glossary)
    for key in METRICS:
        assert set(result[key]) == {"engine", "baseline"}
        assert 0.0 <= result[key]["engine"] <= 1.0
    assert set(result["by_language"]) == {"en", "ru"}
    assert set(result["by_language"]["ru"]["ndcg@10"]) == {"engine", "baseline"}
    # N3 has no graded supplier and is not scored.
    assert result["needs"] == 2
    assert result["ndcg@10"]["engine"] == pytest.approx(1.0)
    report = format_report(result)
    assert "ndcg@10" in report
    assert "baseline" in report
    assert "ru (1)" in report


def test_loader_copes_with_other_field_shapes(tmp_path: Path) -> None:
    suppliers = [
        {"id": 7, "description_head": "Литьё", "processes": "литьё; мехобработка",
         "certificates": [{"name": "ISO 9001", "expires": "2025-01-31"}, "IATF 16949"]},
    ]  # fmt: skip
    needs = [{"id": "Q1", "product": "Отливка", "date": "2024-06-01"}]
    data = load_set(_write(tmp_path / "odd", suppliers, needs, "Q1\t7\t3\n"))
    s = data.suppliers[0]
    assert s.id == "7"
    assert s.description == "Литьё"
    assert s.processes == ("литьё", "мехобработка")
    assert s.certifications[0].standard == "ISO 9001"
    assert s.certifications[0].valid_until == date(2025, 1, 31)
    assert s.certifications[1].valid_until is None
    n = data.needs[0]
    assert (n.part_name, n.on_date) == ("Отливка", date(2024, 6, 1))
    assert data.qrels == {"Q1": {"7": 3}}
    # No language given: told by the script of the need's text.
    assert data.languages["Q1"] == "ru"


def test_bad_lines_are_reported_with_their_number(tmp_path: Path) -> None:
    d = tmp_path / "bad"
    _write(d, SUPPLIERS, NEEDS, QRELS)
    (d / "needs.jsonl").write_text('{"id": "N1"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"needs.jsonl:2"):
        load_set(d)
    (d / "qrels.tsv").write_text("N1\tS1\tthree\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"qrels.tsv:1"):
        read_qrels(d / "qrels.tsv")


@pytest.mark.parametrize("name", ["matching-dev", "eec-tnved-decisions/as-matching-set"])
def test_shared_sets_load(name: str) -> None:
    directory = SHARED_DATA / name
    if not (directory / "qrels.tsv").is_file():
        pytest.skip(f"{directory} is not available")
    data = load_set(directory)
    assert len(data.suppliers) >= 100
    assert len(data.needs) >= 30
    assert all(n.id in data.languages for n in data.needs)
    graded = [g for q in data.qrels.values() for g in q.values()]
    assert max(graded) == 3


def test_dev_set_engine_beats_baseline(glossary: Glossary) -> None:
    directory = SHARED_DATA / "matching-dev"
    if not (directory / "qrels.tsv").is_file():
        pytest.skip(f"{directory} is not available")
    result = evaluate(directory, glossary)
    assert result["ndcg@10"]["engine"] > result["ndcg@10"]["baseline"]
    assert result["by_language"]["en"]["ndcg@10"]["engine"] > 0.6
