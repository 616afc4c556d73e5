"""Reading evaluation sets (suppliers.jsonl, needs.jsonl, qrels.tsv) into engine types.

Sets differ in which fields they fill and how: certificates may be plain strings or
objects with an expiry date, list fields may be strings, numbers may be missing. The
loader accepts all of these.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .types import Certificate, NeedDoc, SupplierDoc


@dataclass(frozen=True)
class EvalSet:
    suppliers: tuple[SupplierDoc, ...]
    needs: tuple[NeedDoc, ...]
    qrels: Mapping[str, Mapping[str, int]]  # need id → supplier id → grade
    languages: Mapping[str, str]  # need id → language ("ru", "en", ...)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name}:{lineno}: {exc.msg}") from exc
            if not isinstance(obj, dict):
                raise ValueError(f"{path.name}:{lineno}: expected a JSON object")
            yield obj


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value if v not in (None, ""))
    if isinstance(value, Mapping):
        return " ".join(_text(v) for v in value.values())
    return str(value)


def _texts(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in value.replace("\n", ";").split(";") if p.strip())
    if isinstance(value, list | tuple):
        out: list[str] = []
        for v in value:
            if isinstance(v, Mapping):
                v = v.get("name") or v.get("name_ru") or v.get("name_en") or v.get("code") or ""
            if str(v).strip():
                out.append(str(v).strip())
        return tuple(out)
    return (str(value),)


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _certificates(value: Any) -> tuple[Certificate, ...]:
    if not value:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    out: list[Certificate] = []
    for item in items:
        if isinstance(item, Mapping):
            standard = _text(item.get("standard") or item.get("name") or item.get("title"))
            until = _date(item.get("valid_until") or item.get("expires") or item.get("expiry"))
            number = _text(item.get("number", ""))
            if standard:
                out.append(Certificate(standard, until, number))
        elif str(item).strip():
            out.append(Certificate(str(item).strip()))
    return tuple(out)


def supplier_from_dict(d: Mapping[str, Any]) -> SupplierDoc:
    return SupplierDoc(
        id=str(d["id"]),
        name=_text(d.get("name")),
        description=_text(d.get("description") or d.get("text") or d.get("description_head")),
        processes=_texts(d.get("processes")),
        materials=_texts(d.get("materials")),
        certifications=_certificates(d.get("certifications") or d.get("certificates")),
        products=_text(d.get("products")),
        customers=_text(d.get("customers")),
        region=_text(d.get("region")),
    )


def need_from_dict(d: Mapping[str, Any]) -> NeedDoc:
    return NeedDoc(
        id=str(d["id"]),
        part_name=_text(d.get("part_name") or d.get("product") or d.get("name") or d.get("query")),
        description=_text(d.get("description")),
        part_number=_text(d.get("part_number")),
        processes=_texts(d.get("processes")),
        materials=_texts(d.get("materials")),
        required_certifications=_texts(d.get("required_certifications")),
        on_date=_date(d.get("on_date") or d.get("date")),
    )


_HEADER_WORDS = frozenset({"grade", "relevance", "rel", "label", "score"})


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    for lineno, row in enumerate(rows, 1):
        if not row or not "".join(row).strip():
            continue
        if lineno == 1 and row[-1].strip().lower() in _HEADER_WORDS:
            continue
        if len(row) < 3:
            raise ValueError(f"{path.name}:{lineno}: expected need_id, supplier_id, grade")
        try:
            grade = int(row[2].strip())
        except ValueError as exc:
            raise ValueError(f"{path.name}:{lineno}: grade must be an integer") from exc
        out.setdefault(row[0].strip(), {})[row[1].strip()] = grade
    return out


def _script_language(need: NeedDoc) -> str:
    """ "ru" if the need's text is mostly Cyrillic, else "en"."""
    text = " ".join((need.part_name, need.description, *need.processes, *need.materials))
    cyr = sum(1 for ch in text if "а" <= ch.lower() <= "я" or ch.lower() == "ё")
    lat = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    return "ru" if cyr >= lat and cyr > 0 else "en"


def load_set(directory: Path) -> EvalSet:
    """Read a set in the matching-dev format (labels other than qrels are ignored)."""
    s_rows = list(_read_jsonl(directory / "suppliers.jsonl"))
    n_rows = list(_read_jsonl(directory / "needs.jsonl"))
    suppliers = tuple(supplier_from_dict(d) for d in s_rows)
    needs = tuple(need_from_dict(d) for d in n_rows)
    languages = {
        str(d["id"]): str(d.get("language") or "") or _script_language(n)
        for d, n in zip(n_rows, needs, strict=True)
    }
    qrels = read_qrels(directory / "qrels.tsv")
    return EvalSet(suppliers, needs, qrels, languages)
