"""Ranked shortlists per need, and the buyer's funnel decisions on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session, selectinload

from matchmaker import audit
from matchmaker.db import aware, begin_write, utcnow, writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.matching import Certificate, Match, NeedDoc, Ranking, SupplierDoc
from matchmaker.models import (
    Decision,
    FunnelStatus,
    Interest,
    MatchResult,
    MatchRun,
    Need,
    Role,
    Supplier,
    SupplierDay,
    SupplierStatus,
    User,
)
from matchmaker.permissions import require_role
from matchmaker.shortlists.cache import IndexCache

LONG_LIST = "longlist"
MATCH_LIMIT = 50


# --- feeding the engine ----------------------------------------------------------------


def catalogue_version(session: Session) -> str:
    """A name for the current state of the matchable catalogue."""
    count, latest, id_sum = session.execute(
        select(func.count(Supplier.id), func.max(Supplier.updated_at), func.sum(Supplier.id)).where(
            Supplier.status != SupplierStatus.REJECTED.value
        )
    ).one()
    stamp = aware(latest).isoformat() if latest is not None else "-"
    return f"{count}:{id_sum or 0}:{stamp}"


def supplier_doc(supplier: Supplier) -> SupplierDoc:
    return SupplierDoc(
        id=str(supplier.id),
        name=supplier.name,
        description=supplier.description,
        processes=tuple(name for p in supplier.processes for name in (p.name_en, p.name_ru)),
        materials=tuple(name for m in supplier.materials for name in (m.name_en, m.name_ru)),
        certifications=tuple(
            Certificate(standard=c.standard, valid_until=c.valid_until, number=c.number)
            for c in supplier.certifications
        ),
        products=supplier.products,
        customers=supplier.customers,
        region=supplier.region,
    )


def load_supplier_docs(session: Session) -> list[SupplierDoc]:
    suppliers = session.scalars(
        select(Supplier)
        .where(Supplier.status != SupplierStatus.REJECTED.value)
        .options(
            selectinload(Supplier.processes),
            selectinload(Supplier.materials),
            selectinload(Supplier.certifications),
        )
        .order_by(Supplier.id)
    ).all()
    return [supplier_doc(s) for s in suppliers]


def need_doc(need: Need) -> NeedDoc:
    return NeedDoc(
        id=str(need.id),
        part_name=need.part_name,
        part_number=need.part_number,
        description=need.description,
        processes=tuple(name for p in need.processes for name in (p.name_en, p.name_ru)),
        materials=tuple(name for m in need.materials for name in (m.name_en, m.name_ru)),
        required_certifications=tuple(need.required_certifications or ()),
        on_date=need.supplier_day.date,
    )


def _explanation(match: Match) -> dict[str, Any]:
    return {
        "terms": [t._asdict() for t in match.terms],
        "concepts": list(match.concepts),
        "requirements": [r._asdict() for r in match.requirements],
    }


def _store_ranking(
    session: Session, need: Need, ranking: Ranking, version: str, candidates: int, trigger: str
) -> MatchRun:
    session.execute(delete(MatchRun).where(MatchRun.need_id == need.id))
    run = MatchRun(
        need=need,
        catalogue_version=version,
        trigger=trigger,
        candidates=candidates,
        computed_at=utcnow(),
        on_date=need.supplier_day.date,
    )
    session.add(run)
    position = 0
    for near_miss, matches in ((False, ranking.matches), (True, ranking.near_misses)):
        for match in matches:
            position += 1
            run.matches.append(
                MatchResult(
                    supplier_id=int(match.supplier_id),
                    position=position,
                    rank=match.rank,
                    score=float(match.score),
                    near_miss=near_miss,
                    explanation=_explanation(match),
                )
            )
    return run


def rank_needs(
    session: Session, cache: IndexCache, needs: Sequence[Need], trigger: str, workers: int = 1
) -> list[MatchRun]:
    """Rank suppliers for ``needs`` against the current catalogue and store the results.

    ``workers`` > 1 shares the ranking with forked processes: for the command line only,
    never from a web request (see `MatchIndex.rank_many`).
    """
    if not needs:
        return []
    version = catalogue_version(session)
    index = cache.index(version, lambda: load_supplier_docs(session))
    rankings = index.rank_many([need_doc(n) for n in needs], limit=MATCH_LIMIT, workers=workers)
    need_ids = [n.id for n in needs]
    # Rank on a read snapshot, then store under the write lock (see db.writes).
    begin_write(session)
    stored = [session.get(Need, need_id) for need_id in need_ids]
    runs = [
        _store_ranking(session, need, ranking, version, len(index.supplier_ids), trigger)
        for need, ranking in zip(stored, rankings, strict=True)
        if need is not None
    ]
    session.commit()
    return runs


def is_stale(
    session: Session, need: Need, run: MatchRun | None, version: str | None = None
) -> bool:
    """Whether ``run`` no longer reflects the need or the catalogue.

    Pass ``version`` (from :func:`catalogue_version`) when checking many needs at once.
    """
    if run is None:
        return True
    if run.catalogue_version != (version or catalogue_version(session)):
        return True
    # Of the day, only its date counts (it decides which certificates are still valid):
    # opening the day or placing its meetings leaves the rankings as they are.
    if run.on_date != need.supplier_day.date:
        return True
    return aware(run.computed_at) < aware(need.updated_at)


def latest_run(session: Session, need_id: int) -> MatchRun | None:
    return latest_runs(session, [need_id]).get(need_id)


def latest_runs(session: Session, need_ids: Iterable[int] | None = None) -> dict[int, MatchRun]:
    """The stored ranking of each need (of every need when ``need_ids`` is None)."""
    statement = select(MatchRun).order_by(MatchRun.id)
    if need_ids is not None:
        statement = statement.where(MatchRun.need_id.in_(list(need_ids)))
    # A new ranking replaces the old (see _store_ranking); the newest wins regardless.
    return {run.need_id: run for run in session.scalars(statement)}


def stale_needs(
    session: Session, needs: Sequence[Need], runs: Mapping[int, MatchRun] | None = None
) -> list[Need]:
    """The needs whose stored ranking is missing or older than the catalogue or the need."""
    if not needs:
        return []
    if runs is None:
        runs = latest_runs(session, [n.id for n in needs])
    version = catalogue_version(session)
    return [n for n in needs if is_stale(session, n, runs.get(n.id), version)]


def current_runs(
    session: Session, cache: IndexCache, needs: Sequence[Need], trigger: str = "auto"
) -> dict[int, MatchRun]:
    """Each need's ranking, the stale ones recomputed first, together in one batch."""
    runs = latest_runs(session, [n.id for n in needs])
    for run in rank_needs(session, cache, stale_needs(session, needs, runs), trigger=trigger):
        runs[run.need_id] = run
    return runs


def current_run(session: Session, cache: IndexCache, need: Need) -> MatchRun:
    """The need's ranking, recomputed first if a profile or the need changed since."""
    return current_runs(session, cache, [need])[need.id]


def rank_day(session: Session, cache: IndexCache, actor: User, day_id: int) -> int:
    """Recompute the rankings of every need of a Supplier Day, as staff asked."""
    require_role(actor, Role.STAFF)
    day = session.get(SupplierDay, day_id)
    if day is None:
        raise NotFound()
    runs = rank_needs(session, cache, list(day.needs), trigger="staff")
    return len(runs)


def rank_all(
    session: Session, cache: IndexCache, day_id: int | None = None, workers: int = 1
) -> int:
    """Recompute rankings for one day or for every day (the ``match`` command)."""
    statement = select(Need).order_by(Need.id)
    if day_id is not None:
        statement = statement.where(Need.supplier_day_id == day_id)
    needs = list(session.scalars(statement).all())
    return len(rank_needs(session, cache, needs, trigger="command", workers=workers))


# --- the buyer's view ------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """How a supplier the stored ranking does not list fits the need, worked out on view."""

    score: float
    explanation: dict[str, Any]


def unlisted_fits(
    session: Session, cache: IndexCache, need: Need, supplier_ids: Iterable[int]
) -> dict[int, Fit]:
    """Why suppliers are not in a need's ranking: their score and what they have and lack.

    Rejected suppliers are not in the catalogue the engine ranks, and get none.
    """
    ids = [str(i) for i in supplier_ids]
    if not ids:
        return {}
    index = cache.index(catalogue_version(session), lambda: load_supplier_docs(session))
    return {
        int(sid): Fit(match.score, _explanation(match))
        for sid, match in index.explain(need_doc(need), ids).items()
    }


@dataclass(frozen=True)
class ShortlistRow:
    supplier: Supplier
    status: str
    interested: bool
    result: MatchResult | None = None
    decision: Decision | None = None
    fit: Fit | None = None  # for a supplier outside the ranking

    @property
    def verified(self) -> bool:
        return self.supplier.status == SupplierStatus.VERIFIED.value

    @property
    def explanation(self) -> dict[str, Any]:
        if self.result is not None:
            return self.result.explanation
        return self.fit.explanation if self.fit is not None else {}


@dataclass(frozen=True)
class Shortlist:
    need: Need
    run: MatchRun
    ranked: list[ShortlistRow]
    near_misses: list[ShortlistRow]
    others: list[ShortlistRow]
    counts: dict[str, int] = field(default_factory=dict)
    status_filter: str = ""

    def row_for(self, supplier_id: int) -> ShortlistRow | None:
        for row in self.ranked + self.near_misses + self.others:
            if row.supplier.id == supplier_id:
                return row
        return None


def candidate_fit(
    session: Session, cache: IndexCache, result: Shortlist, supplier_id: int
) -> Fit | None:
    """How a supplier the need's ranking does not list fits it (None for a listed one)."""
    row = result.row_for(supplier_id)
    if row is not None:
        return row.fit
    return unlisted_fits(session, cache, result.need, [supplier_id]).get(supplier_id)


def get_need_for_buyer(session: Session, actor: User, need_id: int) -> Need:
    """A need the actor may review: the buyer's own, or any for staff."""
    require_role(actor, Role.BUYER, Role.STAFF)
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound()
    if actor.role == Role.BUYER.value and need.supplier_day.buyer_id != actor.buyer_id:
        raise NotFound()
    return need


def shortlist(
    session: Session, cache: IndexCache, actor: User, need_id: int, status_filter: str = ""
) -> Shortlist:
    """The ranked suppliers of a need with their decisions, optionally filtered by status."""
    need = get_need_for_buyer(session, actor, need_id)
    run = current_run(session, cache, need)
    decisions = {
        d.supplier_id: d
        for d in session.scalars(select(Decision).where(Decision.need_id == need.id))
    }
    interested = set(
        session.scalars(select(Interest.supplier_id).where(Interest.need_id == need.id))
    )
    results = session.scalars(
        select(MatchResult)
        .where(MatchResult.run_id == run.id)
        .options(selectinload(MatchResult.supplier))
        .order_by(MatchResult.position)
    ).all()

    def row(supplier: Supplier, result: MatchResult | None, fit: Fit | None = None) -> ShortlistRow:
        decision = decisions.get(supplier.id)
        return ShortlistRow(
            supplier=supplier,
            status=decision.status if decision is not None else LONG_LIST,
            interested=supplier.id in interested,
            result=result,
            decision=decision,
            fit=fit,
        )

    ranked = [row(r.supplier, r) for r in results if not r.near_miss]
    near = [row(r.supplier, r) for r in results if r.near_miss]
    listed = {r.supplier_id for r in results}
    extra_ids = (set(decisions) | interested) - listed
    unlisted = [
        s
        for s in session.scalars(
            select(Supplier).where(Supplier.id.in_(extra_ids)).order_by(Supplier.name)
        )
        if s.status != SupplierStatus.REJECTED.value or s.id in decisions
    ]
    # Why they are not ranked, for the buyer who marked them or whom they told of interest.
    fits = unlisted_fits(session, cache, need, [s.id for s in unlisted])
    others = [row(s, None, fits.get(s.id)) for s in unlisted]
    everyone = ranked + near + others
    counts = {LONG_LIST: 0} | {s.value: 0 for s in FunnelStatus}
    for item in everyone:
        counts[item.status] += 1
    if status_filter in counts:

        def keep(rows: list[ShortlistRow]) -> list[ShortlistRow]:
            return [r for r in rows if r.status == status_filter]

        ranked, near, others = keep(ranked), keep(near), keep(others)
    else:
        status_filter = ""
    return Shortlist(need, run, ranked, near, others, counts, status_filter)


@dataclass(frozen=True)
class DecisionInput:
    status: str
    reason: str = ""
    note: str = ""


@writes
def record_decision(
    session: Session, actor: User, need_id: int, supplier_id: int, data: DecisionInput
) -> Decision | None:
    """Record a buyer's decision on a supplier for a need; ``longlist`` clears it."""
    require_role(actor, Role.BUYER)
    need = get_need_for_buyer(session, actor, need_id)
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound()
    existing = session.scalar(
        select(Decision).where(Decision.need_id == need.id, Decision.supplier_id == supplier.id)
    )
    if data.status == LONG_LIST:
        if existing is not None:
            session.delete(existing)
            audit.record(
                session, actor, "decision.cleared", "need", need.id, supplier_id=supplier.id
            )
            session.commit()
        return None
    if data.status not in {s.value for s in FunnelStatus}:
        raise FieldError("status", _("Choose a stage of the funnel."))
    if supplier.status == SupplierStatus.REJECTED.value:
        raise FieldError("status", _("This supplier's profile was rejected by the cluster."))
    reason = data.reason.strip()
    if data.status == FunnelStatus.REJECTED.value and not reason:
        raise FieldError("reason", _("Say why the supplier is rejected."))
    decision = existing or Decision(need_id=need.id, supplier_id=supplier.id)
    decision.status = data.status
    decision.reason = reason if data.status == FunnelStatus.REJECTED.value else ""
    decision.note = data.note.strip()
    decision.user_id = actor.id
    decision.updated_at = utcnow()
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor,
        "decision.recorded",
        "need",
        need.id,
        supplier_id=supplier.id,
        status=data.status,
    )
    session.commit()
    return decision


# --- summaries for day pages -------------------------------------------------------------


@dataclass(frozen=True)
class NeedSummary:
    ranked: int
    near_misses: int
    top_score: float | None
    computed_at: dt.datetime | None
    interests: int
    shortlisted: int

    @property
    def gap(self) -> bool:
        """No local supplier passes the gates: a localization gap."""
        return self.computed_at is not None and self.ranked == 0


def day_summary(session: Session, day: SupplierDay) -> dict[int, NeedSummary]:
    """Per need of a day: what the stored ranking says, without recomputing it."""
    need_ids = [n.id for n in day.needs]
    if not need_ids:
        return {}
    runs = {
        r.need_id: r
        for r in session.scalars(select(MatchRun).where(MatchRun.need_id.in_(need_ids)))
    }
    stats = {
        run_id: (ranked, near, top)
        for run_id, ranked, near, top in session.execute(
            select(
                MatchResult.run_id,
                func.sum(case((MatchResult.near_miss.is_(False), 1), else_=0)),
                func.sum(case((MatchResult.near_miss.is_(True), 1), else_=0)),
                func.max(MatchResult.score),
            )
            .where(MatchResult.run_id.in_([r.id for r in runs.values()]))
            .group_by(MatchResult.run_id)
        )
    }
    interests = dict(
        session.execute(
            select(Interest.need_id, func.count())
            .where(Interest.need_id.in_(need_ids))
            .group_by(Interest.need_id)
        ).all()
    )
    shortlisted = dict(
        session.execute(
            select(Decision.need_id, func.count())
            .where(Decision.need_id.in_(need_ids), Decision.status != FunnelStatus.REJECTED.value)
            .group_by(Decision.need_id)
        ).all()
    )
    summaries = {}
    for need_id in need_ids:
        run = runs.get(need_id)
        ranked, near, top = stats.get(run.id, (0, 0, None)) if run else (0, 0, None)
        summaries[need_id] = NeedSummary(
            ranked=int(ranked or 0),
            near_misses=int(near or 0),
            top_score=top,
            computed_at=run.computed_at if run else None,
            interests=int(interests.get(need_id, 0)),
            shortlisted=int(shortlisted.get(need_id, 0)),
        )
    return summaries


def stored_positions(session: Session, supplier_id: int, day: SupplierDay) -> dict[int, int]:
    """Where a supplier stands in the stored rankings of a day's needs (need id → rank)."""
    rows = session.execute(
        select(MatchRun.need_id, MatchResult.rank)
        .join(MatchResult, MatchResult.run_id == MatchRun.id)
        .join(Need, Need.id == MatchRun.need_id)
        .where(
            Need.supplier_day_id == day.id,
            MatchResult.supplier_id == supplier_id,
            MatchResult.near_miss.is_(False),
        )
    )
    return {row.need_id: row.rank for row in rows}
