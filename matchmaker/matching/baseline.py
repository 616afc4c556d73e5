"""The plain word TF-IDF ranking the engine is measured against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .types import NeedDoc, SupplierDoc


def supplier_text(s: SupplierDoc) -> str:
    certs = " ".join(c.standard for c in s.certifications)
    return " ".join(
        x
        for x in (
            s.name,
            s.description,
            " ".join(s.processes),
            " ".join(s.materials),
            certs,
            s.products,
            s.customers,
            s.region,
        )
        if x
    )


def need_text(n: NeedDoc) -> str:
    return " ".join(
        x
        for x in (
            n.part_name,
            n.description,
            " ".join(n.processes),
            " ".join(n.materials),
            " ".join(n.required_certifications),
        )
        if x
    )


def baseline_rank(
    suppliers: Sequence[SupplierDoc], needs: Sequence[NeedDoc]
) -> list[tuple[str, ...]]:
    """Rank all suppliers for each need by cosine of default word TF-IDF vectors.

    scikit-learn's default `TfidfVectorizer` over the concatenated supplier fields, queried
    by the concatenated need fields. Ties keep catalogue order.
    """
    # Imported here: the engine's worker processes need not load it.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    if not suppliers:
        return [() for _ in needs]
    vec = TfidfVectorizer()
    try:
        x = vec.fit_transform([supplier_text(s) for s in suppliers])
    except ValueError:  # every supplier text is empty
        return [tuple(s.id for s in suppliers) for _ in needs]
    q = vec.transform([need_text(n) for n in needs])
    sims = cosine_similarity(q, x)
    ids = np.array([s.id for s in suppliers], dtype=object)
    out: list[tuple[str, ...]] = []
    for row in sims:
        order = np.argsort(-row, kind="stable")
        out.append(tuple(ids[order]))
    return out
