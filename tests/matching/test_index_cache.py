"""The app's index cache: a new catalogue version updates the last index in place."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from matchmaker.matching import MatchIndex, synthetic
from matchmaker.shortlists.cache import IndexCache
from tests.matching.conftest import GLOSSARY_PATH


def test_a_new_version_rereads_only_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = IndexCache(GLOSSARY_PATH)
    glossary = cache.glossary()
    docs = synthetic.suppliers(glossary, 30, seed=3)
    needs = synthetic.needs(glossary, 6, seed=4)
    build = MatchIndex.build
    full_builds: list[int] = []

    def counted_build(suppliers: Any, *args: Any, **kwargs: Any) -> MatchIndex:
        full_builds.append(len(suppliers))
        return build(suppliers, *args, **kwargs)

    monkeypatch.setattr(MatchIndex, "build", counted_build)
    first = cache.index("v1", lambda: docs)
    # One profile edited, three suppliers gone, one new.
    edited = replace(docs[3], description=docs[3].description + " Литьё алюминия под давлением.")
    newcomer = replace(docs[9], id="new-supplier", name="ООО «Новый литейщик»")
    catalogue = [edited, *docs[4:], newcomer]
    second = cache.index("v2", lambda: catalogue)
    assert full_builds == [30]
    assert edited in second.suppliers and docs[3] not in second.suppliers
    fresh = build(catalogue, glossary)
    assert sorted(second.supplier_ids) == sorted(fresh.supplier_ids)
    assert second.rank_many(needs) == fresh.rank_many(needs)
    assert any(r.matches for r in fresh.rank_many(needs))
    # Versions already built come from the cache; the first one was left untouched.
    assert cache.index("v1", lambda: []) is first
    assert set(first.supplier_ids) == {d.id for d in docs}
    # The same catalogue under a new version reads nothing again.
    assert cache.index("v3", lambda: catalogue).rank_many(needs) == fresh.rank_many(needs)
    # A catalogue mostly new is built afresh.
    other = [replace(d, description=d.description + " Сварка.") for d in docs]
    cache.index("v4", lambda: other)
    assert full_builds == [30, 30]
