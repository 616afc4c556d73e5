"""Importing suppliers and a day's needs from CSV or XLSX, and the review queue.

An import reads and checks the whole file first. By default nothing is written unless
every row is valid; then all rows are written in one transaction. Supplier rows are
matched to the catalogue once, in memory: a known INN updates that supplier, a name
very close to a supplier that no INN tells apart goes to the review queue, and the
rest are added as pending profiles. Writes are bulk statements, not one per row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from matchmaker import audit
from matchmaker.db import begin_write, utcnow, writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.imports.columns import (
    NEED_COLUMNS,
    SUPPLIER_COLUMNS,
    Column,
    ReferenceLists,
    template_csv,
    template_xlsx,
)
from matchmaker.imports.parsing import FileProblem, Table, fold, read_table
from matchmaker.imports.validation import (
    Checked,
    Lookups,
    NeedRow,
    Problem,
    Progress,
    StandardLookup,
    SupplierRow,
    TermLookup,
    check_needs,
    check_suppliers,
    company_key,
    exact_key,
)
from matchmaker.models import (
    Certification,
    ImportReview,
    Material,
    Need,
    Process,
    ReviewStatus,
    Role,
    Supplier,
    SupplierDay,
    SupplierStatus,
    User,
    supplier_materials,
    supplier_processes,
)
from matchmaker.permissions import require_role
from matchmaker.supplier_days import services as day_services

# Names at least this similar (0-100, on names without legal form and quotes, word
# order ignored) are taken for the same company unless INNs tell them apart.
SIMILARITY = 90.0
_CHUNK = 500  # ids per IN (...) list, well below every database's parameter limit
_NUMBER = re.compile(r"\d+")
_MATRIX_CELLS = 5_000_000  # scores held at once (20 MB): names per block x catalogue size


@dataclass
class ImportReport:
    """What an import found and did; ``problems`` lists every refused cell."""

    source: str
    dry_run: bool = False
    skip_invalid: bool = False
    kind: str = ""
    encoding: str = ""
    rows: int = 0
    file_problem: str = ""
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    added: int = 0
    updated: int = 0
    to_review: int = 0
    already_in_review: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_problem and not self.problems

    @property
    def rejected_rows(self) -> int:
        return len({p.line for p in self.problems})

    @property
    def accepted_rows(self) -> int:
        return self.added + self.updated + self.to_review + self.already_in_review


def reference_lists(session: Session, standards: Sequence[str]) -> ReferenceLists:
    def terms(model: type[Process] | type[Material]) -> list[tuple[str, str, str]]:
        rows = session.execute(select(model.code, model.name_en, model.name_ru)).all()
        return sorted(((r[0], r[1], r[2]) for r in rows), key=lambda t: t[1].lower())

    return ReferenceLists(terms(Process), terms(Material), tuple(standards))


def template(
    session: Session, kind: str, fmt: str, standards: Sequence[str], locale: str = "en"
) -> bytes:
    """The blank template of a supplier (``kind="suppliers"``) or need file, CSV or XLSX."""
    columns: Sequence[Column] = SUPPLIER_COLUMNS if kind == "suppliers" else NEED_COLUMNS
    if fmt == "xlsx":
        return template_xlsx(columns, locale, reference_lists(session, standards))
    return template_csv(columns, locale)


def load_lookups(session: Session, standards: Sequence[str], today: dt.date) -> Lookups:
    """The taxonomy and standards in memory, so rows are checked without queries."""

    def terms(model: type[Process] | type[Material]) -> TermLookup:
        rows = session.execute(select(model.code, model.name_en, model.name_ru)).all()
        return TermLookup((r[0], r[1], r[2]) for r in rows)

    return Lookups(terms(Process), terms(Material), StandardLookup(standards), today)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- suppliers -----------------------------------------------------------------------------


@dataclass
class _Plan:
    new: list[SupplierRow] = field(default_factory=list)
    updates: list[tuple[int, SupplierRow]] = field(default_factory=list)
    reviews: list[tuple[SupplierRow, int, float]] = field(default_factory=list)
    already_in_review: int = 0


def _sorted_words(key: str) -> str:
    return " ".join(sorted(key.split()))


def _numbers(key: str) -> list[str]:
    return _NUMBER.findall(key)


def _closest(queries: Sequence[str], choices: Sequence[str]) -> list[tuple[int, float] | None]:
    """For each query, the index and score of the most similar choice at or above SIMILARITY.

    Names that differ in their numbers ("Завод № 1", "Завод № 2") are different
    companies however alike the rest reads.
    """
    if not choices:
        return [None] * len(queries)
    found: list[tuple[int, float] | None] = []
    for block in _chunks(queries, max(1, min(500, _MATRIX_CELLS // len(choices)))):
        scores = process.cdist(
            block,
            choices,
            scorer=fuzz.ratio,
            score_cutoff=SIMILARITY,
            dtype=np.float32,
            workers=-1,
        )
        for row, query in enumerate(block):
            numbers = _numbers(query)
            close = np.flatnonzero(scores[row] >= SIMILARITY) if query else ()
            same = [int(c) for c in close if _numbers(choices[int(c)]) == numbers]
            if not same:
                found.append(None)
                continue
            best = max(same, key=lambda column: (scores[row, column], -column))
            found.append((best, float(scores[row, best])))
    return found


def _plan_suppliers(session: Session, rows: Sequence[SupplierRow]) -> _Plan:
    """Sort valid rows into new suppliers, updates and reviews against the catalogue."""
    catalogue = session.execute(
        select(Supplier.id, Supplier.inn, Supplier.name, Supplier.region).order_by(Supplier.id)
    ).all()
    by_inn = {inn: sid for sid, inn, _name, _region in catalogue if inn}
    same_record: dict[tuple[str, str], int] = {}
    for sid, inn, name, region in catalogue:
        if not inn:
            same_record.setdefault((exact_key(name), fold(region)), sid)
    all_ids = [sid for sid, *_rest in catalogue]
    all_keys = [_sorted_words(company_key(name)) for _sid, _inn, name, _region in catalogue]
    bare_ids = [sid for sid, inn, *_rest in catalogue if not inn]
    bare_keys = [key for key, (_s, inn, *_r) in zip(all_keys, catalogue, strict=True) if not inn]
    waiting = {
        (candidate, company_key(str(row.get("name", ""))), row.get("inn") or None)
        for candidate, row in session.execute(
            select(ImportReview.candidate_id, ImportReview.row).where(
                ImportReview.status == ReviewStatus.PENDING.value
            )
        )
    }

    plan = _Plan()
    without_inn: list[SupplierRow] = []
    unknown_inn: list[SupplierRow] = []
    for row in rows:
        record = same_record.get((exact_key(row.name), fold(str(row.fields["region"]))))
        if row.inn is not None and row.inn in by_inn:
            plan.updates.append((by_inn[row.inn], row))
        elif row.inn is None and record is not None:
            # Imported before under this very name and region: the same record again.
            plan.updates.append((record, row))
        elif row.inn is None:
            without_inn.append(row)
        else:
            unknown_inn.append(row)

    # Without an INN any close name may be the same company; with a new INN only a
    # supplier that has no INN of its own can be.
    for group, ids, keys in ((without_inn, all_ids, all_keys), (unknown_inn, bare_ids, bare_keys)):
        matches = _closest([_sorted_words(company_key(r.name)) for r in group], keys)
        for row, match in zip(group, matches, strict=True):
            if match is None:
                plan.new.append(row)
                continue
            candidate = ids[match[0]]
            if (candidate, company_key(row.name), row.inn) in waiting:
                plan.already_in_review += 1
            else:
                plan.reviews.append((row, candidate, match[1]))
    plan.reviews.sort(key=lambda review: review[0].line)
    return plan


def _new_values(row: SupplierRow, now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "",
        "inn": None,
        "region": "",
        "city": "",
        "website": "",
        "email": "",
        "description": "",
        "products": "",
        "customers": "",
        "employees": None,
        "status": SupplierStatus.PENDING.value,
        "status_reason": "",
        "created_at": now,
        "updated_at": now,
    }
    values.update(row.fields)
    return values


def _write_suppliers(
    session: Session,
    new: Sequence[SupplierRow],
    updates: Sequence[tuple[int, SupplierRow]],
    now: dt.datetime,
) -> list[int]:
    """Insert and update suppliers with their links in bulk; return the new ids."""
    process_ids: dict[str, int] = dict(session.execute(select(Process.code, Process.id)).all())
    material_ids: dict[str, int] = dict(session.execute(select(Material.code, Material.id)).all())
    new_ids: list[int] = []
    for block in _chunks(new):
        new_ids.extend(
            session.scalars(
                insert(Supplier).returning(Supplier.id, sort_by_parameter_order=True),
                [_new_values(row, now) for row in block],
            ).all()
        )
    if updates:
        session.execute(
            update(Supplier),
            [{"id": sid, **row.fields, "updated_at": now} for sid, row in updates],
        )
    pairs = [*zip(new_ids, new, strict=True), *updates]
    fresh = set(new_ids)

    for table, ids, attribute in (
        (supplier_processes, process_ids, "processes"),
        (supplier_materials, material_ids, "materials"),
    ):
        given = [(sid, getattr(row, attribute)) for sid, row in pairs]
        given = [(sid, codes) for sid, codes in given if codes is not None]
        column = "process_id" if attribute == "processes" else "material_id"
        replaced = [sid for sid, _codes in given if sid not in fresh]
        for block in _chunks(replaced):
            session.execute(delete(table).where(table.c.supplier_id.in_(block)))
        links = [
            {"supplier_id": sid, column: ids[code]}
            for sid, codes in given
            for code in codes
            if code in ids
        ]
        if links:
            session.execute(insert(table), links)

    _write_certifications(session, pairs, fresh, now)
    return new_ids


def _write_certifications(
    session: Session,
    pairs: Sequence[tuple[int, SupplierRow]],
    new_ids: set[int],
    now: dt.datetime,
) -> None:
    """Replace the certificates of rows that list any, keeping ones that did not change.

    A certificate with the same standard, number and date keeps its "checked by
    staff" mark; any other is a new document that staff have not seen.
    """
    given = {sid: row.certifications for sid, row in pairs if row.certifications is not None}
    held: dict[int, list[tuple[int, tuple[str, str, dt.date | None]]]] = {}
    old_ids = [sid for sid in given if sid not in new_ids]
    for block in _chunks(old_ids):
        for cid, sid, standard, number, until in session.execute(
            select(
                Certification.id,
                Certification.supplier_id,
                Certification.standard,
                Certification.number,
                Certification.valid_until,
            ).where(Certification.supplier_id.in_(block))
        ):
            held.setdefault(sid, []).append((cid, (standard, number, until)))
    dropped: list[int] = []
    added: list[dict[str, Any]] = []
    for sid, entries in given.items():
        wanted = {(e.standard, e.number, e.valid_until) for e in entries}
        kept = set()
        for cid, key in held.get(sid, []):
            if key in wanted and key not in kept:
                kept.add(key)
            else:
                dropped.append(cid)
        added.extend(
            {
                "supplier_id": sid,
                "standard": standard,
                "number": number,
                "valid_until": until,
                "verified": False,
                "verified_at": None,
                "created_at": now,
            }
            for standard, number, until in dict.fromkeys(
                (e.standard, e.number, e.valid_until) for e in entries
            )
            if (standard, number, until) not in kept
        )
    for block in _chunks(dropped):
        session.execute(delete(Certification).where(Certification.id.in_(block)))
    if added:
        session.execute(insert(Certification), added)


def _reviews(
    session: Session,
    reviews: Sequence[tuple[SupplierRow, int, float]],
    actor: User | None,
    source: str,
    now: dt.datetime,
) -> None:
    if not reviews:
        return
    session.execute(
        insert(ImportReview),
        [
            {
                "row": row.as_json(),
                "source": source[:255],
                "line": row.line,
                "candidate_id": candidate,
                "similarity": similarity,
                "status": ReviewStatus.PENDING.value,
                "supplier_id": None,
                "created_by_id": actor.id if actor is not None else None,
                "created_at": now,
                "resolved_by_id": None,
                "resolved_at": None,
            }
            for row, candidate, similarity in reviews
        ],
    )


def _read(
    report: ImportReport,
    data: bytes,
    check: Callable[[Table, Lookups, Progress | None], Checked],
    lookups: Lookups,
    progress: Progress | None,
) -> Checked | None:
    """Read and check the file into ``report``; None when the file cannot be read at all."""
    try:
        table = read_table(data, report.source)
    except FileProblem as problem:
        report.file_problem = problem.message
        return None
    report.kind, report.encoding = table.kind, table.encoding
    try:
        checked = check(table, lookups, progress)
    except FileProblem as problem:  # the header row
        report.file_problem = problem.message
        if table.kind == "xlsx":
            report.file_problem += " " + _("Only the first sheet of a workbook is read.")
        elif table.encoding == "cp1251":
            report.file_problem += " " + _(
                "The file was read as Windows-1251; if its letters look garbled, save it "
                "as CSV UTF-8."
            )
        return None
    if not checked.rows:
        report.file_problem = _("The file names its columns but has no rows below them.")
        return None
    report.rows = checked.rows
    report.problems = checked.problems
    report.ignored_columns = checked.header.ignored
    return checked


def import_suppliers(
    session: Session,
    actor: User | None,
    data: bytes,
    source: str,
    *,
    standards: Sequence[str],
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Import a supplier list (staff, or the CLI when ``actor`` is None).

    Nothing is written when any row is refused, unless ``skip_invalid`` asks to write
    the valid rows anyway; ``dry_run`` reports what would happen and writes nothing.
    """
    if actor is not None:
        require_role(actor, Role.STAFF)
    report = ImportReport(source=source, dry_run=dry_run, skip_invalid=skip_invalid)
    lookups = load_lookups(session, standards, today or dt.date.today())
    checked = _read(report, data, check_suppliers, lookups, progress)
    if checked is None or (report.problems and not skip_invalid):
        session.rollback()
        return report
    if not dry_run:
        begin_write(session)
    plan = _plan_suppliers(session, checked.supplier_rows)
    report.added = len(plan.new)
    report.updated = len(plan.updates)
    report.to_review = len(plan.reviews)
    report.already_in_review = plan.already_in_review
    if dry_run or not (plan.new or plan.updates or plan.reviews):
        session.rollback()
        return report
    now = utcnow()
    try:
        _write_suppliers(session, plan.new, plan.updates, now)
        _reviews(session, plan.reviews, actor, source, now)
        audit.record(
            session,
            actor,
            "suppliers.imported",
            "import",
            None,
            source=source,
            added=report.added,
            updated=report.updated,
            to_review=report.to_review,
            rejected_rows=report.rejected_rows,
        )
        session.commit()
    except IntegrityError:
        # Another import or a registration took one of these INNs meanwhile (possible
        # on PostgreSQL, where the plan is not made under a table lock).
        session.rollback()
        report.added = report.updated = report.to_review = report.already_in_review = 0
        report.file_problem = _(
            "The catalogue changed while the file was imported; nothing was written. "
            "Import the file again."
        )
        return report
    report.written = True
    return report


# --- the review queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    review: ImportReview
    row: SupplierRow
    candidate: Supplier | None
    process_names: tuple[str, ...]
    material_names: tuple[str, ...]


def pending_reviews(
    session: Session, actor: User, locale: str = "en", limit: int = 100
) -> list[ReviewItem]:
    """The oldest rows held back for staff, each with its candidate supplier."""
    require_role(actor, Role.STAFF)
    candidate = selectinload(ImportReview.candidate)
    reviews = session.scalars(
        select(ImportReview)
        .where(ImportReview.status == ReviewStatus.PENDING.value)
        .options(
            candidate.selectinload(Supplier.processes),
            candidate.selectinload(Supplier.materials),
            candidate.selectinload(Supplier.certifications),
        )
        .order_by(ImportReview.id)
        .limit(limit)
    ).all()
    processes = {
        p.code: (p.name_ru if locale == "ru" else p.name_en)
        for p in session.scalars(select(Process))
    }
    materials = {
        m.code: (m.name_ru if locale == "ru" else m.name_en)
        for m in session.scalars(select(Material))
    }
    items = []
    for review in reviews:
        row = SupplierRow.from_json(review.line, review.row)
        items.append(
            ReviewItem(
                review=review,
                row=row,
                candidate=review.candidate,
                process_names=tuple(processes.get(c, c) for c in row.processes or ()),
                material_names=tuple(materials.get(c, c) for c in row.materials or ()),
            )
        )
    return items


def pending_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count(ImportReview.id)).where(
                ImportReview.status == ReviewStatus.PENDING.value
            )
        )
        or 0
    )


def _pending_review(session: Session, actor: User, review_id: int) -> ImportReview:
    require_role(actor, Role.STAFF)
    review = session.get(ImportReview, review_id)
    if review is None:
        raise NotFound()
    if review.status != ReviewStatus.PENDING.value:
        raise FieldError("review", _("This row was already dealt with."))
    return review


def _inn_owner(session: Session, inn: str | None) -> Supplier | None:
    if not inn:
        return None
    return session.scalar(select(Supplier).where(Supplier.inn == inn))


def _resolve(
    session: Session, actor: User, review: ImportReview, status: ReviewStatus, supplier_id: int
) -> None:
    review.status = status.value
    review.supplier_id = supplier_id
    review.resolved_by_id = actor.id
    review.resolved_at = utcnow()


@writes
def add_as_new(session: Session, actor: User, review_id: int) -> Supplier:
    """Add a held-back row as a new supplier after all."""
    review = _pending_review(session, actor, review_id)
    row = SupplierRow.from_json(review.line, review.row)
    owner = _inn_owner(session, row.inn)
    if owner is not None:
        raise FieldError(
            "review",
            _(
                "INN %(inn)s now belongs to %(name)s: merge the row into it or dismiss it.",
                inn=row.inn,
                name=owner.name,
            ),
        )
    (supplier_id,) = _write_suppliers(session, [row], [], utcnow())
    _resolve(session, actor, review, ReviewStatus.ADDED, supplier_id)
    audit.record(
        session, actor, "import_review.added", "supplier", supplier_id, review_id=review.id
    )
    session.commit()
    supplier = session.get(Supplier, supplier_id)
    assert supplier is not None
    return supplier


@writes
def merge_into_candidate(session: Session, actor: User, review_id: int) -> Supplier:
    """Update the candidate supplier with the row: the two are the same company."""
    review = _pending_review(session, actor, review_id)
    row = SupplierRow.from_json(review.line, review.row)
    candidate = session.get(Supplier, review.candidate_id) if review.candidate_id else None
    if candidate is None:
        raise FieldError(
            "review", _("The supplier this row resembled was removed: add the row as new.")
        )
    if row.inn and candidate.inn and row.inn != candidate.inn:
        raise FieldError(
            "review",
            _(
                "The row's INN %(inn)s differs from the supplier's %(other)s: "
                "they are different companies.",
                inn=row.inn,
                other=candidate.inn,
            ),
        )
    owner = _inn_owner(session, row.inn)
    if owner is not None and owner.id != candidate.id:
        raise FieldError(
            "review",
            _("INN %(inn)s belongs to %(name)s already.", inn=row.inn, name=owner.name),
        )
    _write_suppliers(session, [], [(candidate.id, row)], utcnow())
    _resolve(session, actor, review, ReviewStatus.MERGED, candidate.id)
    audit.record(
        session, actor, "import_review.merged", "supplier", candidate.id, review_id=review.id
    )
    session.commit()
    session.refresh(candidate)
    return candidate


@writes
def dismiss(session: Session, actor: User, review_id: int) -> ImportReview:
    """Drop a held-back row: it was the same company, or not wanted."""
    review = _pending_review(session, actor, review_id)
    review.status = ReviewStatus.DISMISSED.value
    review.resolved_by_id = actor.id
    review.resolved_at = utcnow()
    audit.record(session, actor, "import_review.dismissed", "import_review", review.id)
    session.commit()
    return review


# --- needs ---------------------------------------------------------------------------------


def import_day(session: Session, actor: User | None, day_id: int) -> SupplierDay:
    """The day whose needs ``actor`` may import: staff any day, a buyer its own."""
    if actor is None:
        day = session.get(SupplierDay, day_id)
        if day is None:
            raise NotFound()
        return day
    require_role(actor, Role.STAFF, Role.BUYER)
    day = day_services.get_day(session, actor, day_id)
    if actor.role == Role.BUYER.value and day.buyer_id != actor.buyer_id:
        raise NotFound()
    return day


def _need_input(row: NeedRow, need: Need | None) -> day_services.NeedInput:
    """The row over what the need already says: empty cells keep the need's values."""
    current: dict[str, Any] = {}
    if need is not None:
        current = {
            "part_name": need.part_name,
            "part_number": need.part_number,
            "description": need.description,
            "processes": tuple(p.code for p in need.processes),
            "materials": tuple(m.code for m in need.materials),
            "annual_volume": need.annual_volume,
            "unit": need.unit,
            "sop_date": need.sop_date,
            "required_certifications": tuple(need.required_certifications or ()),
        }
    current.update(row.fields)
    return day_services.NeedInput(**current)


def import_needs(
    session: Session,
    actor: User | None,
    day_id: int,
    data: bytes,
    source: str,
    *,
    standards: Sequence[str],
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Import a day's needs: a part number already on the day updates that need."""
    day = import_day(session, actor, day_id)
    report = ImportReport(source=source, dry_run=dry_run, skip_invalid=skip_invalid)
    lookups = load_lookups(session, standards, today or dt.date.today())
    checked = _read(report, data, check_needs, lookups, progress)
    if checked is None or (report.problems and not skip_invalid):
        session.rollback()
        return report
    if not dry_run:
        begin_write(session)
        day = session.get(SupplierDay, day_id) or day
    by_number: dict[str, Need] = {}
    by_name: dict[str, Need] = {}
    for need in day.needs:
        if need.part_number.strip():
            by_number.setdefault(fold(need.part_number), need)
        else:
            by_name.setdefault(fold(need.part_name), need)
    created: list[Need] = []
    changed: list[Need] = []
    would_add = would_update = 0
    for row in checked.need_rows:
        existing = (
            by_number.get(fold(row.part_number))
            if row.part_number
            else by_name.get(fold(row.part_name))
        )
        data_in = _need_input(row, existing)
        try:
            processes, materials = day_services.check_need(session, data_in, standards)
        except FieldError as error:  # the checks above should have caught it; say so anyway
            label = checked.header.labels.get(error.field, error.field)
            report.problems.append(Problem(row.line, label, error.message))
            continue
        if dry_run:
            would_add += existing is None
            would_update += existing is not None
            continue
        need = existing or Need(supplier_day=day)
        day_services.fill_need(need, data_in, processes, materials)
        session.add(need)
        (changed if existing is not None else created).append(need)
    report.added = len(created) + would_add
    report.updated = len(changed) + would_update
    if dry_run or (report.problems and not skip_invalid) or not (created or changed):
        session.rollback()
        return report
    session.flush()
    audit.record(
        session,
        actor,
        "needs.imported",
        "supplier_day",
        day.id,
        source=source,
        created=[n.id for n in created],
        updated=[n.id for n in changed],
        rejected_rows=report.rejected_rows,
    )
    session.commit()
    report.written = True
    return report
