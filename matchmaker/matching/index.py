"""The fitted matching index: suppliers in, ranked and explained suppliers per need out.

Everything per supplier lives in sparse matrices and flat arrays so that one need is
scored against the whole catalogue with a few sparse products and vector operations;
explanations are built only for the suppliers that are returned.
"""

from __future__ import annotations

import marshal
import math
import multiprocessing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from . import certificates as certs
from .build import (
    Catalogue,
    Channel,
    Cursor,
    assemble,
    check_ids,
    collector_paused,
    field_text,
    fit_channel,
    hidden_from_collector,
    read,
)
from .features import CONCEPT_PREFIX, DocFeatures
from .glossary import Glossary
from .profile import NeedProfile, need_profile
from .types import Match, NeedDoc, Ranking, Requirement, SupplierDoc, TermContribution

# Weights of the evidence channels; tuned on the dev set (see tests/bench and the report).
# Certificates are not scored: they gate (a supplier without them is a near miss), and
# scoring them as well would rank a certified company that cannot make the part above
# one that can but lacks the paper.
WEIGHTS: Mapping[str, float] = {
    "process": 0.35,
    "material": 0.20,
    "part": 0.10,
    "sector": 0.04,
    "text": 0.20,
}
# Weights of the lexical channels inside "text".
TEXT_WEIGHTS: Mapping[str, float] = {
    "all": 0.5,
    "part": 0.2,
    "proc": 0.2,
    "mat": 0.1,
    "char": 0.4,
}
# Partial credit for a process the supplier has only in a nearby form.
RELATED_CREDIT = 0.5
BROADER_CREDIT = 0.35
SIBLING_CREDIT = 0.15
SECONDARY_MISSING = "secondary step, may be subcontracted"
_SHOWN_FAMILIES = frozenset({"process", "material", "part"})
# How many term contributions an explanation shows.
TERMS_SHOWN = 3
# A non-manufacturer keeps this share of its score less.
NON_MAKER_PENALTY = 0.7
# Catalogues up to this size (a region's) are scored exactly and in full; larger ones only
# on candidate rows, at a fraction of the cost and close to the exact order (see
# `_candidates`).
FULL_SCAN_MAX = 5_000
# Rows of a large catalogue that get the full scoring for a need.
CANDIDATES = 800
# Near misses returned by default (at most `limit`).
NEAR_MISSES = 20
# In a large catalogue, postings read per lexical query (rarest terms first).
POSTINGS_BUDGET = 20_000
# Rows reranked with the character n-gram channel.
CHAR_RERANK = 150
_FAR_FUTURE = date(9999, 12, 31).toordinal()
# Below this many needs a worker process costs more than it saves.
PARALLEL_NEEDS_MIN = 64


@dataclass(frozen=True)
class _Query:
    """A need's tf-idf vector in one channel: sorted columns and l2-normalized weights."""

    channel: str
    cols: np.ndarray
    vals: np.ndarray


def _query(
    name: str, channel: Channel, terms: Iterable[str], names: Sequence[str]
) -> _Query | None:
    counts: dict[int, int] = {}
    for t in terms:
        j = channel.vocab.get(t)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    if not counts:
        return None
    # Terms in their own (alphabetical) order, not by column: sums then run in the same
    # order however the catalogue's vocabulary was numbered, and scores match exactly.
    ordered = sorted(counts, key=lambda j: names[j])
    cols = np.array(ordered, dtype=np.int64)
    vals = np.array([counts[c] for c in ordered], dtype=np.float64)
    data = (1.0 + np.log(vals)) * channel.idf[cols]
    data /= math.sqrt(float(np.sort(data * data).sum()))
    return _Query(name, cols, data.astype(np.float32))


def _char_need_terms(f: DocFeatures, g: Glossary) -> list[str]:
    out: list[str] = []
    for k in ("part_name", "processes", "materials"):
        for w in f.words.get(k, ()):
            out.extend(g.analyzer.char_ngrams(w))
    return out


class MatchIndex:
    """An immutable, fitted index over one catalogue version.

    Build it with `MatchIndex.build`; the app caches it per catalogue version and can
    derive the next version with `with_suppliers`.
    """

    def __init__(self, glossary: Glossary, catalogue: Catalogue) -> None:
        self._glossary = glossary
        self._catalogue = catalogue
        self._docs = catalogue.docs
        self._ids = tuple(d.id for d in catalogue.docs)
        # Each row's place in supplier id order: how equal scores are ordered.
        self._tie = np.empty(len(self._ids), dtype=np.int64)
        self._tie[sorted(range(len(self._ids)), key=self._ids.__getitem__)] = np.arange(
            len(self._ids)
        )
        self._blocks = catalogue.blocks
        self._channels = {k: fit_channel(k, b) for k, b in catalogue.blocks.items()}
        self._surf_field, self._surf_start, self._surf_end = catalogue.surfaces
        self._concepts_csr = catalogue.concepts
        self._concepts_csc = catalogue.concepts.tocsc()
        self._held = catalogue.held
        self._non_manufacturer = catalogue.non_maker
        self._cidx = {cid: j for j, cid in enumerate(glossary.concepts)}
        self._cids = tuple(glossary.concepts)
        self._all_names = {k: _names(b.vocab) for k, b in catalogue.blocks.items()}
        # Built on first use: labels of the full-text columns for explanations.
        self._labels: tuple[list[str], list[str]] | None = None
        self._order: np.ndarray | None = None
        self._rows: dict[str, int] | None = None
        self._cert_until = _cert_arrays(catalogue.held)
        self._family_classes = self._material_class_arrays()
        # Per material class, the columns of its specific materials ("works PA66, PP").
        self._material_cols: dict[str, frozenset[int]] = {}
        for cid, c in glossary.concepts.items():
            if c.family == "material" and not c.generic and c.material_class:
                cols = self._material_cols.get(c.material_class, frozenset())
                self._material_cols[c.material_class] = cols | {self._cidx[cid]}
        self._siblings = _siblings(glossary)
        # Per concept column, for explanations: label, broader columns, shown or not.
        self._concept_labels = [glossary.label(c) for c in self._cids]
        self._ancestor_cols = [
            frozenset(self._cidx[a] for a in glossary.ancestors(c)) for c in self._cids
        ]
        self._shown_cols = [glossary.concepts[c].family in _SHOWN_FAMILIES for c in self._cids]
        self._related = _related(glossary)

    # ------------------------------------------------------------------ building

    @classmethod
    def build(
        cls, suppliers: Sequence[SupplierDoc], glossary: Glossary, *, workers: int = 1
    ) -> MatchIndex:
        """Read every supplier and fit the index.

        With `workers` > 1 a large catalogue is read by that many processes: this one
        and forked workers (where the platform has no fork, spawned ones: the calling
        program's main module must then be import-safe). Like `rank_many`, pass workers
        only from a batch job, never from a threaded web server. The index is the same
        either way.
        """
        check_ids(suppliers)
        docs = tuple(suppliers)
        return cls(glossary, assemble(docs, read(glossary, docs, workers), None))

    def with_suppliers(
        self,
        changed: Sequence[SupplierDoc],
        removed_ids: Sequence[str] = (),
        *,
        workers: int = 1,
    ) -> MatchIndex:
        """A new index with suppliers added, replaced or removed.

        Unchanged suppliers are not read again: their rows are copied from this index and
        only the weights are refitted, so a change costs far less than a full build.
        """
        check_ids(changed)
        gone = set(removed_ids) | {s.id for s in changed}
        keep = np.array([i for i, sid in enumerate(self._ids) if sid not in gone], dtype=np.int64)
        new = tuple(changed)
        docs = tuple(self._docs[i] for i in keep.tolist()) + new
        parts = read(self._glossary, new, workers)
        return MatchIndex(self._glossary, assemble(docs, parts, (self._catalogue, keep)))

    def _material_class_arrays(self) -> dict[str, np.ndarray]:
        g = self._glossary
        out: dict[str, np.ndarray] = {}
        n = len(self._ids)
        for cid, c in g.concepts.items():
            if c.family != "material" or c.generic or not c.material_class:
                continue
            j = self._cidx[cid]
            col = np.zeros(n, dtype=bool)
            csc = self._concepts_csc
            col[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = True
            out[c.material_class] = out.get(c.material_class, np.zeros(n, dtype=bool)) | col
        return out

    # ------------------------------------------------------------------ access

    @property
    def supplier_ids(self) -> tuple[str, ...]:
        return self._ids

    @property
    def suppliers(self) -> tuple[SupplierDoc, ...]:
        """The supplier documents the index was built from, in row order."""
        return self._docs

    @property
    def glossary(self) -> Glossary:
        return self._glossary

    def __len__(self) -> int:
        return len(self._ids)

    def _row_concepts(self, i: int) -> dict[str, float]:
        m = self._concepts_csr
        lo, hi = m.indptr[i], m.indptr[i + 1]
        return {
            self._cids[j]: float(v) for j, v in zip(m.indices[lo:hi], m.data[lo:hi], strict=True)
        }

    # ------------------------------------------------------------------ ranking

    def rank_many(
        self,
        needs: Sequence[NeedDoc],
        limit: int = 50,
        *,
        near_limit: int | None = None,
        workers: int = 1,
        explain: bool = True,
    ) -> list[Ranking]:
        """Rank suppliers for each need (the same as `rank` need by need).

        With `workers` > 1 and enough needs, forked worker processes share the index
        (copy-on-write: only the rankings travel, back) and this process ranks
        alongside them. Fork is unsafe in a threaded program: pass workers
        only from a batch job (the CLI, a benchmark), never from a web request.
        """
        with collector_paused():
            if (
                workers <= 1
                or len(needs) < PARALLEL_NEEDS_MIN
                or "fork" not in multiprocessing.get_all_start_methods()
            ):
                return [self.rank(n, limit, near_limit=near_limit, explain=explain) for n in needs]
            # The processes claim a few needs at a time until none are left, so that none
            # idles while another still works. A worker sends back each claim's rankings
            # (as plain tuples, see `_pack`): small messages, read here between steps.
            ctx = multiprocessing.get_context("fork")
            batch = _Batch(
                self,
                needs,
                limit,
                near_limit,
                explain,
                Cursor(ctx.Value("q", 0), len(needs), CLAIM),
            )
            with (
                hidden_from_collector(),
                ctx.Pool(workers - 1, initializer=_adopt_batch, initargs=(batch,)) as pool,
            ):
                claims = -(-len(needs) // CLAIM)
                pending = pool.imap_unordered(_work_claim, range(claims))
                done = batch.work()
                for part in pending:
                    done.extend((k, _unpack(packed)) for k, packed in marshal.loads(part))
            out: list[Ranking] = [Ranking("")] * len(needs)
            for k, ranking in done:
                out[k] = ranking
            return out

    def rank(
        self,
        need: NeedDoc,
        limit: int = 50,
        *,
        near_limit: int | None = None,
        explain: bool = True,
    ) -> Ranking:
        """Rank suppliers for one need: matches that pass the gates, then near misses.

        Near misses lack a required certificate or core process (or make no parts at all);
        suppliers without any evidence are in neither list. At most `limit` matches and
        `near_limit` near misses are returned (by default `limit`, but no more than
        NEAR_MISSES: the closest misses are what a buyer looks at). Without `explain`, the
        matches carry their scores and ranks only (for measuring the order, as `eval`
        does), at half the cost.
        """
        if near_limit is None:
            near_limit = min(limit, NEAR_MISSES)
        if not self._ids or (limit <= 0 and near_limit <= 0):
            return Ranking(need.id)
        scored = self._score(need)
        prof, on, view, ev = scored.profile, scored.on, scored.view, scored.evidence
        score, gated = ev.score, ev.gated
        positive = score > 0
        chosen: list[np.ndarray] = []
        for want_gated, cap in ((False, limit), (True, near_limit)):
            sel = np.flatnonzero(positive & (gated == want_gated))
            # Equal scores go by supplier id, not by row: a catalogue updated in place
            # (`with_suppliers`) ranks like one built afresh.
            if cap <= 0:
                sel = sel[:0]
            elif sel.size > cap:
                sel = sel[_top_by(score[sel], self._tie[view.index_of(sel)], cap)]
            tie = self._tie[view.index_of(sel)]
            chosen.append(sel[np.lexsort((tie, -score[sel]))])
        # Both lists explained in one pass.
        ranks = [*range(1, chosen[0].size + 1), *range(1, chosen[1].size + 1)]
        both = np.concatenate(chosen)
        if explain:
            explained = self._explain(prof, ev, both, ranks, view, on, scored.full_text)
        else:
            ids = self._ids
            rows = view.index_of(both).tolist()
            scores = ev.score[both].tolist()
            explained = [
                Match(ids[i], round(sc, 6), r) for i, sc, r in zip(rows, scores, ranks, strict=True)
            ]
        n_matches = chosen[0].size
        return Ranking(need.id, tuple(explained[:n_matches]), tuple(explained[n_matches:]))

    def explain(self, need: NeedDoc, supplier_ids: Iterable[str]) -> dict[str, Match]:
        """Suppliers' fit for a need, whether its ranking lists them or not.

        Why a known supplier is missing from a list: its score (0 without any evidence),
        the terms and concepts it shares with the need, and the requirements it meets and
        misses, as in a ranking (rank 0: outside the lists). Suppliers the index does not
        hold are left out.
        """
        row_of = self._row_of()
        rows = sorted({row_of[sid] for sid in supplier_ids if sid in row_of})
        if not rows:
            return {}
        wanted = np.array(rows, dtype=np.int64)
        # Scored among the rows their ranking scores too, so that the scores compare.
        scored = self._score(need, also=wanted)
        view = scored.view
        at = wanted if view.rows is None else np.searchsorted(view.rows, wanted)
        zero = [0] * len(rows)
        matches = self._explain(
            scored.profile, scored.evidence, at, zero, view, scored.on, scored.full_text
        )
        return {m.supplier_id: m for m in matches}

    def _score(self, need: NeedDoc, also: np.ndarray | None = None) -> _Scored:
        """Read a need and score the suppliers worth scoring (a large catalogue's candidate
        rows, and `also` these rows, sorted), gates included."""
        prof = need_profile(need, self._glossary)
        on = need.on_date or date.today()
        queries = self._queries(prof)
        char_query = queries.pop("char", None)
        lex = {name: self._lexical(q) for name, q in queries.items()}
        candidates = self._candidates(prof, lex)
        if candidates is not None and also is not None:
            candidates = np.union1d(candidates, also)
        view = _View(self, candidates)
        lexical = {k: view.take(v) for k, v in lex.items()}
        ev = self._evaluate(prof, on, view, lexical, char_query)
        return _Scored(prof, on, view, ev, queries.get("all"))

    def _row_of(self) -> Mapping[str, int]:
        """Each supplier id's row (made on first use)."""
        if self._rows is None:
            self._rows = {sid: i for i, sid in enumerate(self._ids)}
        return self._rows

    # ------------------------------------------------------------------ scoring

    def _queries(self, prof: NeedProfile) -> dict[str, _Query]:
        """The need as one query per lexical channel."""
        g = self._glossary
        nf = prof.features
        by_family: dict[str, list[str]] = {"process": [], "material": [], "part": []}
        for c in sorted(nf.concepts):
            fam = g.concepts[c].family
            if fam in by_family:
                by_family[fam].append(CONCEPT_PREFIX + c)
        every = [t for toks in nf.fields.values() for t in toks]
        every += [CONCEPT_PREFIX + c for c in sorted(nf.concepts)]
        wanted = {
            "all": ("all", every),
            "part": ("all", list(nf.fields.get("part_name", ())) + by_family["part"]),
            "proc": ("proc", list(nf.fields.get("processes", ())) + by_family["process"]),
            "mat": ("mat", list(nf.fields.get("materials", ())) + by_family["material"]),
            "char": ("char", _char_need_terms(nf, g)),
        }
        out: dict[str, _Query] = {}
        for name, (ch, terms) in wanted.items():
            q = _query(ch, self._channels[ch], terms, self._all_names[ch])
            if q is not None:
                out[name] = q
        return out

    def _lexical(self, q: _Query) -> np.ndarray:
        """Cosine of a query with every supplier, accumulated over the query terms' postings.

        In a large catalogue the rarest terms go first and the most common ones are left
        out once a budget of postings is spent: they move every score alike and would
        cost most of the time. Small catalogues are scored exactly.
        """
        xt = self._channels[q.channel].xt
        assert xt is not None
        n = len(self._ids)
        out = np.zeros(n, dtype=np.float32)
        indptr, indices, data = xt.indptr, xt.indices, xt.data
        cols = q.cols
        lengths = indptr[cols + 1] - indptr[cols]
        order = np.argsort(lengths, kind="stable")
        budget = POSTINGS_BUDGET if n > FULL_SCAN_MAX else None
        spent = 0
        vals = q.vals.tolist()
        for k in order.tolist():
            j = int(cols[k])
            lo, hi = indptr[j], indptr[j + 1]
            if budget is not None:
                spent += hi - lo
                if spent > budget and k != order[0]:
                    break
            out[indices[lo:hi]] += vals[k] * data[lo:hi]
        return out

    def _candidates(self, prof: NeedProfile, lex: Mapping[str, np.ndarray]) -> np.ndarray | None:
        """Rows worth scoring for a need in a large catalogue; None means all rows.

        A cheap first score over the whole catalogue (full-text overlap, and the share of
        the need's core processes a supplier names, alike or related) picks the rows the
        full scoring then looks at. With the postings budget of `_lexical`, this trades
        some agreement with the exact ranking for speed: on a synthetic catalogue of 10⁵
        suppliers, 89 % of the exact top 10 (96 % without the budget).
        """
        n = len(self._ids)
        if n <= FULL_SCAN_MAX:
            return None
        text = lex.get("all")
        first = np.zeros(n, dtype=np.float32) if text is None else text.copy()
        top = float(first.max()) if text is not None and text.size else 0.0
        if top > 0:
            first *= 1.0 / top
        csc = self._concepts_csc
        if prof.core_groups:
            weight = 2.0 / len(prof.core_groups)
            for grp in prof.core_groups:
                hit = np.zeros(n, dtype=bool)
                for c in grp:
                    for cc in (c, *self._related.get(c, ())):
                        j = self._cidx[cc]
                        hit[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = True
                # (A product, not `where=`: masked ufunc loops are twenty times slower.)
                first += hit * np.float32(weight)
        nz = np.flatnonzero(first > 0)
        if nz.size <= CANDIDATES:
            return nz if nz.size else None
        return np.sort(nz[_top_k(first[nz], CANDIDATES)])

    def _evaluate(
        self,
        prof: NeedProfile,
        on: date,
        view: _View,
        lexical: Mapping[str, np.ndarray],
        char_query: _Query | None = None,
    ) -> _Evidence:
        g = self._glossary
        m = view.n
        channels: dict[str, np.ndarray] = {}

        # Lexical channels, each normalized by its best supplier for this need. Character
        # n-grams rerank the best rows only (below); their weight is reserved here so that
        # scores stay comparable.
        lex: dict[str, np.ndarray] = {}
        text = np.zeros(m, dtype=np.float32)
        text_w = TEXT_WEIGHTS["char"] if char_query is not None else 0.0
        for name, v in lexical.items():
            top = float(v.max()) if v.size else 0.0
            if top <= 0:
                continue
            lex[name] = v
            text += TEXT_WEIGHTS[name] * (v / top)
            text_w += TEXT_WEIGHTS[name]
        if text_w > 0 and lex:
            channels["text"] = text / text_w

        # Certificates valid on the day.
        cert_ok = [self._cert_valid(r, on, view) for r in prof.required]

        # Material family.
        mat_score, compatible = self._material_vectors(prof, view)
        if prof.material_families:
            channels["material"] = mat_score

        # Process chain; a company that makes no parts has no process capability.
        non_maker = view.take(self._non_manufacturer)
        group_vals: list[np.ndarray] = []
        group_met: list[np.ndarray] = []
        for grp in prof.core_groups:
            best = np.zeros(m, dtype=np.float32)
            for c in grp:
                best = np.maximum(best, self._process_values(c, view))
            full = best >= 1.0
            if any(g.concepts[c].material_bound for c in grp):
                # Die casting of zinc is not die casting of aluminium.
                best = np.where(full & ~compatible, RELATED_CREDIT * 0.6, best).astype(np.float32)
                full = full & compatible
            group_vals.append(best)
            group_met.append(full)
        if group_vals:
            mean = np.mean(np.vstack(group_vals), axis=0)
            channels["process"] = (mean * (1.0 - non_maker)).astype(np.float32)
        if prof.core_groups:
            # Experience with this kind of part, and with vehicle parts at all, tell makers
            # apart; for a bare product name the words already say it.
            if prof.part_kinds:
                channels["part"] = view.any(prof.part_kinds).astype(np.float32)
            channels["sector"] = view.has("automotive").astype(np.float32)

        total_w = sum(WEIGHTS[k] for k in channels)
        score = np.zeros(m, dtype=np.float32)
        for k, v in channels.items():
            score += WEIGHTS[k] * v
        if total_w > 0:
            score /= total_w
        score *= 1.0 - NON_MAKER_PENALTY * non_maker
        # No evidence at all: neither a shared word nor a matching process or material.
        evidence = channels["text"] > 0 if "text" in channels else np.zeros(m, dtype=bool)
        if "process" in channels:
            evidence |= channels["process"] > 0
        if "material" in channels:
            evidence |= channels["material"] >= 1.0
        score = np.where(evidence, score, 0.0).astype(np.float32)
        if char_query is not None and "text" in channels:
            self._rerank_by_chars(char_query, view, score, text_w, total_w, non_maker)
        score = np.clip(score, 0.0, 1.0)
        gated = non_maker >= 0.5
        for ok in cert_ok:
            gated = gated | (ok < 1)
        for met in group_met:
            gated = gated | ~met
        return _Evidence(score, gated, lex, group_vals, group_met, mat_score, compatible)

    def _rerank_by_chars(
        self,
        q: _Query,
        view: _View,
        score: np.ndarray,
        text_w: float,
        total_w: float,
        non_maker: np.ndarray,
    ) -> None:
        """Add the character n-gram channel to the best rows, in place."""
        top = np.flatnonzero(score > 0)
        if top.size > CHAR_RERANK:
            top = top[np.argpartition(-score[top], CHAR_RERANK - 1)[:CHAR_RERANK]]
        if top.size == 0:
            return
        channel = self._channels["char"]
        x, norms = channel.x, channel.norms
        assert x is not None and norms is not None
        rows = view.index_of(top)
        pos, owner, _ = _row_entries(x, rows)
        # A presence channel: each entry weighs its term's idf over its row's norm.
        weighted = _Query(q.channel, q.cols, q.vals * channel.idf[q.cols].astype(np.float32))
        contrib = _weights_of(weighted, x.indices[pos], x.shape[1])
        sims = np.bincount(owner, weights=contrib, minlength=rows.size) / norms[rows]
        best = float(sims.max())
        if best <= 0:
            return
        gain = WEIGHTS["text"] * TEXT_WEIGHTS["char"] * (sims / best) / (text_w * total_w)
        score[top] += gain * (1.0 - NON_MAKER_PENALTY * non_maker[top])

    def _process_values(self, c: str, view: _View) -> np.ndarray:
        """Credit per supplier for one process: 1 held, less for a related or broader one."""
        g = self._glossary
        val = view.has(c).astype(np.float32)
        related = self._related.get(c, ())
        if related:
            val = np.maximum(val, RELATED_CREDIT * view.any(related))
        parents = g.ancestors(c)
        if parents:
            broad = view.any(parents)
            sib = view.any(self._siblings.get(c, ()))
            credit = np.where(sib, SIBLING_CREDIT, BROADER_CREDIT).astype(np.float32)
            val = np.maximum(val, broad * credit)
        return val

    def _material_vectors(self, prof: NeedProfile, view: _View) -> tuple[np.ndarray, np.ndarray]:
        """Material fit per supplier (0..1) and whether its materials allow the need's family."""
        m = view.n
        g = self._glossary
        if not prof.material_families:
            return np.zeros(m, dtype=np.float32), np.ones(m, dtype=bool)
        wanted = prof.material_families
        specific = [f for f in wanted if not g.concepts[f].generic]
        full_class = self._family_classes.get(prof.material_class)
        has_class = view.take(full_class) if full_class is not None else np.zeros(m, dtype=bool)
        if specific:
            has = view.any(specific)
            broader = view.any({a for f in specific for a in g.ancestors(f)})
            unknown = np.where(broader, 0.6, 0.4)
            score = np.where(has, 1.0, np.where(has_class, 0.1, unknown))
        else:
            # The need names only a broad material ("steel"): any family of it fits.
            kids = [c for c, cc in g.concepts.items() if any(f in g.ancestors(c) for f in wanted)]
            has = view.any(kids) | view.any(wanted)
            score = np.where(has, 1.0, np.where(has_class, 0.1, 0.5))
        compatible = has | ~has_class
        return score.astype(np.float32), compatible

    def _cert_valid(self, r: certs.RequiredStandard, on: date, view: _View) -> np.ndarray:
        key = r.standard if r.standard != "vda6.3" else f"vda6.3:{r.min_grade or 'b'}"
        until = self._cert_until.get(key)
        if until is None:
            return np.zeros(view.n, dtype=np.float32)
        return (view.take(until) >= on.toordinal()).astype(np.float32)

    # ------------------------------------------------------------------ explanations

    def _explain(
        self,
        prof: NeedProfile,
        ev: _Evidence,
        order: np.ndarray,
        ranks: list[int],
        view: _View,
        on: date,
        query: _Query | None,
    ) -> list[Match]:
        if order.size == 0:
            return []
        g = self._glossary
        rows = view.index_of(order)
        terms = self._terms(prof.features, query, rows)
        out: list[Match] = []
        # Requirement objects repeat across suppliers; build each once per need.
        made: dict[tuple[str, str, bool, str], Requirement] = {}

        def req(kind: str, label: str, met: bool, detail: str) -> Requirement:
            key = (kind, label, met, detail)
            r = made.get(key)
            if r is None:
                r = made[key] = Requirement(kind, label, met, detail)
            return r

        cidx = self._cidx
        labels = self._concept_labels
        group_labels = [" or ".join(g.label(c) for c in grp) for grp in prof.core_groups]
        group_cols = [{cidx[c] for c in grp} for grp in prof.core_groups]
        # Plain Python values for the selected rows: numpy scalars are slow one by one.
        scores = ev.score[order].tolist()
        material = ev.material[order].tolist()
        compatible = ev.compatible[order].tolist()
        group_vals = [v[order].tolist() for v in ev.group_vals]
        group_met = [v[order].tolist() for v in ev.group_met]
        non_maker = self._non_manufacturer[rows].tolist()
        # Each row's concept columns, read out of the matrix in one go.
        csr = self._concepts_csr
        pos, _, lengths = _row_entries(csr, rows)
        concept_cols = csr.indices[pos].tolist()
        bounds = [0, *np.cumsum(lengths).tolist()]
        need_cols = {cidx[c] for c in prof.features.concepts}
        mat_labels = [g.label(fam) for fam in prof.material_families]
        mat_cols = self._material_cols.get(prof.material_class, frozenset())
        sec = [(cidx[c], g.label(c)) for c in prof.secondary]
        ancestors = self._ancestor_cols
        shown = self._shown_cols
        checked: dict[tuple[certs.HeldStandard, ...], list[Requirement]] = {}
        shared_of: dict[frozenset[int], tuple[str, ...]] = {}
        ids = self._ids
        # Named tuples made without their Python-level __new__: this loop runs per supplier.
        new = tuple.__new__
        for k, i in enumerate(rows.tolist()):
            have = set(concept_cols[bounds[k] : bounds[k + 1]])
            held = self._held[i]
            cert_reqs = checked.get(held)
            if cert_reqs is None:
                cert_reqs = checked[held] = [
                    req("certification", r.label, *certs.check(r, held, on)) for r in prof.required
                ]
            reqs = list(cert_reqs)
            mat_detail = ""
            if mat_labels:
                ms = material[k]
                if ms < 1.0:
                    mine = sorted(labels[j] for j in have & mat_cols)
                    mat_detail = f"works {', '.join(mine)}" if mine else "not stated"
                for label in mat_labels:
                    reqs.append(req("material", label, ms >= 1.0, mat_detail))
            nm = non_maker[k]
            for gi, cols in enumerate(group_cols):
                best = group_vals[gi][k]
                met = group_met[gi][k] and nm < 0.5
                if met:
                    detail = ""
                elif best >= 1.0 and nm >= 0.5:
                    detail = "no own production stated"
                elif not compatible[k] and not cols.isdisjoint(have):
                    detail = f"not for this material ({mat_detail})"
                elif best >= RELATED_CREDIT:
                    detail = "related process only"
                elif best > 0:
                    detail = "only a broader process stated"
                else:
                    detail = "not stated"
                reqs.append(req("process", group_labels[gi], met, detail))
            for col, label in sec:
                met = col in have
                reqs.append(req("process", label, met, "" if met else SECONDARY_MISSING))
            # Suppliers of one need share few sets of its concepts: each labelled once.
            common = frozenset(need_cols & have)
            shared = shared_of.get(common)
            if shared is None:
                broader: set[int] = set()
                for j in common:
                    broader |= ancestors[j]
                shared = shared_of[common] = tuple(
                    sorted(labels[j] for j in common - broader if shown[j])
                )
            out.append(
                new(
                    Match,
                    (ids[i], round(scores[k], 6), ranks[k], terms.get(i, ()), shared, tuple(reqs)),
                )
            )
        return out

    def _terms(
        self, nf: DocFeatures, q: _Query | None, rows: np.ndarray
    ) -> dict[int, tuple[TermContribution, ...]]:
        """Top contributing shared terms of the full-text channel, in both texts' words."""
        if q is None or rows.size == 0:
            return {}
        x = self._channels["all"].x
        assert x is not None
        pos, owner, _ = _row_entries(x, rows)
        # The query's weight for each stored entry (0 where the query lacks the term).
        weights = _weights_of(q, x.indices[pos], x.shape[1])
        keep = weights > 0
        pos, owner = pos[keep], owner[keep]
        contrib = x.data[pos] * weights[keep]
        totals = np.bincount(owner, weights=contrib, minlength=rows.size)
        # Broader concepts of what the need names ("casting" next to "die casting") count
        # in the score but are not shown: the narrower one says it better.
        broad = self._broad_columns(nf)
        if broad.size:
            shown = ~np.isin(x.indices[pos], broad)
            pos, owner, contrib = pos[shown], owner[shown], contrib[shown]
        # Ties go by the term itself, not by its column: the same catalogue built in
        # another order explains the same way.
        order = np.lexsort((self._term_order()[x.indices[pos]], -contrib, owner))
        owner_s = owner[order]
        # (np.concatenate, not np.r_: this runs per need, and np.r_ costs ten times more.)
        starts_s = np.concatenate(([0], np.flatnonzero(owner_s[1:] != owner_s[:-1]) + 1))
        run_lengths = np.diff(np.concatenate((starts_s, [order.size])))
        rank_in = np.arange(order.size) - np.repeat(starts_s, run_lengths)
        # One spare per supplier: a word and its concept may read the same on both sides.
        order = order[rank_in < TERMS_SHOWN + 1]
        labels, _ = self._term_labels()
        names = self._all_names["all"]
        # Plain Python values from here on: numpy scalars are slow one by one.
        sel = pos[order]
        sel_col = x.indices[sel].tolist()
        sel_owner = owner[order].tolist()
        sel_share = np.round(contrib[order] / totals[owner[order]], 4).tolist()
        row_ids = rows.tolist()
        fields_kind = self._surf_field[sel].tolist()
        starts_ = self._surf_start[sel].tolist()
        ends_ = self._surf_end[sel].tolist()
        need_text_of: dict[int, str] = {}
        out: dict[int, tuple[TermContribution, ...]] = {}
        items: list[TermContribution] = []
        seen: set[tuple[str, str]] = set()
        texts: dict[int, str] = {}
        current = -1
        doc = self._docs[0]
        # Named tuples made without their Python-level __new__: this loop runs per term.
        new = tuple.__new__
        for k, o in enumerate(sel_owner):
            if o != current:
                if current >= 0:
                    out[row_ids[current]] = tuple(items)
                current = o
                items = []
                seen = set()
                texts = {}
                doc = self._docs[row_ids[o]]
            if len(items) >= TERMS_SHOWN:
                continue
            col = sel_col[k]
            term = labels[col]
            need_text = need_text_of.get(col)
            if need_text is None:
                need_text = need_text_of[col] = nf.surface(names[col], term)
            fk = fields_kind[k]
            supplier_text = ""
            if fk >= 0:
                text = texts.get(fk)
                if text is None:
                    text = texts[fk] = field_text(doc, fk)
                supplier_text = text[starts_[k] : ends_[k]]
            supplier_text = supplier_text or term
            key = (need_text, supplier_text)
            if key in seen:
                continue
            seen.add(key)
            items.append(new(TermContribution, (term, need_text, supplier_text, sel_share[k])))
        if current >= 0:
            out[row_ids[current]] = tuple(items)
        return out

    def _broad_columns(self, nf: DocFeatures) -> np.ndarray:
        """Full-text columns of concepts broader than one the need names."""
        vocab = self._blocks["all"].vocab
        g = self._glossary
        cols = {
            vocab[CONCEPT_PREFIX + a]
            for c in nf.concepts
            for a in g.ancestors(c)
            if CONCEPT_PREFIX + a in vocab
        }
        return np.array(sorted(cols), dtype=np.int32)

    def _term_order(self) -> np.ndarray:
        """Rank of each full-text column's term in alphabetical order."""
        if self._order is None:
            names = self._all_names["all"]
            order = np.empty(len(names), dtype=np.int64)
            order[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(len(names))
            self._order = order
        return self._order

    def _term_labels(self) -> tuple[list[str], list[str]]:
        """Per full-text column: a human label, and the concept id ("" for plain words)."""
        cached = self._labels
        if cached is None:
            labels: list[str] = []
            concept_of: list[str] = []
            for term in self._all_names["all"]:
                if term.startswith(CONCEPT_PREFIX):
                    cid = term[len(CONCEPT_PREFIX) :]
                    labels.append(self._glossary.label(cid))
                    concept_of.append(cid)
                else:
                    labels.append(term)
                    concept_of.append("")
            cached = self._labels = (labels, concept_of)
        return cached


class _View:
    """The catalogue seen through a subset of rows (the candidates), or all of it.

    For a subset, which concepts each supplier has is a small dense matrix (rows ×
    concepts): column lookups are then free. (The engine reads concepts here as present
    or not; their strengths count in the text channels.)
    """

    def __init__(self, index: MatchIndex, rows: np.ndarray | None) -> None:
        self._index = index
        self.rows = rows
        self.n = len(index) if rows is None else int(rows.size)
        self._dense: np.ndarray | None = None
        if rows is not None:
            csr = index._concepts_csr
            pos, owner, _ = _row_entries(csr, rows)
            dense = np.zeros((self.n, csr.shape[1]), dtype=bool)
            dense[owner, csr.indices[pos]] = csr.data[pos] > 0
            self._dense = dense
        self._cols: dict[str, np.ndarray] = {}

    def index_of(self, k: np.ndarray) -> np.ndarray:
        """Catalogue row numbers of view positions."""
        return k if self.rows is None else self.rows[k]

    def take(self, arr: np.ndarray) -> np.ndarray:
        return arr if self.rows is None else arr[self.rows]

    def has(self, cid: str) -> np.ndarray:
        """Which suppliers of the view have one concept."""
        hit = self._cols.get(cid)
        if hit is not None:
            return hit
        j = self._index._cidx.get(cid)
        if j is None:
            out = np.zeros(self.n, dtype=bool)
        elif self._dense is not None:
            out = self._dense[:, j]
        else:
            m = self._index._concepts_csc
            out = np.zeros(self.n, dtype=bool)
            lo, hi = m.indptr[j], m.indptr[j + 1]
            out[m.indices[lo:hi]] = m.data[lo:hi] > 0
        self._cols[cid] = out
        return out

    def any(self, concepts: Iterable[str]) -> np.ndarray:
        """Which suppliers of the view have at least one of the concepts."""
        cids = list(concepts)
        if self._dense is not None and cids:
            cidx = self._index._cidx
            cols = [cidx[c] for c in cids if c in cidx]
            if not cols:
                return np.zeros(self.n, dtype=bool)
            return np.asarray(self._dense[:, cols].any(axis=1), dtype=bool)
        acc = np.zeros(self.n, dtype=bool)
        for c in cids:
            acc |= self.has(c)
        return acc


@dataclass(frozen=True)
class _Evidence:
    score: np.ndarray
    gated: np.ndarray
    lex: Mapping[str, np.ndarray]
    group_vals: list[np.ndarray]
    group_met: list[np.ndarray]
    material: np.ndarray
    compatible: np.ndarray


class _Scored(NamedTuple):
    """A need read and scored: what `rank` and `explain` go on from."""

    profile: NeedProfile
    on: date
    view: _View
    evidence: _Evidence
    full_text: _Query | None  # the need's query in the full-text channel


# ---------------------------------------------------------------------- helpers

# Needs a process of a parallel batch claims at a time.
CLAIM = 8


@dataclass(frozen=True)
class _Batch:
    """A `rank_many` batch shared by forked processes, which claim needs from a cursor."""

    index: MatchIndex
    needs: Sequence[NeedDoc]
    limit: int
    near_limit: int | None
    explain: bool
    cursor: Cursor

    def work_once(self) -> list[tuple[int, Ranking]]:
        """Rank the needs of one claim; (position, ranking) pairs, none when all are taken."""
        return [
            (
                k,
                self.index.rank(
                    self.needs[k], self.limit, near_limit=self.near_limit, explain=self.explain
                ),
            )
            for k in self.cursor.claim()
        ]

    def work(self) -> list[tuple[int, Ranking]]:
        """Rank claimed needs until none are left."""
        done: list[tuple[int, Ranking]] = []
        while part := self.work_once():
            done.extend(part)
        return done


# The batch a forked `rank_many` worker serves: set once in the child by the pool's
# initializer (inherited through fork, not pickled), never in the parent process.
_WORKER_BATCH: list[_Batch] = []


def _adopt_batch(batch: _Batch) -> None:
    _WORKER_BATCH.append(batch)


def _work_claim(_task: int) -> bytes:
    """Rank one claim of needs; the (position, packed ranking) pairs, marshalled."""
    with collector_paused():
        return marshal.dumps([(k, _pack(r)) for k, r in _WORKER_BATCH[0].work_once()])


# A ranking as plain tuples, for the trip back from a worker: marshal writes and reads
# those in C (faster than pickle, which would also have to name each named tuple's class;
# both ends run the same interpreter). Requirements repeat across a need's suppliers and
# travel once each.
# (supplier id, score, rank, term rows, concepts, requirement numbers)
_PackedMatch = tuple[Any, ...]
# (need id, matches, near misses, requirement rows)
_Packed = tuple[str, tuple[_PackedMatch, ...], tuple[_PackedMatch, ...], tuple[Any, ...]]


def _pack(ranking: Ranking) -> _Packed:
    reqs: dict[Requirement, int] = {}

    def pack(matches: tuple[Match, ...]) -> tuple[_PackedMatch, ...]:
        return tuple(
            (
                m.supplier_id,
                m.score,
                m.rank,
                tuple([tuple(t) for t in m.terms]),
                m.concepts,
                tuple([reqs.setdefault(r, len(reqs)) for r in m.requirements]),
            )
            for m in matches
        )

    matches, near = pack(ranking.matches), pack(ranking.near_misses)
    return (ranking.need_id, matches, near, tuple([tuple(r) for r in reqs]))


def _unpack(packed: _Packed) -> Ranking:
    need_id, matches, near, req_rows = packed
    reqs = [Requirement._make(r) for r in req_rows]
    term = TermContribution._make

    def unpack(rows: tuple[_PackedMatch, ...]) -> tuple[Match, ...]:
        return tuple(
            Match(
                sid,
                score,
                rank,
                tuple([term(t) for t in terms]),
                concepts,
                tuple([reqs[i] for i in ri]),
            )
            for sid, score, rank, terms, concepts, ri in rows
        )

    return Ranking(need_id, unpack(matches), unpack(near))


def _top_by(values: np.ndarray, tie: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest values (0 < k < size); at the cut, the smallest tie keys."""
    cut = np.partition(values, values.size - k)[values.size - k]
    above = np.flatnonzero(values > cut)
    at = np.flatnonzero(values == cut)
    at = at[np.argsort(tie[at], kind="stable")[: k - above.size]]
    return np.concatenate([above, at])


def _top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest values (in no particular order; ties by position).

    A strided sample first sets a threshold, so the exact selection runs on a few
    thousand values rather than on every supplier with a score.
    """
    n = values.size
    if n <= k:
        return np.arange(n)
    if n > 8 * k:
        step = n // (4 * k)
        sample = np.sort(values[::step])
        # Keep a margin: twice the share the sample says would reach the top k.
        cut = sample[max(0, sample.size - 2 * (k // step + 1))]
        pool = np.flatnonzero(values >= cut)
        if pool.size >= k:
            return pool[np.argpartition(-values[pool], k - 1, kind="introselect")[:k]]
    return np.argpartition(-values, k - 1)[:k]


def _weights_of(q: _Query, cols: np.ndarray, n_terms: int) -> np.ndarray:
    """The query's weight of each column (0 where the query lacks it)."""
    dense = np.zeros(n_terms, dtype=np.float32)
    dense[q.cols] = q.vals
    return dense[cols]


def _row_entries(m: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored entries of some rows of a CSR matrix, row after row: their positions,
    the place in `rows` of the row each belongs to, and each row's length."""
    starts = m.indptr[rows]
    lengths = m.indptr[rows + 1] - starts
    return _positions(starts, lengths), np.repeat(np.arange(rows.size), lengths), lengths


def _positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Positions of the entries of several runs (rows of a CSR matrix), run after run."""
    if lengths.size == 0:
        return np.zeros(0, dtype=np.int64)
    total = int(lengths.sum())
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return offsets + np.arange(total, dtype=offsets.dtype)


def _names(vocab: Mapping[str, int]) -> list[str]:
    names = [""] * len(vocab)
    for t, j in vocab.items():
        names[j] = t
    return names


def _cert_arrays(held: Sequence[tuple[certs.HeldStandard, ...]]) -> dict[str, np.ndarray]:
    """Per requirement key, the last day each supplier's certificate meets it (0: never)."""
    n = len(held)
    out: dict[str, np.ndarray] = {}
    for i, hs in enumerate(held):
        for h in hs:
            if h.problem:
                continue
            until = h.valid_until.toordinal() if h.valid_until else _FAR_FUTURE
            keys = [h.standard]
            if h.standard in ("iatf16949", "gost58139"):
                keys.append("iso9001")
            if h.standard == "vda6.3":
                keys = []
                if h.grade == "a":
                    keys += ["vda6.3:a", "vda6.3:b", "vda6.3:c"]
                elif h.grade == "b":
                    keys += ["vda6.3:b", "vda6.3:c"]
                elif h.grade == "c":
                    keys += ["vda6.3:c"]
            for k in keys:
                arr = out.get(k)
                if arr is None:
                    arr = out[k] = np.zeros(n, dtype=np.int64)
                arr[i] = max(arr[i], until)
    return out


def _related(glossary: Glossary) -> dict[str, tuple[str, ...]]:
    """Related processes in both directions."""
    out: dict[str, set[str]] = {}
    for cid, c in glossary.concepts.items():
        for r in c.related:
            out.setdefault(cid, set()).add(r)
            out.setdefault(r, set()).add(cid)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _siblings(glossary: Glossary) -> dict[str, tuple[str, ...]]:
    """Processes sharing a broader process with each process (die casting ~ sand casting)."""
    out: dict[str, tuple[str, ...]] = {}
    procs = [c for c, cc in glossary.concepts.items() if cc.family == "process"]
    for c in procs:
        anc = set(glossary.ancestors(c))
        if not anc:
            continue
        out[c] = tuple(
            o for o in procs if o != c and anc & set(glossary.ancestors(o)) and o not in anc
        )
    return out
