"""Builders of test data. Each adds to the session and flushes; tests commit."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.auth.passwords import hash_password
from matchmaker.models import (
    Buyer,
    Certification,
    Material,
    Need,
    Process,
    Role,
    Supplier,
    SupplierDay,
    User,
)

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def valid_inn(seed: int) -> str:
    """A 10-digit organisation INN with a correct check digit."""
    body = f"63{seed:07d}"[-9:]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10
    return body + str(check)


def buyer(session: Session, name: str | None = None, **fields: Any) -> Buyer:
    """A buyer; a name the seeded reference data already has gives that buyer."""
    if name is not None:
        existing = session.scalar(select(Buyer).where(Buyer.name == name))
        if existing is not None:
            return existing
    item = Buyer(
        name=name or f"Buyer {next(_counter)}",
        kind=fields.pop("kind", "Tier-1"),
        country=fields.pop("country", "Germany"),
        **fields,
    )
    session.add(item)
    session.flush()
    return item


def processes(session: Session, *codes: str) -> list[Process]:
    return list(session.scalars(select(Process).where(Process.code.in_(codes))))


def materials(session: Session, *codes: str) -> list[Material]:
    return list(session.scalars(select(Material).where(Material.code.in_(codes))))


def supplier(session: Session, name: str | None = None, **fields: Any) -> Supplier:
    number = next(_counter)
    process_codes = fields.pop("process_codes", ())
    material_codes = fields.pop("material_codes", ())
    certifications = fields.pop("certifications", ())
    item = Supplier(
        name=name or f"ООО «Завод {number}»",
        inn=fields.pop("inn", valid_inn(number * 7919)),
        region=fields.pop("region", "Самарская область"),
        city=fields.pop("city", "Тольятти"),
        status=fields.pop("status", "verified"),
        description=fields.pop("description", ""),
        **fields,
    )
    session.add(item)
    item.processes = processes(session, *process_codes)
    item.materials = materials(session, *material_codes)
    for standard, valid_until in certifications:
        item.certifications.append(Certification(standard=standard, valid_until=valid_until))
    session.add(item)
    session.flush()
    return item


def user(
    session: Session,
    role: Role,
    email: str | None = None,
    buyer_org: Buyer | None = None,
    supplier_org: Supplier | None = None,
    **fields: Any,
) -> User:
    item = User(
        email=email or f"{role.value}{next(_counter)}@test.example",
        role=role.value,
        password_hash=password_hash(),
        **fields,
    )
    if role is Role.BUYER:
        item.buyer = buyer_org or buyer(session)
    elif role is Role.SUPPLIER:
        item.supplier = supplier_org or supplier(session, status="pending")
    session.add(item)
    session.flush()
    return item


def day(session: Session, buyer_org: Buyer | None = None, **fields: Any) -> SupplierDay:
    item = SupplierDay(
        buyer=buyer_org or buyer(session),
        title=fields.pop("title", f"Supplier Day {next(_counter)}"),
        date=fields.pop("date", dt.date.today() + dt.timedelta(days=30)),
        format=fields.pop("format", "online"),
        video_link=fields.pop("video_link", "https://meet.example.org/day"),
        status=fields.pop("status", "open"),
        **fields,
    )
    session.add(item)
    session.flush()
    return item


def need(session: Session, day_obj: SupplierDay | None = None, **fields: Any) -> Need:
    process_codes = fields.pop("process_codes", ())
    material_codes = fields.pop("material_codes", ())
    item = Need(
        supplier_day=day_obj or day(session),
        part_name=fields.pop("part_name", "Кронштейн штампованный"),
        part_number=fields.pop("part_number", f"PN-{next(_counter)}"),
        required_certifications=fields.pop("required_certifications", []),
        **fields,
    )
    session.add(item)
    item.processes = processes(session, *process_codes)
    item.materials = materials(session, *material_codes)
    session.flush()
    return item
