"""Reading a catalogue into the flat arrays the index is made of.

Each supplier is analysed once (tokens, concepts, certificates, whether it makes parts
at all) and reduced to rows of counts per channel; runs of suppliers become parts (in
worker processes for a large catalogue), and parts are merged into a `Catalogue`. The
index fits its weights on that.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import certificates as certs
from .features import CONCEPT_PREFIX, JOIN, DocFeatures, analyze, supplier_fields
from .glossary import Glossary
from .types import SupplierDoc

# Supplier-side matrices: full text, process list, material list, short-field n-grams.
CHANNELS = ("all", "proc", "mat", "char")
# Channels that store which terms a row has, not how often: a row's weights follow from the
# idf and the row's norm, so the fitted channel keeps no weights of its own.
PRESENCE_CHANNELS = frozenset({"char"})
# Fields whose character n-grams make the "char" channel; a supplier with none of them
# filled in lends the head of its description instead.
SHORT_FIELDS = ("name", "processes", "materials", "products")
HEAD_WORDS = 24
# Actor cue weight (see the glossary) a company may carry before it counts as making no
# parts at all.
ACTOR_SLACK = 0.5
# Below this many suppliers worker processes cost more than they save.
PARALLEL_MIN = 5_000
# Runs of suppliers per reading process (claimed one at a time, see `read`): short runs,
# so that no process is left alone with a long one at the end.
RUNS_PER_WORKER = 64
# Runs a forked reader leaves to this process: it reads them while the workers send their
# parts back (about a twentieth of their reading time), where it would otherwise wait.
LEFT_TO_PARENT = 4

SUPPLIER_FIELDS = ("name", "processes", "materials", "description", "products", "customers")
_FIELD_INDEX = {name: k for k, name in enumerate(SUPPLIER_FIELDS)}
# A term without a quotable surface (field "": none).
_NO_SPAN = ("", 0, 0)


@dataclass(frozen=True)
class Block:
    """Raw term counts of one channel, rows = suppliers, with the channel vocabulary."""

    # int32 counts, float32 ones in a presence channel (columns in no particular order
    # within a row)
    counts: sp.csr_matrix
    vocab: Mapping[str, int]


@dataclass(frozen=True)
class Channel:
    """One channel fitted: idf weights, and the rows and/or postings scoring needs."""

    vocab: Mapping[str, int]
    idf: np.ndarray
    # l2-normalized tf-idf, same structure as the counts; for a presence channel, the
    # counts themselves (all 1): entry (i, j) weighs idf[j] / norms[i].
    x: sp.csr_matrix | None
    xt: sp.csr_matrix | None  # postings (transposed), for channels scored over the catalogue
    norms: np.ndarray | None = None  # row norms of a presence channel


def fit_channel(name: str, block: Block) -> Channel:
    """Sublinear tf-idf (scikit-learn's idf), l2-normalized rows; rows kept only if needed."""
    counts = block.counts
    n_terms = len(block.vocab)
    if counts.shape[1] < n_terms:
        counts = sp.csr_matrix(
            (counts.data, counts.indices, counts.indptr), (counts.shape[0], n_terms)
        )
    if counts.nnz == 0 or counts.shape[0] == 0:
        idf = np.ones(n_terms, dtype=np.float64)
    else:
        # Imported here: worker processes that only read suppliers start faster without it.
        from sklearn.feature_extraction.text import TfidfTransformer

        idf = TfidfTransformer(sublinear_tf=True).fit(counts).idf_
    # float32 throughout (memory: 10⁷ entries at 10⁵ suppliers), but row norms summed in
    # float64: the entries of a row may come in any column order, and the result must not
    # depend on it.
    if name in PRESENCE_CHANNELS:
        # Every count is 1, so every tf is 1: a row's weights are the idf of its terms.
        weights = idf.astype(np.float32)
        norms = _row_norms(counts, (weights * weights)[counts.indices])
        return Channel(block.vocab, idf, counts, None, norms)
    data = np.log(counts.data.astype(np.float32))
    data += 1.0
    data *= idf.astype(np.float32)[counts.indices]
    norms = _row_norms(counts, data * data)
    data /= np.repeat(norms, np.diff(counts.indptr)).astype(np.float32)
    x = sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
    # Rows serve explanations (full text); postings serve scoring.
    rows = x if name == "all" else None
    return Channel(block.vocab, idf, rows, x.T.tocsr())


def _row_norms(counts: sp.csr_matrix, squares: np.ndarray) -> np.ndarray:
    """Square roots of the row sums of `squares` (aligned with the entries), 1 for empty rows."""
    lengths = np.diff(counts.indptr)
    if squares.size:
        starts = np.minimum(counts.indptr[:-1], squares.size - 1)
        sums = np.add.reduceat(squares, starts, dtype=np.float64)
        sums[lengths == 0] = 0.0
    else:
        sums = np.zeros(counts.shape[0], dtype=np.float64)
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    return norms


@dataclass(frozen=True)
class Catalogue:
    """Every supplier's rows, before weighting."""

    docs: tuple[SupplierDoc, ...]
    blocks: Mapping[str, Block]  # channel → counts and vocabulary
    surfaces: tuple[np.ndarray, np.ndarray, np.ndarray]  # aligned with blocks["all"] entries
    concepts: sp.csr_matrix  # suppliers × glossary concepts, strengths
    held: tuple[tuple[certs.HeldStandard, ...], ...]
    non_maker: np.ndarray  # 0 = makes parts … 1 = trader, consultant, repair shop


@dataclass(frozen=True)
class _Prepared:
    """One supplier read and reduced to what the index keeps."""

    terms: Mapping[str, list[str]]  # channel → terms
    spans: Mapping[str, tuple[str, int, int]]  # term → (field, start, end), first seen
    concepts: Mapping[str, float]
    held: tuple[certs.HeldStandard, ...]
    non_manufacturer: float


def _prepare(s: SupplierDoc, glossary: Glossary) -> _Prepared:
    fields = supplier_fields(s)
    f = analyze(fields, glossary)
    g = glossary
    concept_terms = [CONCEPT_PREFIX + c for c in sorted(f.concepts)]
    all_terms = [t for toks in f.fields.values() for t in toks] + concept_terms
    proc = list(f.fields.get("processes", ())) + [
        CONCEPT_PREFIX + c for c in sorted(f.concepts) if g.concepts[c].family == "process"
    ]
    mat = list(f.fields.get("materials", ())) + [
        CONCEPT_PREFIX + c for c in sorted(f.concepts) if g.concepts[c].family == "material"
    ]
    held = tuple(
        h for h in (certs.parse_held(c.standard, c.valid_until) for c in s.certifications) if h
    )
    actor = sum(f.actors.values())
    # A company whose own process list names core manufacturing processes is a maker even
    # if its text also mentions distributors or tool shops.
    core_in_list = any(
        g.concepts[c].family == "process" and g.concepts[c].role == "core" and "processes" in fs
        for c, fs in f.direct_fields.items()
    )
    # One passing cue ("торговых центров") proves nothing; several do.
    non_manufacturer = min(1.0, max(0.0, actor - ACTOR_SLACK - (0.6 if core_in_list else 0.0)))
    return _Prepared(
        terms={"all": all_terms, "proc": proc, "mat": mat, "char": _char_words(f)},
        spans=f.spans,
        concepts=dict(f.concepts),
        held=held,
        non_manufacturer=non_manufacturer,
    )


def _char_words(f: DocFeatures) -> list[str]:
    """The words whose character n-grams make the supplier's "char" row."""
    words = [w for k in SHORT_FIELDS for w in f.words.get(k, ())]
    if not words:
        words = list(f.words.get("description", ())[:HEAD_WORDS])
    return words


@dataclass(frozen=True)
class _Part:
    """Rows for a run of suppliers, in the vocabulary of the process that read them.

    Columns are local; the vocabularies are merged with the others in `assemble`.
    """

    vocab: Mapping[str, list[str]]  # channel → terms by local column
    indptr: Mapping[str, np.ndarray]
    indices: Mapping[str, np.ndarray]
    counts: Mapping[str, np.ndarray]  # none for presence channels: every count is 1
    surfaces: tuple[np.ndarray, np.ndarray, np.ndarray]  # aligned with the "all" entries
    concepts: sp.csr_matrix
    held: tuple[tuple[certs.HeldStandard, ...], ...]
    non_maker: np.ndarray


class _PartBuilder:
    """Collects prepared suppliers into flat arrays, one at a time.

    Nothing per supplier is kept but its rows: a catalogue of 10⁵ profiles must fit in
    memory next to the app.
    """

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self.cidx = {cid: j for j, cid in enumerate(glossary.concepts)}
        self.vocab: dict[str, dict[str, int]] = {ch: {} for ch in CHANNELS}
        self.indptr: dict[str, array[int]] = {ch: array("q", [0]) for ch in CHANNELS}
        self.indices: dict[str, array[int]] = {ch: array("i") for ch in CHANNELS}
        # Term counts; the "char" channel stores presence only (see `add`).
        self.counts: dict[str, array[int]] = {ch: array("i") for ch in ("all", "proc", "mat")}
        # (field, start, end) of each "all" entry, one triple after another.
        self.surf: array[int] = array("i")
        self.c_indptr: array[int] = array("q", [0])
        self.c_indices: array[int] = array("i")
        self.c_data: array[float] = array("f")
        self.held: list[tuple[certs.HeldStandard, ...]] = []
        self.non_maker: array[float] = array("f")
        # A word's n-gram columns, looked up once per word rather than once per n-gram.
        self.word_grams: dict[str, tuple[int, ...]] = {}

    def add(self, p: _Prepared) -> None:
        for ch in ("all", "proc", "mat"):
            vocab = self.vocab[ch]
            # Terms in order of first appearance (Counter keeps it): the row's entries and
            # their surface offsets line up without sorting.
            counted = Counter(p.terms[ch])
            # A new term takes the next column (len() is read before the insertion).
            column = vocab.setdefault
            # (fromlist: twice as fast as extend, which takes any iterable item by item)
            self.indices[ch].fromlist([column(t, len(vocab)) for t in counted])
            self.counts[ch].fromlist(list(counted.values()))
            self.indptr[ch].append(len(self.indices[ch]))
            if ch == "all":
                where = p.spans.get
                found = [where(t, _NO_SPAN) for t in counted]
                field = _FIELD_INDEX.get
                self.surf.fromlist([x for f, a, b in found for x in (field(f, -1), a, b)])
        grams: set[int] = set()
        for w in p.terms["char"]:
            ids = self.word_grams.get(w)
            if ids is None:
                vocab = self.vocab["char"]
                out = []
                for gram in self.glossary.analyzer.char_ngrams(w):
                    j = vocab.get(gram)
                    if j is None:
                        j = vocab[gram] = len(vocab)
                    out.append(j)
                ids = self.word_grams[w] = tuple(out)
            grams.update(ids)
        # Presence, not counts: short fields repeat little (the counts, all 1, are made in
        # `assemble`).
        self.indices["char"].fromlist(list(grams))
        self.indptr["char"].append(len(self.indices["char"]))
        ccols = sorted((self.cidx[c], v) for c, v in p.concepts.items() if c in self.cidx)
        self.c_indices.fromlist([c for c, _ in ccols])
        self.c_data.fromlist([v for _, v in ccols])
        self.c_indptr.append(len(self.c_indices))
        self.held.append(p.held)
        self.non_maker.append(p.non_manufacturer)

    def result(self, bounds: Sequence[int] | None = None) -> list[_Part]:
        """The rows collected, as one part, or one part per run between the row bounds.

        The parts share the vocabulary lists (pickled once on the way back from a worker,
        mapped once when merged).
        """
        n = len(self.held)
        cuts = list(bounds) if bounds is not None else [0, n]
        vocab = {ch: list(v) for ch, v in self.vocab.items()}
        indptr = {ch: np.frombuffer(a, dtype=np.int64) for ch, a in self.indptr.items()}
        indices = {ch: np.frombuffer(a, dtype=np.int32) for ch, a in self.indices.items()}
        counts = {ch: np.frombuffer(a, dtype=np.int32) for ch, a in self.counts.items()}
        surf = np.frombuffer(self.surf, dtype=np.int32).reshape(-1, 3)
        concepts = sp.csr_matrix(
            (
                np.frombuffer(self.c_data, dtype=np.float32),
                np.frombuffer(self.c_indices, dtype=np.int32),
                np.frombuffer(self.c_indptr, dtype=np.int64),
            ),
            shape=(n, len(self.cidx)),
        )
        non_maker = np.frombuffer(self.non_maker, dtype=np.float32)
        parts: list[_Part] = []
        for lo, hi in itertools.pairwise(cuts):
            spans = {ch: (int(indptr[ch][lo]), int(indptr[ch][hi])) for ch in CHANNELS}
            a, b = spans["all"]
            parts.append(
                _Part(
                    vocab=vocab,
                    indptr={ch: indptr[ch][lo : hi + 1] - indptr[ch][lo] for ch in CHANNELS},
                    indices={ch: indices[ch][slice(*spans[ch])] for ch in CHANNELS},
                    counts={ch: a[slice(*spans[ch])] for ch, a in counts.items()},
                    surfaces=(
                        surf[a:b, 0].astype(np.int8),
                        np.ascontiguousarray(surf[a:b, 1]),
                        np.ascontiguousarray(surf[a:b, 2]),
                    ),
                    concepts=concepts[lo:hi],
                    held=tuple(self.held[lo:hi]),
                    non_maker=non_maker[lo:hi],
                )
            )
        return parts


def read(glossary: Glossary, docs: Sequence[SupplierDoc], workers: int) -> list[_Part]:
    """Parts for the suppliers (in catalogue order), read here or by worker processes."""
    if workers <= 1 or len(docs) < PARALLEL_MIN:
        return [_build_part(glossary, docs)]
    # Runs of suppliers claimed one at a time by whichever process is free: a worker that
    # runs slower, or this process importing the weighting code, leaves nobody idle.
    size = -(-len(docs) // (workers * RUNS_PER_WORKER))
    runs = [docs[k : k + size] for k in range(0, len(docs), size)]
    if "fork" in multiprocessing.get_all_start_methods():
        # Forked workers see the suppliers without pickling them.
        fork = multiprocessing.get_context("fork")
        job = _Reading(glossary, runs, Cursor(fork.Value("q", 0), len(runs), 1))
        with (
            hidden_from_collector(),
            fork.Pool(workers - 1, initializer=_adopt, initargs=(job,)) as pool,
        ):
            # Each worker claims runs until none are left and sends its parts at the end:
            # sent while this process is busy, they would wait for it at every step.
            pending = pool.map_async(_read_claimed, range(workers - 1))
            # Needed once the parts are in; imported now, while the workers read.
            import sklearn.feature_extraction.text  # noqa: F401

            done = job.work()
            for parts in pending.get():
                done.extend(parts)
        return [part for _, part in sorted(done, key=lambda kp: kp[0])]
    # Without fork, each spawned worker gets one share of the suppliers, pickled.
    share = -(-len(docs) // workers)
    shares = [docs[k : k + share] for k in range(0, len(docs), share)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(_build_part, [glossary] * len(shares), shares))


@dataclass(frozen=True)
class Cursor:
    """Hands out consecutive ranges of work items to forked processes, first come first served."""

    value: Any  # a multiprocessing.Value("q"): the first item nobody claimed yet
    total: int
    step: int

    def claim(self, leave: int = 0) -> range:
        """The next items; none once only `leave` items are left (for other claimants)."""
        with self.value.get_lock():
            start = int(self.value.value)
            if self.total - start <= leave:
                return range(0)
            self.value.value = start + self.step
        return range(start, min(start + self.step, self.total))


@dataclass(frozen=True)
class _Reading:
    glossary: Glossary
    runs: list[Sequence[SupplierDoc]]
    cursor: Cursor

    def work(self, leave: int = 0) -> list[tuple[int, _Part]]:
        """Read claimed runs until only `leave` are left: (run number, part) pairs.

        One builder reads them all, so that the parts share one vocabulary.
        """
        builder = _PartBuilder(self.glossary)
        taken: list[int] = []
        bounds = [0]
        with collector_paused():
            while claimed := self.cursor.claim(leave):
                for k in claimed:
                    for doc in self.runs[k]:
                        builder.add(_prepare(doc, self.glossary))
                    taken.append(k)
                    bounds.append(len(builder.held))
        return list(zip(taken, builder.result(bounds), strict=True))


# What a forked reader reads: set once in the child by the pool's initializer
# (inherited through fork, not pickled), never in the parent process.
_READER: list[_Reading] = []


def _adopt(job: _Reading) -> None:
    _READER.append(job)


def _read_claimed(_task: int) -> list[tuple[int, _Part]]:
    return _READER[0].work(LEFT_TO_PARENT)


def _build_part(glossary: Glossary, suppliers: Sequence[SupplierDoc]) -> _Part:
    """Read a run of suppliers (in a worker process when the catalogue is large)."""
    builder = _PartBuilder(glossary)
    with collector_paused():
        for s in suppliers:
            builder.add(_prepare(s, glossary))
    return builder.result()[0]


def assemble(
    docs: tuple[SupplierDoc, ...],
    parts: Sequence[_Part],
    base: tuple[Catalogue, np.ndarray] | None,
) -> Catalogue:
    """Merge parts (and the kept rows of a previous catalogue) into one catalogue."""
    blocks: dict[str, Block] = {}
    for ch in CHANNELS:
        vocab: dict[str, int] = dict(base[0].blocks[ch].vocab) if base else {}
        datas: list[np.ndarray] = []
        indices: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        if base is not None:
            index, keep = base
            old = index.blocks[ch].counts[keep]
            if ch not in PRESENCE_CHANNELS:
                datas.append(old.data)
            indices.append(old.indices)
            lengths.append(np.diff(old.indptr))
        # Parts read by one process share its vocabulary: each is mapped once.
        mappings: dict[int, np.ndarray] = {}
        for part in parts:
            terms = part.vocab[ch]
            mapping = mappings.get(id(terms))
            if mapping is None:
                column = vocab.setdefault
                mapping = mappings[id(terms)] = np.array(
                    [column(t, len(vocab)) for t in terms], dtype=np.int32
                )
            local_indices = part.indices[ch]
            indices.append(mapping[local_indices] if local_indices.size else local_indices)
            if ch not in PRESENCE_CHANNELS:
                datas.append(part.counts[ch])
            lengths.append(np.diff(part.indptr[ch]))
        # Concatenated by hand rather than stacked: one copy, not two, of 10⁷ entries.
        row_lengths = np.concatenate(lengths)
        indptr = np.zeros(row_lengths.size + 1, dtype=np.int64)
        np.cumsum(row_lengths, out=indptr[1:])
        # A presence channel counts 1 for each entry, as float32: scikit-learn takes that
        # as it is, where it would copy 10⁷ integers into floats.
        data = (
            np.ones(int(indptr[-1]), dtype=np.float32)
            if ch in PRESENCE_CHANNELS
            else np.concatenate(datas)
        )
        rows = sp.csr_matrix(
            (data, np.concatenate(indices), indptr), shape=(row_lengths.size, len(vocab))
        )
        del datas, indices, lengths
        blocks[ch] = Block(rows, vocab)
    surf_parts = [p.surfaces for p in parts]
    concept_parts = [p.concepts for p in parts]
    held: tuple[tuple[certs.HeldStandard, ...], ...] = tuple(h for p in parts for h in p.held)
    nm_parts = [p.non_maker for p in parts]
    if base is not None:
        index, keep = base
        surf_parts.insert(0, _select_aligned(index.blocks["all"].counts, keep, index.surfaces))
        concept_parts.insert(0, index.concepts[keep])
        held = tuple(index.held[i] for i in keep.tolist()) + held
        nm_parts.insert(0, index.non_maker[keep])
    surfaces = (
        np.concatenate([sp_[0] for sp_ in surf_parts]),
        np.concatenate([sp_[1] for sp_ in surf_parts]),
        np.concatenate([sp_[2] for sp_ in surf_parts]),
    )
    concepts = sp.vstack(concept_parts, format="csr")
    non_maker = np.concatenate(nm_parts)
    return Catalogue(docs, blocks, surfaces, concepts, held, non_maker)


def field_text(doc: SupplierDoc, field_index: int) -> str:
    """One field of a supplier as the analysis saw it (see `supplier_fields`)."""
    name = SUPPLIER_FIELDS[field_index]
    if name in ("processes", "materials"):
        return JOIN.join(getattr(doc, name))
    text: str = getattr(doc, name)
    return text


def check_ids(suppliers: Sequence[SupplierDoc]) -> None:
    seen: set[str] = set()
    for s in suppliers:
        if s.id in seen:
            raise ValueError(f"duplicate supplier id {s.id!r}")
        seen.add(s.id)


def _select_aligned(
    counts: sp.csr_matrix, keep: np.ndarray, arrays: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if keep.size == 0:
        return (arrays[0][:0], arrays[1][:0], arrays[2][:0])
    starts = counts.indptr[keep]
    ends = counts.indptr[keep + 1]
    pos = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
    return (arrays[0][pos], arrays[1][pos], arrays[2][pos])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch (a build, a `rank_many`).

    A batch makes hundreds of thousands of small acyclic objects (tokens, matches and
    their explanations, copies coming back from a worker); each collection they trigger
    walks every object of the catalogue again, for nothing to collect. Plain reference
    counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def hidden_from_collector() -> Iterator[None]:
    """Keep the objects made so far out of the cyclic collector's sight (around a fork).

    A forked worker shares this process's objects; every collection there would walk all
    of them (the catalogue: millions of objects) and copy the pages it touches. Frozen
    before the fork, they are out of reach in both processes until the workers are done.
    """
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        # What the caller had frozen itself (a server after loading, say) stays frozen.
        if not frozen_before:
            gc.unfreeze()
