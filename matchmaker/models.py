"""The database tables, in SQLAlchemy 2 typed style. Models never commit."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, utcnow


class StrEnum(enum.StrEnum):
    pass


class Role(StrEnum):
    STAFF = "staff"
    BUYER = "buyer"
    SUPPLIER = "supplier"


class BuyerKind(StrEnum):
    OEM = "OEM"
    TIER1 = "Tier-1"


class SupplierStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class DayFormat(StrEnum):
    ONSITE = "onsite"
    ONLINE = "online"
    HYBRID = "hybrid"


class DayStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DONE = "done"


class MeetingStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ADDED = "added"
    MERGED = "merged"
    DISMISSED = "dismissed"


class FunnelStatus(StrEnum):
    SHORTLISTED = "shortlisted"
    MEETING = "meeting"
    RFQ = "rfq"
    NOMINATED = "nominated"
    REJECTED = "rejected"


def _enum_check(column: str, values: type[StrEnum]) -> str:
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({allowed})"


def _timestamp(**kwargs: Any) -> Any:
    return mapped_column(DateTime(timezone=True), default=utcnow, **kwargs)


supplier_processes = Table(
    "supplier_processes",
    Base.metadata,
    Column("supplier_id", ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True),
    Column("process_id", ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True),
)
supplier_materials = Table(
    "supplier_materials",
    Base.metadata,
    Column("supplier_id", ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True),
    Column("material_id", ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True),
)
need_processes = Table(
    "need_processes",
    Base.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("process_id", ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True),
)
need_materials = Table(
    "need_materials",
    Base.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("material_id", ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_enum_check("role", Role), name="role"),
        CheckConstraint("role != 'buyer' OR buyer_id IS NOT NULL", name="buyer_has_org"),
        CheckConstraint("role != 'supplier' OR supplier_id IS NOT NULL", name="supplier_has_org"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    buyer_id: Mapped[int | None] = mapped_column(
        ForeignKey("buyers.id", ondelete="CASCADE"), index=True
    )
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change or deactivation: it is part of the login cookie's id,
    # so every other session of the user ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Secret part of the user's calendar subscription address; calendar programs
    # fetch the feed without a login cookie.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = _timestamp()
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    buyer: Mapped[Buyer | None] = relationship(back_populates="users")
    supplier: Mapped[Supplier | None] = relationship(back_populates="users")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class Buyer(Base):
    __tablename__ = "buyers"
    __table_args__ = (CheckConstraint(_enum_check("kind", BuyerKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=BuyerKind.TIER1.value)
    country: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = _timestamp()

    users: Mapped[list[User]] = relationship(back_populates="buyer")
    supplier_days: Mapped[list[SupplierDay]] = relationship(
        back_populates="buyer", order_by="SupplierDay.date"
    )


class Process(Base):
    __tablename__ = "processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))

    suppliers: Mapped[list[Supplier]] = relationship(
        secondary=supplier_processes, back_populates="processes"
    )
    needs: Mapped[list[Need]] = relationship(secondary=need_processes, back_populates="processes")


class Material(Base):
    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))

    suppliers: Mapped[list[Supplier]] = relationship(
        secondary=supplier_materials, back_populates="materials"
    )
    needs: Mapped[list[Need]] = relationship(secondary=need_materials, back_populates="materials")


class Supplier(Base):
    __tablename__ = "suppliers"
    __table_args__ = (
        CheckConstraint(_enum_check("status", SupplierStatus), name="status"),
        CheckConstraint("employees IS NULL OR employees >= 0", name="employees"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Registration requires an INN; a supplier imported from a cluster's list may lack one.
    inn: Mapped[str | None] = mapped_column(String(12), unique=True)
    region: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    products: Mapped[str] = mapped_column(Text, default="")
    customers: Mapped[str] = mapped_column(Text, default="")
    employees: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        String(16), default=SupplierStatus.PENDING.value, index=True
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = _timestamp()
    # Any change to what the matcher reads bumps this; the index cache keys on it.
    updated_at: Mapped[dt.datetime] = _timestamp(index=True)

    users: Mapped[list[User]] = relationship(back_populates="supplier")
    processes: Mapped[list[Process]] = relationship(
        secondary=supplier_processes, back_populates="suppliers", order_by="Process.name_en"
    )
    materials: Mapped[list[Material]] = relationship(
        secondary=supplier_materials, back_populates="suppliers", order_by="Material.name_en"
    )
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", order_by="Certification.standard"
    )
    interests: Mapped[list[Interest]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan"
    )


class Certification(Base):
    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    standard: Mapped[str] = mapped_column(String(80))
    number: Mapped[str] = mapped_column(String(80), default="")
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = _timestamp()

    supplier: Mapped[Supplier] = relationship(back_populates="certifications")

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or self.valid_until >= day


class SupplierDay(Base):
    __tablename__ = "supplier_days"
    __table_args__ = (
        CheckConstraint(_enum_check("format", DayFormat), name="format"),
        CheckConstraint(_enum_check("status", DayStatus), name="status"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes"),
        CheckConstraint("tables >= 1", name="tables"),
        CheckConstraint("day_end > day_start", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    format: Mapped[str] = mapped_column(String(16), default=DayFormat.ONSITE.value)
    venue: Mapped[str] = mapped_column(String(255), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=DayStatus.DRAFT.value, index=True)
    registration_deadline: Mapped[dt.date | None] = mapped_column(Date)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    day_start: Mapped[dt.time] = mapped_column(Time, default=dt.time(10, 0))
    day_end: Mapped[dt.time] = mapped_column(Time, default=dt.time(17, 0))
    tables: Mapped[int] = mapped_column(Integer, default=2)
    # Breaks in the meeting window, as [["12:30", "13:30"], ...] in local time.
    breaks: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Samara")
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = _timestamp()
    updated_at: Mapped[dt.datetime] = _timestamp(onupdate=utcnow)

    buyer: Mapped[Buyer] = relationship(back_populates="supplier_days")
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="supplier_day", cascade="all, delete-orphan", order_by="Meeting.id"
    )
    slot_blocks: Mapped[list[SlotBlock]] = relationship(
        back_populates="supplier_day", cascade="all, delete-orphan", order_by="SlotBlock.id"
    )
    needs: Mapped[list[Need]] = relationship(
        back_populates="supplier_day", cascade="all, delete-orphan", order_by="Need.id"
    )


class Need(Base):
    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("annual_volume IS NULL OR annual_volume >= 0", name="volume"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_day_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_days.id", ondelete="CASCADE"), index=True
    )
    part_name: Mapped[str] = mapped_column(String(200))
    part_number: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    annual_volume: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(8), default="pcs")
    sop_date: Mapped[dt.date | None] = mapped_column(Date)
    required_certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = _timestamp()
    updated_at: Mapped[dt.datetime] = _timestamp()

    supplier_day: Mapped[SupplierDay] = relationship(back_populates="needs")
    processes: Mapped[list[Process]] = relationship(
        secondary=need_processes, back_populates="needs", order_by="Process.name_en"
    )
    materials: Mapped[list[Material]] = relationship(
        secondary=need_materials, back_populates="needs", order_by="Material.name_en"
    )
    interests: Mapped[list[Interest]] = relationship(
        back_populates="need", cascade="all, delete-orphan"
    )
    match_runs: Mapped[list[MatchRun]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="MatchRun.id"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="need", cascade="all, delete-orphan"
    )


class Interest(Base):
    __tablename__ = "interests"
    __table_args__ = (UniqueConstraint("need_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = _timestamp()

    need: Mapped[Need] = relationship(back_populates="interests")
    supplier: Mapped[Supplier] = relationship(back_populates="interests")


class MatchRun(Base):
    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    computed_at: Mapped[dt.datetime] = _timestamp()
    catalogue_version: Mapped[str] = mapped_column(String(80))
    trigger: Mapped[str] = mapped_column(String(32), default="auto")
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    # The Supplier Day's date the certificates were checked against: of the day, only
    # its date changes a ranking.
    on_date: Mapped[dt.date | None] = mapped_column(Date)

    need: Mapped[Need] = relationship(back_populates="match_runs")
    matches: Mapped[list[MatchResult]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="MatchResult.position"
    )


class MatchResult(Base):
    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("run_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    # Position in the stored order: ranked suppliers first, then near misses.
    position: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    near_miss: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    run: Mapped[MatchRun] = relationship(back_populates="matches")
    supplier: Mapped[Supplier] = relationship()


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("need_id", "supplier_id"),
        CheckConstraint(_enum_check("status", FunnelStatus), name="status"),
        CheckConstraint("status != 'rejected' OR reason != ''", name="rejection_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = _timestamp()

    need: Mapped[Need] = relationship(back_populates="decisions")
    supplier: Mapped[Supplier] = relationship()
    user: Mapped[User | None] = relationship()


class Meeting(Base):
    """A one-to-one meeting of a day's buyer with a supplier, from request to slot.

    One row per supplier and day. Only a confirmed meeting holds a table and a slot;
    the unique constraints then make it impossible to seat a supplier twice at one
    time, or two suppliers at one table at one time, whatever the code does.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("supplier_day_id", "supplier_id", name="uq_meetings_day_supplier"),
        UniqueConstraint(
            "supplier_day_id", "table_no", "slot_start", name="uq_meetings_day_table_slot"
        ),
        UniqueConstraint("supplier_id", "slot_start", name="uq_meetings_supplier_slot"),
        CheckConstraint(_enum_check("status", MeetingStatus), name="status"),
        CheckConstraint(
            "(slot_start IS NULL AND slot_end IS NULL AND table_no IS NULL) OR "
            "(slot_start IS NOT NULL AND slot_end IS NOT NULL AND table_no IS NOT NULL "
            "AND status = 'confirmed')",
            name="slot_only_when_confirmed",
        ),
        CheckConstraint("table_no IS NULL OR table_no >= 1", name="table_no"),
        CheckConstraint("requested_by IN ('buyer', 'supplier', 'staff')", name="requested_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_day_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_days.id", ondelete="CASCADE"), index=True
    )
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.REQUESTED.value)
    requested_by: Mapped[str] = mapped_column(String(16))
    requested_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    message: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = _timestamp()
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    table_no: Mapped[int | None] = mapped_column(Integer)
    slot_start: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    slot_end: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the scheduler could not seat a confirmed meeting (a scheduling reason code).
    unplaced_reason: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = _timestamp()

    supplier_day: Mapped[SupplierDay] = relationship(back_populates="meetings")
    supplier: Mapped[Supplier] = relationship()
    need: Mapped[Need | None] = relationship()


class SlotBlock(Base):
    """A slot a participant cannot attend: a supplier, one table, or the whole buyer."""

    __tablename__ = "slot_blocks"
    __table_args__ = (
        CheckConstraint("supplier_id IS NULL OR table_no IS NULL", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_day_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_days.id", ondelete="CASCADE"), index=True
    )
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    table_no: Mapped[int | None] = mapped_column(Integer)
    slot_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    supplier_day: Mapped[SupplierDay] = relationship(back_populates="slot_blocks")
    supplier: Mapped[Supplier | None] = relationship()


class Holiday(Base):
    """A public holiday staff listed; a Supplier Day on it gets a warning."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Notification(Base):
    """A message to an organisation (a buyer, a supplier) shown on its pages."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("(buyer_id IS NULL) != (supplier_id IS NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int | None] = mapped_column(
        ForeignKey("buyers.id", ondelete="CASCADE"), index=True
    )
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = _timestamp(index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = _timestamp(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImportReview(Base):
    """An imported supplier row held back for staff to decide on.

    Its name is very close to a supplier already in the catalogue and no INN settles
    whether the two are the same company: staff add it as new, merge it into the
    candidate, or dismiss it.
    """

    __tablename__ = "import_reviews"
    __table_args__ = (CheckConstraint(_enum_check("status", ReviewStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The validated row as plain values (the importer's own field names).
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(255), default="")
    line: Mapped[int] = mapped_column(Integer)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.id", ondelete="SET NULL"), index=True
    )
    similarity: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PENDING.value, index=True)
    # The supplier the row became (added) or went into (merged).
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = _timestamp()
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    candidate: Mapped[Supplier | None] = relationship(foreign_keys=[candidate_id])


class EmailMessage(Base):
    """An e-mail notice: written in the transaction that caused it, delivered after.

    `dedupe_key` keeps a notice from going out twice (one "a new need fits you" per
    need and supplier, say).
    """

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    created_at: Mapped[dt.datetime] = _timestamp(index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    # Who is sending the message right now (a random token), and until when the claim
    # holds: two senders at the same moment never both send it (see `notices.delivery`).
    claim: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
