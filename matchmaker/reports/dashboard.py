"""The staff reports dashboard: coverage and localization gaps, the funnel, registrations.

Everything is read from the stored rankings in a handful of grouped queries; only needs
never ranked at all are ranked here (in one batch), so the page has something to say
about every need. Stale rankings are shown as stored and counted, and staff refresh
them on purpose (:func:`refresh`): re-ranking every past Supplier Day on each page view
would rewrite history and cost seconds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from matchmaker.db import aware
from matchmaker.models import (
    Buyer,
    Decision,
    FunnelStatus,
    MatchResult,
    Need,
    Role,
    Supplier,
    SupplierDay,
    SupplierStatus,
    User,
)
from matchmaker.permissions import require_role
from matchmaker.reports.spreadsheets import Cell, Sheet
from matchmaker.shortlists import services as shortlists
from matchmaker.shortlists.cache import IndexCache
from matchmaker.templating import label_for

DEFAULT_QUALIFIED_SCORE = 0.5
# Registrations are counted per week while they span at most this many weeks, then
# per month; at most MAX_MONTHS months are shown, older ones fold into the total.
WEEKLY_SPAN = 26
MAX_MONTHS = 36
# Needs by how many qualified suppliers they have: (lowest, highest or None).
QUALIFIED_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 0),
    (1, 1),
    (2, 3),
    (4, 5),
    (6, 10),
    (11, None),
)
FUNNEL_STAGES = ("ranked", "shortlisted", "meeting", "rfq", "nominated")
# A decision at a later stage has passed the earlier ones.
_REACHED = {
    FunnelStatus.SHORTLISTED.value: ("shortlisted",),
    FunnelStatus.MEETING.value: ("shortlisted", "meeting"),
    FunnelStatus.RFQ.value: ("shortlisted", "meeting", "rfq"),
    FunnelStatus.NOMINATED.value: ("shortlisted", "meeting", "rfq", "nominated"),
}


def stage_label(stage: str) -> str:
    """A funnel stage as people read it."""
    return _("ranked") if stage == "ranked" else label_for(stage)


@dataclass(frozen=True)
class NeedCoverage:
    """What the stored ranking of one need says."""

    need_id: int
    part_name: str
    part_number: str
    day_id: int
    ranked: int = 0
    qualified: int = 0
    near_misses: int = 0
    best_score: float | None = None
    computed_at: dt.datetime | None = None
    stale: bool = False

    @property
    def is_ranked(self) -> bool:
        return self.computed_at is not None

    @property
    def covered(self) -> bool:
        return self.qualified > 0

    @property
    def gap(self) -> bool:
        """Ranked, and no local supplier qualifies: a localization gap."""
        return self.is_ranked and self.qualified == 0


@dataclass
class Funnel:
    """Supplier–need pairs that reached each stage; rejected ones are counted aside."""

    ranked: int = 0
    shortlisted: int = 0
    meeting: int = 0
    rfq: int = 0
    nominated: int = 0
    rejected: int = 0

    def add(self, other: Funnel) -> None:
        for name in (*FUNNEL_STAGES, "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def stages(self) -> list[tuple[str, int]]:
        return [(name, getattr(self, name)) for name in FUNNEL_STAGES]


@dataclass
class Coverage:
    """Coverage and funnel of a group of needs: a Supplier Day, a buyer, or all."""

    key: int
    label: str
    buyer: str = ""
    date: dt.date | None = None
    status: str = ""
    needs: int = 0
    covered: int = 0
    gaps: int = 0
    unranked: int = 0
    qualified: int = 0
    funnel: Funnel = field(default_factory=Funnel)

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.covered / self.needs, 1) if self.needs else None

    def count(self, need: NeedCoverage, funnel: Funnel) -> None:
        self.needs += 1
        self.covered += int(need.covered)
        self.gaps += int(need.gap)
        self.unranked += int(not need.is_ranked)
        self.qualified += need.qualified
        self.funnel.add(funnel)


@dataclass(frozen=True)
class Period:
    """Suppliers registered in one week or month, and the running total."""

    start: dt.date
    unit: str  # "week" | "month"
    count: int
    total: int


@dataclass(frozen=True)
class Dashboard:
    qualified_score: float
    total: Coverage
    days: list[Coverage]
    buyers: list[Coverage]
    needs: dict[int, list[NeedCoverage]]  # by Supplier Day id, in the days' order
    registrations: list[Period]
    profiles: dict[str, int]
    stale: int
    ranked_now: int

    @property
    def gaps(self) -> list[tuple[Coverage, list[NeedCoverage]]]:
        """The localization gaps, per Supplier Day that has any."""
        found = []
        for day in self.days:
            missing = [n for n in self.needs.get(day.key, []) if n.gap]
            if missing:
                found.append((day, missing))
        return found

    def qualified_histogram(self) -> list[tuple[str, int]]:
        counts = []
        everything = [n for group in self.needs.values() for n in group if n.is_ranked]
        for low, high in QUALIFIED_BUCKETS:
            label = f"{low}" if low == high else f"{low}+" if high is None else f"{low}–{high}"
            counts.append(
                (
                    label,
                    sum(
                        1
                        for n in everything
                        if n.qualified >= low and (high is None or n.qualified <= high)
                    ),
                )
            )
        return counts


def _need_rows(session: Session) -> list[tuple[Need, SupplierDay, Buyer]]:
    rows = session.execute(
        select(Need, SupplierDay, Buyer)
        .join(SupplierDay, Need.supplier_day_id == SupplierDay.id)
        .join(Buyer, SupplierDay.buyer_id == Buyer.id)
        .order_by(SupplierDay.date.desc(), SupplierDay.id, Need.id)
    ).all()
    return [(need, day, buyer) for need, day, buyer in rows]


def _run_stats(
    session: Session, run_ids: Iterable[int], qualified_score: float
) -> dict[int, tuple[int, int, int, float | None]]:
    ids = list(run_ids)
    if not ids:
        return {}
    listed = MatchResult.near_miss.is_(False)
    # A profile rejected since the ranking was stored is no supplier the cluster offers.
    qualified = (
        listed
        & (MatchResult.score >= qualified_score)
        & (Supplier.status != SupplierStatus.REJECTED.value)
    )
    rows = session.execute(
        select(
            MatchResult.run_id,
            func.sum(case((listed, 1), else_=0)),
            func.sum(case((qualified, 1), else_=0)),
            func.sum(case((MatchResult.near_miss.is_(True), 1), else_=0)),
            func.max(case((listed, MatchResult.score), else_=None)),
        )
        .join(Supplier, Supplier.id == MatchResult.supplier_id)
        .where(MatchResult.run_id.in_(ids))
        .group_by(MatchResult.run_id)
    )
    return {
        run_id: (int(ranked or 0), int(good or 0), int(near or 0), best)
        for run_id, ranked, good, near, best in rows
    }


def _decision_counts(session: Session) -> dict[int, Funnel]:
    funnels: dict[int, Funnel] = defaultdict(Funnel)
    rows = session.execute(
        select(Decision.need_id, Decision.status, func.count()).group_by(
            Decision.need_id, Decision.status
        )
    )
    for need_id, status, count in rows:
        funnel = funnels[need_id]
        if status == FunnelStatus.REJECTED.value:
            funnel.rejected += count
        for stage in _REACHED.get(status, ()):
            setattr(funnel, stage, getattr(funnel, stage) + count)
    return funnels


def profile_counts(session: Session) -> dict[str, int]:
    counts = {s.value: 0 for s in SupplierStatus}
    for status, count in session.execute(
        select(Supplier.status, func.count()).group_by(Supplier.status)
    ):
        counts[status] = int(count)
    return counts


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def registrations(created: Iterable[dt.datetime], zone: ZoneInfo, today: dt.date) -> list[Period]:
    """Registrations per week (while they span half a year) or per month, up to today."""
    dates = sorted(aware(c).astimezone(zone).date() for c in created)
    if not dates:
        return []
    end = max(today, dates[-1])
    if (end - dates[0]).days <= WEEKLY_SPAN * 7:
        unit = "week"
        start = dates[0] - dt.timedelta(days=dates[0].weekday())
        starts = []
        while start <= end:
            starts.append(start)
            start += dt.timedelta(days=7)
    else:
        unit = "month"
        start = _month(dates[0])
        starts = []
        while start <= end:
            starts.append(start)
            start = _next_month(start)
        starts = starts[-MAX_MONTHS:]
    periods = []
    total = sum(1 for d in dates if d < starts[0])
    index = 0
    while index < len(dates) and dates[index] < starts[0]:
        index += 1
    for number, start in enumerate(starts):
        following = starts[number + 1] if number + 1 < len(starts) else None
        count = 0
        while index < len(dates) and (following is None or dates[index] < following):
            count += 1
            index += 1
        total += count
        periods.append(Period(start=start, unit=unit, count=count, total=total))
    return periods


def build(
    session: Session,
    cache: IndexCache,
    actor: User,
    qualified_score: float = DEFAULT_QUALIFIED_SCORE,
    zone: ZoneInfo | None = None,
    today: dt.date | None = None,
) -> Dashboard:
    """Coverage, gaps, funnel, registrations and profile counts for cluster staff."""
    require_role(actor, Role.STAFF)
    zone = zone or ZoneInfo("UTC")
    today = today or dt.datetime.now(zone).date()
    version = shortlists.catalogue_version(session)
    need_rows = _need_rows(session)
    runs = shortlists.latest_runs(session)
    never = [need for need, _day, _buyer in need_rows if need.id not in runs]
    ranked_now = 0
    if never:
        ranked_now = len(shortlists.rank_needs(session, cache, never, trigger="auto"))
        need_rows = _need_rows(session)
        runs = shortlists.latest_runs(session)
    stats = _run_stats(session, (r.id for r in runs.values()), qualified_score)
    funnels = _decision_counts(session)

    total = Coverage(key=0, label=_("All Supplier Days"))
    days: dict[int, Coverage] = {}
    buyers: dict[int, Coverage] = {}
    needs: dict[int, list[NeedCoverage]] = {}
    stale = 0
    for need, day, buyer in need_rows:
        run = runs.get(need.id)
        is_stale = shortlists.is_stale(session, need, run, version)
        ranked, qualified, near, best = (
            stats.get(run.id, (0, 0, 0, None)) if run else (0, 0, 0, None)
        )
        coverage = NeedCoverage(
            need_id=need.id,
            part_name=need.part_name,
            part_number=need.part_number,
            day_id=day.id,
            ranked=ranked,
            qualified=qualified,
            near_misses=near,
            best_score=best,
            computed_at=run.computed_at if run else None,
            stale=is_stale,
        )
        stale += int(is_stale and run is not None)
        funnel = replace(funnels.get(need.id, Funnel()), ranked=ranked)
        day_group = days.setdefault(
            day.id,
            Coverage(
                key=day.id, label=day.title, buyer=buyer.name, date=day.date, status=day.status
            ),
        )
        buyer_group = buyers.setdefault(buyer.id, Coverage(key=buyer.id, label=buyer.name))
        for group in (day_group, buyer_group, total):
            group.count(coverage, funnel)
        needs.setdefault(day.id, []).append(coverage)
    # Days without needs still belong on the page: staff see that they are empty.
    for day, buyer in session.execute(
        select(SupplierDay, Buyer)
        .join(Buyer, SupplierDay.buyer_id == Buyer.id)
        .where(SupplierDay.id.not_in(list(days) or [0]))
    ).all():
        days[day.id] = Coverage(
            key=day.id, label=day.title, buyer=buyer.name, date=day.date, status=day.status
        )
    ordered_days = sorted(days.values(), key=lambda c: (c.date or dt.date.min, c.key), reverse=True)
    created = session.scalars(select(Supplier.created_at)).all()
    return Dashboard(
        qualified_score=qualified_score,
        total=total,
        days=ordered_days,
        buyers=sorted(buyers.values(), key=lambda c: c.label.lower()),
        needs=needs,
        registrations=registrations(created, zone, today),
        profiles=profile_counts(session),
        stale=stale,
        ranked_now=ranked_now,
    )


def refresh(session: Session, cache: IndexCache, actor: User) -> int:
    """Recompute every stale ranking, in one batch, as staff asked."""
    require_role(actor, Role.STAFF)
    needs = list(session.scalars(select(Need).order_by(Need.id)))
    stale = shortlists.stale_needs(session, needs)
    shortlists.rank_needs(session, cache, stale, trigger="staff")
    return len(stale)


# --- the same numbers as one CSV ---------------------------------------------------------


def _day_label(coverage: Coverage) -> str:
    return f"{coverage.label} ({coverage.date.isoformat()})" if coverage.date else coverage.label


def _need_label(need: NeedCoverage) -> str:
    return f"{need.part_name} [{need.part_number}]" if need.part_number else need.part_name


def sheet(board: Dashboard) -> Sheet:
    """Every number of the dashboard as one long table: section, subject, measure, value.

    One row per number keeps a single file that filters and pivots well, whatever the
    section; the columns name the Supplier Day and the buyer where they apply.
    """
    rows: list[list[Cell]] = []

    def add(section: str, day: str, buyer: str, subject: str, measure: str, value: Cell) -> None:
        rows.append([section, day, buyer, subject, measure, value])

    def coverage_rows(section: str, group: Coverage, day: str, buyer: str) -> None:
        add(section, day, buyer, "", _("needs"), group.needs)
        add(section, day, buyer, "", _("covered"), group.covered)
        add(section, day, buyer, "", _("gaps"), group.gaps)
        add(section, day, buyer, "", _("not ranked yet"), group.unranked)
        add(section, day, buyer, "", _("coverage %"), group.percent)

    def funnel_rows(section: str, funnel: Funnel, day: str, buyer: str) -> None:
        for stage, count in funnel.stages():
            add(section, day, buyer, "", stage_label(stage), count)
        add(section, day, buyer, "", _("rejected"), funnel.rejected)

    coverage_rows(_("Coverage, all days"), board.total, "", "")
    for day in board.days:
        coverage_rows(_("Coverage by Supplier Day"), day, _day_label(day), day.buyer)
    for buyer in board.buyers:
        coverage_rows(_("Coverage by buyer"), buyer, "", buyer.label)
    for day in board.days:
        for need in board.needs.get(day.key, []):
            subject = _need_label(need)
            section = _("Qualified suppliers per need")
            add(section, _day_label(day), day.buyer, subject, _("qualified"), need.qualified)
            add(section, _day_label(day), day.buyer, subject, _("ranked"), need.ranked)
            add(section, _day_label(day), day.buyer, subject, _("near misses"), need.near_misses)
            best = round(need.best_score, 3) if need.best_score is not None else None
            add(section, _day_label(day), day.buyer, subject, _("best score"), best)
    for day, missing in board.gaps:
        for need in missing:
            add(
                _("Localization gaps"),
                _day_label(day),
                day.buyer,
                _need_label(need),
                _("near misses"),
                need.near_misses,
            )
    funnel_rows(_("Funnel, all days"), board.total.funnel, "", "")
    for day in board.days:
        funnel_rows(_("Funnel by Supplier Day"), day.funnel, _day_label(day), day.buyer)
    for buyer in board.buyers:
        funnel_rows(_("Funnel by buyer"), buyer.funnel, "", buyer.label)
    for period in board.registrations:
        label = (
            period.start.isoformat() if period.unit == "week" else period.start.strftime("%Y-%m")
        )
        section = (
            _("Registrations per week") if period.unit == "week" else _("Registrations per month")
        )
        add(section, "", "", label, _("registered"), period.count)
        add(section, "", "", label, _("total"), period.total)
    for status, count in board.profiles.items():
        add(_("Supplier profiles"), "", "", label_for(status), _("suppliers"), count)
    columns = [_("Section"), _("Supplier Day"), _("Buyer"), _("Subject"), _("Measure"), _("Value")]
    return Sheet(title=_("Reports"), columns=columns, rows=rows)
