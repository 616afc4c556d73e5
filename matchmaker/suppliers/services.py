"""Supplier companies: capability profiles, certificates, verification, interests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from matchmaker import audit, taxonomy
from matchmaker.db import utcnow, writes
from matchmaker.errors import FieldError, NotFound
from matchmaker.models import (
    Certification,
    DayStatus,
    Interest,
    Need,
    Role,
    Supplier,
    SupplierDay,
    SupplierStatus,
    User,
)
from matchmaker.notices import services as notices
from matchmaker.permissions import require_role


def own_supplier(session: Session, actor: User) -> Supplier:
    """The company of a supplier user."""
    require_role(actor, Role.SUPPLIER)
    supplier = session.get(Supplier, actor.supplier_id) if actor.supplier_id else None
    if supplier is None:
        raise NotFound()
    return supplier


@dataclass(frozen=True)
class ProfileInput:
    name: str
    region: str
    city: str = ""
    website: str = ""
    employees: int | None = None
    description: str = ""
    products: str = ""
    customers: str = ""
    processes: Sequence[str] = ()
    materials: Sequence[str] = ()


@writes
def update_profile(session: Session, actor: User, data: ProfileInput) -> Supplier:
    """Save a supplier's capability profile."""
    supplier = own_supplier(session, actor)
    processes = taxonomy.processes_by_code(session, data.processes)
    materials = taxonomy.materials_by_code(session, data.materials)
    if len(processes) != len(set(data.processes)):
        raise FieldError("processes", _("Pick processes from the list."))
    if len(materials) != len(set(data.materials)):
        raise FieldError("materials", _("Pick materials from the list."))
    supplier.name = data.name.strip()
    supplier.region = data.region.strip()
    supplier.city = data.city.strip()
    supplier.website = data.website.strip()
    supplier.employees = data.employees
    supplier.description = data.description.strip()
    supplier.products = data.products.strip()
    supplier.customers = data.customers.strip()
    supplier.processes = processes
    supplier.materials = materials
    supplier.updated_at = utcnow()
    audit.record(session, actor, "supplier.profile_updated", "supplier", supplier.id)
    session.commit()
    return supplier


@dataclass(frozen=True)
class CertificationInput:
    standard: str
    number: str = ""
    valid_until: dt.date | None = None


@writes
def add_certification(
    session: Session, actor: User, data: CertificationInput, today: dt.date | None = None
) -> Certification:
    """Add a certificate to the supplier's own profile; staff verify it later."""
    supplier = own_supplier(session, actor)
    today = today or dt.date.today()
    if data.valid_until is not None and data.valid_until < today:
        raise FieldError("valid_until", _("This certificate has already expired."))
    duplicate = any(
        c.standard == data.standard and c.number == data.number.strip()
        for c in supplier.certifications
    )
    if duplicate:
        raise FieldError("standard", _("This certificate is already on your profile."))
    certification = Certification(
        standard=data.standard.strip(), number=data.number.strip(), valid_until=data.valid_until
    )
    supplier.certifications.append(certification)
    supplier.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "certification.added",
        "certification",
        certification.id,
        standard=certification.standard,
    )
    session.commit()
    return certification


@writes
def remove_certification(session: Session, actor: User, certification_id: int) -> None:
    """Delete a certificate from the supplier's own profile."""
    supplier = own_supplier(session, actor)
    certification = session.get(Certification, certification_id)
    if certification is None or certification.supplier_id != supplier.id:
        raise NotFound()
    supplier.certifications.remove(certification)
    supplier.updated_at = utcnow()
    audit.record(
        session,
        actor,
        "certification.removed",
        "certification",
        certification_id,
        standard=certification.standard,
    )
    session.commit()


def list_suppliers(
    session: Session, actor: User, status: str | None = None, query: str = ""
) -> list[Supplier]:
    """All suppliers for staff, newest first, optionally filtered."""
    require_role(actor, Role.STAFF)
    statement = select(Supplier).options(
        selectinload(Supplier.processes),
        selectinload(Supplier.materials),
        selectinload(Supplier.certifications),
    )
    if status in {s.value for s in SupplierStatus}:
        statement = statement.where(Supplier.status == status)
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(Supplier.name).like(pattern),
                Supplier.inn.like(pattern),
                func.lower(Supplier.region).like(pattern),
                func.lower(Supplier.city).like(pattern),
            )
        )
    return list(session.scalars(statement.order_by(Supplier.name)).all())


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Supplier.status, func.count().label("n")).group_by(Supplier.status)
    )
    counts = {s.value: 0 for s in SupplierStatus}
    counts.update({row.status: row.n for row in rows})
    return counts


def get_supplier(session: Session, actor: User, supplier_id: int) -> Supplier:
    """A supplier's profile as staff or a buyer may see it (buyers never see rejected ones)."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound()
    if actor.role == Role.STAFF.value:
        return supplier
    if actor.role == Role.SUPPLIER.value and actor.supplier_id == supplier.id:
        return supplier
    if actor.role == Role.BUYER.value and supplier.status != SupplierStatus.REJECTED.value:
        return supplier
    raise NotFound()


@writes
def review(
    session: Session, actor: User, supplier_id: int, status: SupplierStatus, reason: str = ""
) -> Supplier:
    """Verify or reject a supplier; a rejection carries a reason the supplier sees."""
    require_role(actor, Role.STAFF)
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound()
    reason = reason.strip()
    if status is SupplierStatus.REJECTED and not reason:
        raise FieldError("reason", _("Say why the profile is rejected; the supplier sees it."))
    unchanged = (supplier.status, supplier.status_reason) == (status.value, reason)
    supplier.status = status.value
    supplier.status_reason = reason
    supplier.reviewed_at = utcnow()
    supplier.updated_at = utcnow()
    audit.record(session, actor, f"supplier.{status.value}", "supplier", supplier.id, reason=reason)
    if not unchanged:  # a second click on "verify" sends no second e-mail
        notices.supplier_reviewed(session, supplier)
    session.commit()
    return supplier


@writes
def set_certification_verified(
    session: Session, actor: User, certification_id: int, verified: bool
) -> Certification:
    """Mark a certificate as checked against the original (or undo that)."""
    require_role(actor, Role.STAFF)
    certification = session.get(Certification, certification_id)
    if certification is None:
        raise NotFound()
    if certification.verified != verified:
        certification.verified_at = utcnow() if verified else None
    certification.verified = verified
    certification.supplier.updated_at = utcnow()
    audit.record(
        session,
        actor,
        "certification.verified" if verified else "certification.unverified",
        "certification",
        certification.id,
    )
    session.commit()
    return certification


def _open_need(session: Session, need_id: int, today: dt.date) -> Need:
    need = session.get(Need, need_id)
    if need is None or need.supplier_day.status == DayStatus.DRAFT.value:
        raise NotFound()
    day: SupplierDay = need.supplier_day
    if day.status != DayStatus.OPEN.value:
        raise FieldError("need", _("This Supplier Day no longer takes registrations."))
    if day.registration_deadline is not None and today > day.registration_deadline:
        raise FieldError("need", _("The registration deadline for this Supplier Day has passed."))
    return need


@writes
def mark_interest(
    session: Session, actor: User, need_id: int, today: dt.date | None = None
) -> Interest:
    """Say the supplier's company wants to supply this part."""
    supplier = own_supplier(session, actor)
    if supplier.status == SupplierStatus.REJECTED.value:
        raise FieldError("need", _("Your profile was rejected; update it and ask for review."))
    need = _open_need(session, need_id, today or dt.date.today())
    existing = session.scalar(
        select(Interest).where(Interest.need_id == need.id, Interest.supplier_id == supplier.id)
    )
    if existing is not None:
        return existing
    interest = Interest(need=need, supplier=supplier)
    session.add(interest)
    session.flush()
    audit.record(session, actor, "interest.marked", "need", need.id, supplier_id=supplier.id)
    session.commit()
    return interest


@writes
def withdraw_interest(
    session: Session, actor: User, need_id: int, today: dt.date | None = None
) -> None:
    """Take back the company's interest in a part."""
    supplier = own_supplier(session, actor)
    interest = session.scalar(
        select(Interest).where(Interest.need_id == need_id, Interest.supplier_id == supplier.id)
    )
    if interest is None:
        raise NotFound()
    session.delete(interest)
    audit.record(session, actor, "interest.withdrawn", "need", need_id, supplier_id=supplier.id)
    session.commit()


def interested_need_ids(session: Session, supplier_id: int) -> set[int]:
    return set(session.scalars(select(Interest.need_id).where(Interest.supplier_id == supplier_id)))
