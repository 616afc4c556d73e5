"""The bilingual taxonomy of processes and materials, and the list of standards."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields import SelectChoice

from matchmaker.forms import options
from matchmaker.models import Material, Process


def display_name(item: Process | Material, locale: str) -> str:
    """The item's name in the reader's language, with the other language after it."""
    if locale == "ru":
        return item.name_ru
    return item.name_en


def _choices(rows: Sequence[Process | Material], locale: str) -> list[SelectChoice]:
    pairs = sorted(((r.code, display_name(r, locale)) for r in rows), key=lambda c: c[1].lower())
    return options(pairs)


def process_choices(session: Session, locale: str) -> list[SelectChoice]:
    return _choices(session.scalars(select(Process)).all(), locale)


def material_choices(session: Session, locale: str) -> list[SelectChoice]:
    return _choices(session.scalars(select(Material)).all(), locale)


def processes_by_code(session: Session, codes: Sequence[str]) -> list[Process]:
    if not codes:
        return []
    return list(session.scalars(select(Process).where(Process.code.in_(codes))).all())


def materials_by_code(session: Session, codes: Sequence[str]) -> list[Material]:
    if not codes:
        return []
    return list(session.scalars(select(Material).where(Material.code.in_(codes))).all())


@dataclass(frozen=True)
class Standard:
    code: str
    name: str
    sector: str


@cache
def _read_standards(path: Path) -> tuple[Standard, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Standard(row["code"].strip(), row["name"].strip(), row["sector"].strip())
            for row in csv.DictReader(handle)
        )


def standards(seed_dir: str | Path) -> tuple[Standard, ...]:
    """The certification standards a supplier or a need can name."""
    return _read_standards(Path(seed_dir) / "standards.csv")


def standard_choices(seed_dir: str | Path) -> list[SelectChoice]:
    return options((s.code, s.code) for s in standards(seed_dir))
