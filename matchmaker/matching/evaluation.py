"""Offline evaluation: the engine and plain word TF-IDF on a labelled set, side by side.

Reads only suppliers.jsonl, needs.jsonl and qrels.tsv, so any set in the matching-dev
format works.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .baseline import baseline_rank
from .datasets import load_set
from .glossary import Glossary
from .index import MatchIndex
from .types import Ranking

METRICS = ("ndcg@10", "map", "recall@50", "mrr")
# MAP, Recall@50 and MRR count a supplier as relevant from this grade on.
RELEVANT_GRADE = 2


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gains 2^grade − 1."""
    dcg = sum(
        (2 ** grades.get(sid, 0) - 1) / math.log2(pos + 2) for pos, sid in enumerate(ranked[:k])
    )
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(pos + 2) for pos, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def average_precision(ranked: Sequence[str], relevant: set[str]) -> float:
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    for pos, sid in enumerate(ranked):
        if sid in relevant:
            hits += 1
            total += hits / (pos + 1)
    return total / len(relevant)


def recall_at(ranked: Sequence[str], relevant: set[str], k: int = 50) -> float:
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    for pos, sid in enumerate(ranked[:k]):
        if sid in relevant:
            return 1.0 / (pos + 1)
    return 0.0


def metrics_for(ranked: Sequence[str], grades: Mapping[str, int]) -> dict[str, float]:
    relevant = {sid for sid, g in grades.items() if g >= RELEVANT_GRADE}
    return {
        "ndcg@10": ndcg_at(ranked, grades),
        "map": average_precision(ranked, relevant),
        "recall@50": recall_at(ranked, relevant),
        "mrr": reciprocal_rank(ranked, relevant),
    }


def full_order(ranking: Ranking, all_ids: Sequence[str]) -> list[str]:
    """Every supplier once: matches, then near misses, then the rest in catalogue order."""
    seen: list[str] = [m.supplier_id for m in ranking.matches]
    seen += [m.supplier_id for m in ranking.near_misses]
    listed = set(seen)
    return seen + [sid for sid in all_ids if sid not in listed]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _aggregate(per_need: Sequence[tuple[dict[str, float], dict[str, float]]]) -> dict[str, Any]:
    return {
        m: {
            "engine": round(_mean([e[m] for e, _ in per_need]), 4),
            "baseline": round(_mean([b[m] for _, b in per_need]), 4),
        }
        for m in METRICS
    }


def evaluate(directory: Path, glossary: Glossary) -> dict[str, Any]:
    """Score the engine and the word TF-IDF baseline on a set; needs without qrels are skipped."""
    data = load_set(directory)
    ids = [s.id for s in data.suppliers]
    needs = [n for n in data.needs if any(g > 0 for g in data.qrels.get(n.id, {}).values())]
    index = MatchIndex.build(data.suppliers, glossary)
    rankings = index.rank_many(needs, limit=len(ids), near_limit=len(ids), explain=False)
    base = baseline_rank(data.suppliers, needs)
    per_need: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    for need, ranking, b in zip(needs, rankings, base, strict=True):
        grades = data.qrels[need.id]
        per_need[need.id] = (metrics_for(full_order(ranking, ids), grades), metrics_for(b, grades))
    result: dict[str, Any] = _aggregate(list(per_need.values()))
    by_lang: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for lang in sorted({data.languages.get(n.id, "unknown") for n in needs}):
        rows = [per_need[n.id] for n in needs if data.languages.get(n.id, "unknown") == lang]
        by_lang[lang] = _aggregate(rows)
        counts[lang] = len(rows)
    result["by_language"] = by_lang
    result["needs_by_language"] = counts
    result["needs"] = len(needs)
    result["suppliers"] = len(ids)
    result["per_need"] = {
        nid: {m: {"engine": round(e[m], 4), "baseline": round(b[m], 4)} for m in METRICS}
        for nid, (e, b) in per_need.items()
    }
    return result


def format_report(result: Mapping[str, Any]) -> str:
    """A plain-text table: each metric for the engine and the baseline, overall and by language."""
    header = f"{'':<14}" + "".join(f"{m:>22}" for m in METRICS)
    sub = f"{'':<14}" + "".join(f"{'engine':>11}{'baseline':>11}" for _ in METRICS)

    def row(label: str, block: Mapping[str, Any]) -> str:
        cells = "".join(
            f"{block[m]['engine']:>11.3f}{block[m]['baseline']:>11.3f}" for m in METRICS
        )
        return f"{label:<14}{cells}"

    lines = [
        f"{result.get('needs', '?')} needs × {result.get('suppliers', '?')} suppliers "
        "(MAP, Recall@50, MRR@10: relevant = grade ≥ 2; nDCG@10 gain 2^grade − 1)",
        header,
        sub,
        row("all", result),
    ]
    counts = result.get("needs_by_language", {})
    for lang, block in result.get("by_language", {}).items():
        lines.append(row(f"{lang} ({counts.get(lang, '?')})", block))
    return "\n".join(lines)
