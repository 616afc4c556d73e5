"""The per-app cache of fitted match indexes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from flask import Flask, current_app

from matchmaker.matching import Glossary, MatchIndex, SupplierDoc, load_glossary

_EXTENSION_KEY = "matchmaker.index_cache"


class IndexCache:
    """Fitted indexes keyed by catalogue version, so a profile edit is seen at once.

    A version names one state of the supplier catalogue; an index built for it stays
    right until the catalogue changes, and then the next ranking builds a new one.
    """

    def __init__(self, glossary_path: Path, size: int = 2) -> None:
        self._glossary_path = glossary_path
        self._size = size
        self._lock = threading.Lock()
        self._glossary: Glossary | None = None
        self._labels_ru: dict[str, str] | None = None
        self._indexes: OrderedDict[str, MatchIndex] = OrderedDict()

    def glossary(self) -> Glossary:
        with self._lock:
            if self._glossary is None:
                self._glossary = load_glossary(self._glossary_path)
            return self._glossary

    def russian_labels(self) -> Mapping[str, str]:
        """English concept label → Russian label, for pages read in Russian."""
        glossary = self.glossary()
        with self._lock:
            if self._labels_ru is None:
                self._labels_ru = {
                    c.label: c.label_ru for c in glossary.concepts.values() if c.label_ru
                }
            return self._labels_ru

    def index(self, version: str, load: Callable[[], Sequence[SupplierDoc]]) -> MatchIndex:
        """The index of one catalogue version: cached, updated from the last one, or built.

        A new version usually differs from the last one by a few profiles: only those are
        read again (`MatchIndex.with_suppliers`), which ranks exactly like a fresh build.
        """
        with self._lock:
            cached = self._indexes.get(version)
            if cached is not None:
                self._indexes.move_to_end(version)
                return cached
            latest = next(reversed(self._indexes.values()), None)
        glossary = self.glossary()
        docs = load()
        built = _updated(latest, docs) if latest is not None else None
        if built is None:
            built = MatchIndex.build(docs, glossary)
        with self._lock:
            self._indexes[version] = built
            while len(self._indexes) > self._size:
                self._indexes.popitem(last=False)
        return built


def _updated(previous: MatchIndex, docs: Sequence[SupplierDoc]) -> MatchIndex | None:
    """`previous` brought up to `docs`, or None when most of the catalogue changed."""
    known = {d.id: d for d in previous.suppliers}
    changed = [d for d in docs if known.get(d.id) != d]
    current = {d.id for d in docs}
    removed = [sid for sid in known if sid not in current]
    if 2 * (len(changed) + len(removed)) > len(docs):
        return None
    return previous.with_suppliers(changed, removed)


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = IndexCache(Path(app.config["SEED_DIR"]) / "glossary.json")


def index_cache() -> IndexCache:
    cache: IndexCache = current_app.extensions[_EXTENSION_KEY]
    return cache
