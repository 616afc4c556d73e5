"""Load reference data (taxonomy, buyers) and demo data from ``seed_data/``.

Every loader is idempotent: rows are matched on their natural keys and updated,
so running it twice leaves the same database.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.auth.passwords import hash_password
from matchmaker.db import utcnow
from matchmaker.models import (
    Buyer,
    Certification,
    Decision,
    Material,
    Meeting,
    Need,
    Process,
    Role,
    Supplier,
    SupplierDay,
    User,
)

DEMO_PASSWORD = "matchmaker-demo"
STAFF_EMAIL = "staff@cluster.example"


@dataclass
class SeedReport:
    processes: int = 0
    materials: int = 0
    buyers: int = 0
    suppliers: int = 0
    days: int = 0
    needs: int = 0
    meetings: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, org)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _load_terms(session: Session, model: Any, path: Path) -> int:
    existing = {row.code: row for row in session.scalars(select(model))}
    rows = _read_csv(path)
    for row in rows:
        item = existing.get(row["code"]) or model(code=row["code"])
        item.name_en = row["name_en"]
        item.name_ru = row["name_ru"]
        session.add(item)
    return len(rows)


def load_reference(session: Session, seed_dir: Path) -> SeedReport:
    """Load the process and material taxonomy and the buyers."""
    report = SeedReport()
    report.processes = _load_terms(session, Process, seed_dir / "processes.csv")
    report.materials = _load_terms(session, Material, seed_dir / "materials.csv")
    buyers = {b.name: b for b in session.scalars(select(Buyer))}
    rows = _read_csv(seed_dir / "buyers.csv")
    for row in rows:
        buyer = buyers.get(row["name"]) or Buyer(name=row["name"])
        buyer.kind = row["kind"]
        buyer.country = row["country"]
        buyer.description = row["description"]
        session.add(buyer)
    report.buyers = len(rows)
    session.commit()
    return report


def _demo_user(
    session: Session, email: str, role: Role, report: SeedReport, org: str, **links: Any
) -> None:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=role.value, password_hash=hash_password(DEMO_PASSWORD))
        for key, value in links.items():
            setattr(user, key, value)
        session.add(user)
    report.accounts.append((role.value, email, org))


def _demo_meetings(session: Session) -> int:
    """Agreed meetings (and a few open requests) on the open days, then a scheduled grid.

    Pairs come from plain overlap of processes between needs and verified suppliers,
    so the demo does not depend on the matcher; the first open day is scheduled.
    """
    from matchmaker.meetings.services import schedule_day

    open_days = session.scalars(
        select(SupplierDay).where(SupplierDay.status == "open").order_by(SupplierDay.date)
    ).all()
    suppliers = session.scalars(
        select(Supplier).where(Supplier.status == "verified").order_by(Supplier.id)
    ).all()
    count = 0
    for day_number, day in enumerate(open_days):
        existing = {m.supplier_id: m for m in day.meetings}
        chosen: dict[int, Need] = {}
        for need in day.needs:
            wanted = {p.code for p in need.processes}
            for supplier in suppliers:
                if len(chosen) >= 14:
                    break
                if supplier.id not in chosen and wanted & {p.code for p in supplier.processes}:
                    chosen[supplier.id] = need
        for position, (supplier_id, need) in enumerate(sorted(chosen.items())):
            meeting = existing.get(supplier_id) or Meeting(
                supplier_day=day, supplier_id=supplier_id, requested_by="buyer"
            )
            session.add(meeting)
            meeting.need = need
            # Every fifth pair still waits for the supplier's answer.
            meeting.status = "requested" if position % 5 == 4 else "confirmed"
            if meeting.status == "requested":
                meeting.table_no = meeting.slot_start = meeting.slot_end = None
                meeting.expires_at = None
            elif not any(d.supplier_id == supplier_id for d in need.decisions):
                # An agreed meeting puts the supplier at the "meeting" stage of the funnel.
                need.decisions.append(Decision(supplier_id=supplier_id, status="meeting"))
            count += 1
        session.flush()
        if day_number == 0:
            schedule_day(session, day)
    return count


def load_demo(session: Session, seed_dir: Path) -> SeedReport:
    """Load demo suppliers, Supplier Days with needs, and demo accounts."""
    report = load_reference(session, seed_dir)
    processes = {p.code: p for p in session.scalars(select(Process))}
    materials = {m.code: m for m in session.scalars(select(Material))}
    buyers = {b.name: b for b in session.scalars(select(Buyer))}

    suppliers = {s.inn: s for s in session.scalars(select(Supplier))}
    supplier_rows = _read_json(seed_dir / "demo" / "suppliers.json")
    for row in supplier_rows:
        supplier = suppliers.get(row["inn"]) or Supplier(inn=row["inn"])
        for key in (
            "name",
            "region",
            "city",
            "website",
            "email",
            "description",
            "products",
            "customers",
            "employees",
            "status",
        ):
            setattr(supplier, key, row.get(key) if key == "employees" else row.get(key) or "")
        supplier.status_reason = row.get("status_reason", "")
        supplier.processes = [processes[c] for c in row.get("processes", [])]
        supplier.materials = [materials[c] for c in row.get("materials", [])]
        supplier.certifications = [
            Certification(
                standard=c["standard"],
                number=c.get("number", ""),
                valid_until=_date(c.get("valid_until")),
                verified=row.get("status") == "verified",
            )
            for c in row.get("certifications", [])
        ]
        supplier.updated_at = utcnow()
        session.add(supplier)
        suppliers[row["inn"]] = supplier
    report.suppliers = len(supplier_rows)
    session.flush()

    day_rows = _read_json(seed_dir / "demo" / "supplier_days.json")
    for row in day_rows:
        buyer = buyers[row["buyer"]]
        day_date = dt.date.fromisoformat(row["date"])
        day = session.scalar(
            select(SupplierDay).where(
                SupplierDay.buyer_id == buyer.id,
                SupplierDay.title == row["title"],
                SupplierDay.date == day_date,
            )
        ) or SupplierDay(buyer=buyer, title=row["title"], date=day_date)
        day.format = row["format"]
        day.status = row["status"]
        day.venue = row.get("venue", "")
        day.video_link = row.get("video_link", "")
        day.description = row.get("description", "")
        day.registration_deadline = _date(row.get("registration_deadline"))
        day.slot_minutes = int(row.get("slot_minutes", 30))
        day.day_start = dt.time.fromisoformat(row.get("day_start", "10:00"))
        day.day_end = dt.time.fromisoformat(row.get("day_end", "17:00"))
        day.tables = int(row.get("tables", 2))
        session.add(day)
        session.flush()
        needs = {(n.part_number, n.part_name): n for n in day.needs}
        for need_row in row["needs"]:
            need_key = (need_row.get("part_number", ""), need_row["part_name"])
            need = needs.get(need_key) or Need(
                supplier_day=day, part_number=need_key[0], part_name=need_key[1]
            )
            need.description = need_row.get("description", "")
            need.processes = [processes[c] for c in need_row.get("processes", [])]
            need.materials = [materials[c] for c in need_row.get("materials", [])]
            need.annual_volume = need_row.get("annual_volume")
            need.unit = need_row.get("unit", "pcs")
            need.sop_date = _date(need_row.get("sop_date"))
            need.required_certifications = list(need_row.get("required_certifications", []))
            need.updated_at = utcnow()
            session.add(need)
            report.needs += 1
        report.days += 1
    session.flush()

    report.meetings = _demo_meetings(session)

    _demo_user(session, STAFF_EMAIL, Role.STAFF, report, "Cluster")
    for buyer in sorted(buyers.values(), key=lambda b: b.name):
        slug = "".join(ch for ch in buyer.name.lower() if ch.isalnum())
        _demo_user(session, f"{slug}@buyer.example", Role.BUYER, report, buyer.name, buyer=buyer)
    # A few supplier logins: the first verified companies and the first pending one.
    verified = [s for s in supplier_rows if s.get("status") == "verified"][:3]
    pending = [s for s in supplier_rows if s.get("status") == "pending"][:1]
    for row in verified + pending:
        supplier = suppliers[row["inn"]]
        _demo_user(
            session,
            row["email"],
            Role.SUPPLIER,
            report,
            supplier.name,
            supplier=supplier,
        )
    session.commit()
    return report
