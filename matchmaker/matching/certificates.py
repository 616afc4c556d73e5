"""Certificates as suppliers state them: which standard, valid until when, and why not.

Suppliers type certificates as free text ("IATF 16949 — внедрение", "VDA 6.3 - B (2023)",
"IATF 16949:2016 (срок действия истёк 03.2022)"); buyers ask for standards the same way
("VDA 6.3 (не ниже B)"). Both sides are parsed into canonical standard ids.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from .text import fold

# Canonical id, pattern over folded text, human label, sector.
_STANDARDS: tuple[tuple[str, re.Pattern[str], str, str], ...] = tuple(
    (sid, re.compile(pat), label, sector)
    for sid, pat, label, sector in (
        ("iso_ts16949", r"(?:iso|исо)\s*/?\s*(?:ts|тс)\s*-?\s*16949", "ISO/TS 16949", "auto"),
        ("iatf16949", r"(?:iatf|иатф)?\s*16949", "IATF 16949", "auto"),
        ("vda6.3", r"vda\s*6[.,]\s*3", "VDA 6.3", "auto"),
        ("vda6.1", r"vda\s*6[.,]\s*1", "VDA 6.1", "auto"),
        ("vda6.5", r"vda\s*6[.,]\s*5", "VDA 6.5", "auto"),
        ("qs9000", r"qs\s*-?\s*9000", "QS-9000", "auto"),
        ("gost58139", r"(?:гост|gost)\s*(?:р|r)?\s*58139", "ГОСТ Р 58139", "auto"),
        ("iso9001", r"(?:iso|исо|стб|ст рк)\s*9001", "ISO 9001", "general"),
        ("iso14001", r"(?:iso|исо)\s*14001", "ISO 14001", "general"),
        ("iso45001", r"(?:iso|исо)\s*45001", "ISO 45001", "general"),
        ("ohsas18001", r"ohsas\s*18001", "OHSAS 18001", "general"),
        ("iso50001", r"(?:iso|исо)\s*50001", "ISO 50001", "general"),
        ("iso13485", r"(?:iso|исо)\s*13485", "ISO 13485", "medical"),
        ("as9100", r"(?:as|en)\s*9100", "AS9100 / EN 9100", "aerospace"),
        ("iso22000", r"(?:iso|исо)\s*22000|haccp|fssc\s*22000|хассп", "ISO 22000 / HACCP", "food"),
        ("gost_rv", r"(?:гост|gost)\s*(?:р|r)?\s*(?:в|рв|v|rv)\s*0015", "ГОСТ РВ 0015", "defence"),
        ("iso3834", r"(?:iso|исо)\s*3834", "ISO 3834", "welding"),
        ("en15085", r"(?:en|din)\s*15085", "EN 15085", "rail"),
        ("iris", r"\biris\b|(?:iso|исо)\s*/?\s*(?:ts)?\s*22163", "ISO/TS 22163 (IRIS)", "rail"),
        ("iso17025", r"(?:iso|исо)\s*/?\s*(?:iec|мэк)?\s*17025", "ISO/IEC 17025", "laboratory"),
        ("naks", r"накс|naks", "НАКС", "welding"),
    )
)

# A requirement is met by any of these held standards.
# (Superseded predecessors are listed so that the answer says why they do not count.)
_SATISFIED_BY: dict[str, tuple[str, ...]] = {
    # IATF 16949 and its Russian counterpart ГОСТ Р 58139 contain ISO 9001 entire.
    "iso9001": ("iso9001", "iatf16949", "gost58139", "iso_ts16949"),
    "iatf16949": ("iatf16949", "iso_ts16949", "qs9000"),
}

# Standards that no longer certify anything, whatever the paper says.
_SUPERSEDED: dict[str, str] = {
    "iso_ts16949": "superseded by IATF 16949",
    "qs9000": "superseded by IATF 16949",
}
# Editions withdrawn after their transition period (ISO 9001:2008 and ISO 14001:2004 lapsed in
# September 2018).
_OLD_EDITION = re.compile(r"(?:9001|14001)\s*[:\-–]\s*(?:2008|2004|2000|1994|1996)")

_IMPLEMENTATION = re.compile(
    r"внедр|в процессе|в стадии|планир|запланир|подготовк|получаем|готовимся|разрабатыва|"
    r"implement|in progress|planned|planning|pending|preparing|under way|underway|ongoing|"
    r"scheduled|to be certified|applying|not yet"
)
_EXPIRED = re.compile(r"истек|истекл|просроч|недействит|expired|lapsed|no longer valid|invalid")
_SUSPENDED = re.compile(r"приостанов|отозван|аннулир|suspended|withdrawn|revoked|cancel")
_VDA_GRADE = re.compile(
    r"(?:^|[\s\-–—:(,/])(?:grade|class|rating|result|оценк[аи]|класс|категори[яи]|рейтинг)?\s*"
    r"[\"«(]?\s*([abcавс])\s*[\"»)]?(?=$|[\s,;)(./]|\d)"
)
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})"),
    re.compile(r"(\d{1,2})[./](\d{4})"),
)
_UNTIL = re.compile(r"(?:до|по|until|till|valid to|valid thru|expires?|exp\.|истека\w*)\s*:?\s*$")


class HeldStandard(NamedTuple):
    """One standard a supplier claims, with what the claim is worth.

    A named tuple: an index keeps one per certificate of 10⁵ suppliers, and build workers
    send them back pickled.
    """

    standard: str  # canonical id, e.g. "iatf16949"
    label: str
    text: str  # as the supplier typed it
    valid_until: date | None  # None: no stated expiry
    problem: str = ""  # non-empty when the certificate never counts ("in implementation")
    grade: str = ""  # VDA 6.3 audit result, "a" | "b" | "c"


def standard_label(standard_id: str) -> str:
    for sid, _, label, _ in _STANDARDS:
        if sid == standard_id:
            return label
    return standard_id


def standard_sector(standard_id: str) -> str:
    for sid, _, _, sector in _STANDARDS:
        if sid == standard_id:
            return sector
    return "other"


def identify(text: str) -> str | None:
    """Canonical id of the standard a certificate text names, or None."""
    low = fold(text)
    for sid, pat, _, _ in _STANDARDS:
        if pat.search(low):
            return sid
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _find_date(text: str) -> tuple[date, int] | None:
    for pat in _DATE_PATTERNS:
        m = pat.search(text)
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        try:
            if len(g) == 3 and pat is _DATE_PATTERNS[0]:
                return date(g[0], g[1], g[2]), m.start()
            if len(g) == 3:
                return date(g[2], g[1], g[0]), m.start()
            return _month_end(g[1], g[0]), m.start()
        except ValueError:
            continue
    return None


@functools.lru_cache(maxsize=8192)
def parse_held(text: str, valid_until: date | None = None) -> HeldStandard | None:
    """Parse one certificate as a supplier states it; None if no known standard is named.

    Remembered: a catalogue states the same certificates over and over.
    """
    sid = identify(text)
    if sid is None:
        return None
    low = fold(text)
    problem = ""
    until = valid_until
    found = _find_date(low)
    if _SUPERSEDED.get(sid):
        problem = _SUPERSEDED[sid]
    elif _SUSPENDED.search(low):
        problem = "suspended or withdrawn"
    elif _EXPIRED.search(low):
        if found is not None:
            until = min(until, found[0]) if until else found[0]
            problem = ""
        else:
            problem = "expired"
    elif _IMPLEMENTATION.search(low):
        problem = "in implementation"
    elif _OLD_EDITION.search(low):
        problem = "withdrawn edition"
    elif found is not None and until is None and _UNTIL.search(low[: found[1]]):
        until = found[0]
    grade = ""
    if sid == "vda6.3":
        tail = re.sub(r"vda\s*6[.,]\s*3", " ", low)
        m = _VDA_GRADE.search(tail)
        if m:
            grade = m.group(1).translate(str.maketrans("авс", "abc"))
    return HeldStandard(sid, standard_label(sid), text, until, problem, grade)


@dataclass(frozen=True, slots=True)
class RequiredStandard:
    """A certification a need asks for."""

    standard: str
    label: str
    text: str
    min_grade: str = ""  # for VDA 6.3: "b" means A or B


def parse_required(text: str) -> RequiredStandard:
    sid = identify(text)
    if sid is None:
        cleaned = " ".join(text.split())
        return RequiredStandard("other:" + fold(cleaned), cleaned, text)
    if sid == "iso_ts16949":
        sid = "iatf16949"
    min_grade = ""
    if sid == "vda6.3":
        low = fold(re.sub(r"(?i)vda\s*6[.,]\s*3", " ", text))
        m = _VDA_GRADE.search(low)
        min_grade = m.group(1).translate(str.maketrans("авс", "abc")) if m else "b"
    return RequiredStandard(sid, standard_label(sid), text, min_grade)


def status_on(held: HeldStandard, on: date) -> str:
    """Why a held certificate does not count on a date; empty when it does."""
    if held.problem:
        return held.problem
    if held.valid_until is not None and held.valid_until < on:
        return f"expired {held.valid_until.isoformat()}"
    return ""


def check(required: RequiredStandard, held: tuple[HeldStandard, ...], on: date) -> tuple[bool, str]:
    """Whether held certificates meet a requirement on a date, and if not, why not."""
    accept = _SATISFIED_BY.get(required.standard, (required.standard,))
    reasons: list[str] = []
    for h in held:
        if h.standard not in accept:
            continue
        why = status_on(h, on)
        if not why and required.standard == "vda6.3":
            if not h.grade:
                why = "no A/B audit result stated"
            elif h.grade > (required.min_grade or "b"):
                why = f"audit result {h.grade.upper()}"
        if not why:
            return True, h.text if h.standard != required.standard else ""
        reasons.append(why)
    if reasons:
        return False, "; ".join(dict.fromkeys(reasons))
    others = [h for h in held if standard_sector(h.standard) in {"medical", "aerospace", "food"}]
    if others and required.standard in ("iatf16949", "iso9001"):
        return False, f"not held ({others[0].label} is for another sector)"
    return False, "not held"
