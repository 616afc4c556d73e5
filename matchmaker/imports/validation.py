"""Checking every row of a supplier or need file, with a reason per bad cell.

Pure functions over :class:`~matchmaker.imports.parsing.Table`: the taxonomy and the
list of standards come in as plain lookups, so nothing here queries the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from matchmaker.imports import parsing
from matchmaker.imports.columns import (
    CERTIFICATION_SYNTAX,
    NEED_COLUMNS,
    SUPPLIER_COLUMNS,
    Header,
    read_header,
)
from matchmaker.imports.parsing import Cell, CellProblem, Row, Table, fold
from matchmaker.suppliers.inn import is_valid_inn

Progress = Callable[[int, int], None]

NEED_UNITS = {
    "pcs": "pcs",
    "pc": "pcs",
    "piece": "pcs",
    "pieces": "pcs",
    "шт": "pcs",
    "штук": "pcs",
    "штука": "pcs",
    "sets": "sets",
    "set": "sets",
    "компл": "sets",
    "комплект": "sets",
    "комплектов": "sets",
    "kg": "kg",
    "кг": "kg",
    "m": "m",
    "м": "m",
    "metre": "m",
    "meter": "m",
    "метр": "m",
    "t": "t",
    "т": "t",
    "tonne": "t",
    "ton": "t",
    "тонна": "t",
    "тонн": "t",
}

_LENGTHS = {
    "name": 200,
    "region": 120,
    "city": 120,
    "email": 254,
    "website": 255,
    "description": 10_000,
    "products": 4_000,
    "customers": 4_000,
    "part_name": 200,
    "part_number": 80,
}
# Deliberately plain: a local part, "@", and a domain with a dot; no spaces.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@(?:[\w-]+\.)+[\w-]{2,}", re.UNICODE)
_WEBSITE = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[\w-]{2,}(?::\d{1,5})?(?:[/?#]\S*)?", re.UNICODE)
_CERT_NUMBER = r"(?:\s*[№#]|\s+(?:N°|No\.?|Nr\.?|N|number|номер|рег\.?\s*номер))\s*"
_CERT_UNTIL = (
    r"\s*,?\s+(?:valid\s+until|valid\s+till|until|till|expires|exp\.?|"
    r"действителен\s+до|действует\s+до|срок\s+действия\s+до|до)\s+"
)
_CERTIFICATE = re.compile(
    rf"(?P<standard>.+?)(?:{_CERT_NUMBER}(?P<number>.+?))?(?:{_CERT_UNTIL}(?P<until>.+))?",
    re.IGNORECASE,
)
_TRAILING_DATE = re.compile(r"\s(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4})$")


@dataclass(frozen=True)
class Problem:
    """One reason a row is refused: the spreadsheet line, the column as headed, why."""

    line: int
    column: str
    message: str


# --- lookups -------------------------------------------------------------------------------


def _strip_notes(name: str) -> str:
    return " ".join(re.sub(r"\([^)]*\)", " ", name).split())


class TermLookup:
    """Processes or materials found by code, English or Russian name, in any case, ё=е.

    A name without its note in parentheses ("Литьё под давлением" for "Литьё под
    давлением (ЛПД)") and a short note alone ("ЛПД") are found too, unless two terms
    share it.
    """

    def __init__(self, terms: Iterable[tuple[str, str, str]]) -> None:
        exact: dict[str, str] = {}
        loose: dict[str, set[str]] = {}
        for code, name_en, name_ru in terms:
            for name in (code, name_en, name_ru):
                exact[fold(name)] = code
            for name in (name_en, name_ru):
                short = _strip_notes(name)
                if short and short != name:
                    loose.setdefault(fold(short), set()).add(code)
                for note in re.findall(r"\(([^),]+)\)", name):
                    loose.setdefault(fold(note), set()).add(code)
        self._keys = dict(exact)
        for key, codes in loose.items():
            if key not in self._keys and len(codes) == 1:
                self._keys[key] = next(iter(codes))

    def find(self, name: str) -> str | None:
        return self._keys.get(fold(name).rstrip(". "))

    def resolve(self, raw: str) -> tuple[list[str], list[str]]:
        """Codes named in a list cell, and the names not found.

        Items are separated by semicolons or new lines. Commas separate items too when
        an item is not a name as a whole: names that contain commas are found first.
        """
        codes: list[str] = []
        unknown: list[str] = []
        for item in parsing.split_list(raw):
            code = self.find(item)
            if code is not None:
                codes.append(code)
                continue
            parts = parsing.split_commas(item)
            start = 0
            while start < len(parts):
                for end in range(len(parts), start, -1):
                    code = self.find(", ".join(parts[start:end]))
                    if code is not None:
                        codes.append(code)
                        start = end
                        break
                else:
                    unknown.append(parts[start])
                    start += 1
        return list(dict.fromkeys(codes)), unknown


def _standard_key(name: str) -> str:
    value = fold(name)
    value = re.sub(r":\s*\d{4}$", "", value)  # "ISO 9001:2015" is ISO 9001
    return re.sub(r"[\s.\-–]", "", value)


class StandardLookup:
    """The known certification standards, found whatever the spacing ("IATF16949")."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = tuple(codes)
        self._keys = {_standard_key(code): code for code in self.codes}

    def find(self, name: str) -> str | None:
        return self._keys.get(_standard_key(name))


@dataclass(frozen=True)
class Lookups:
    processes: TermLookup
    materials: TermLookup
    standards: StandardLookup
    today: dt.date = field(default_factory=dt.date.today)


# --- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationEntry:
    standard: str
    number: str = ""
    valid_until: dt.date | None = None

    def as_json(self) -> dict[str, str]:
        return {
            "standard": self.standard,
            "number": self.number,
            "valid_until": self.valid_until.isoformat() if self.valid_until else "",
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> CertificationEntry:
        until = data.get("valid_until") or ""
        return cls(
            standard=data["standard"],
            number=data.get("number", ""),
            valid_until=dt.date.fromisoformat(until) if until else None,
        )


@dataclass(frozen=True)
class SupplierRow:
    """A valid supplier row: only the cells the row filled in.

    ``fields`` holds the plain columns; processes, materials and certifications are
    ``None`` when the row left them empty, so an update keeps what the supplier had.
    """

    line: int
    fields: dict[str, Any]
    processes: tuple[str, ...] | None = None
    materials: tuple[str, ...] | None = None
    certifications: tuple[CertificationEntry, ...] | None = None

    @property
    def name(self) -> str:
        return str(self.fields["name"])

    @property
    def inn(self) -> str | None:
        value = self.fields.get("inn")
        return str(value) if value else None

    def as_json(self) -> dict[str, Any]:
        """The row as plain values, as an :class:`ImportReview` keeps it."""
        data: dict[str, Any] = dict(self.fields)
        if self.processes is not None:
            data["processes"] = list(self.processes)
        if self.materials is not None:
            data["materials"] = list(self.materials)
        if self.certifications is not None:
            data["certifications"] = [c.as_json() for c in self.certifications]
        return data

    @classmethod
    def from_json(cls, line: int, data: dict[str, Any]) -> SupplierRow:
        plain = {
            k: v for k, v in data.items() if k not in ("processes", "materials", "certifications")
        }
        certifications = data.get("certifications")
        return cls(
            line=line,
            fields=plain,
            processes=tuple(data["processes"]) if "processes" in data else None,
            materials=tuple(data["materials"]) if "materials" in data else None,
            certifications=(
                tuple(CertificationEntry.from_json(c) for c in certifications)
                if certifications is not None
                else None
            ),
        )


@dataclass(frozen=True)
class NeedRow:
    """A valid need row: ``fields`` has only the cells the row filled in."""

    line: int
    fields: dict[str, Any]

    @property
    def part_name(self) -> str:
        return str(self.fields["part_name"])

    @property
    def part_number(self) -> str:
        return str(self.fields.get("part_number", ""))


@dataclass
class Checked:
    """The outcome of checking a file: good rows, problems, columns not read."""

    header: Header
    supplier_rows: list[SupplierRow] = field(default_factory=list)
    need_rows: list[NeedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0

    @property
    def bad_lines(self) -> set[int]:
        return {p.line for p in self.problems}


class _RowReader:
    """Reads one row's cells by field, collecting a problem per bad cell."""

    def __init__(self, row: Row, header: Header, problems: list[Problem]) -> None:
        self.row = row
        self.header = header
        self.problems = problems
        self.failed = False

    def cell(self, key: str) -> Cell:
        position = self.header.positions.get(key)
        if position is None:
            return None
        value = self.row.get(position)
        return value.strip() if isinstance(value, str) else value

    def present(self, key: str) -> bool:
        return not parsing.is_blank(self.cell(key))

    def problem(self, key: str, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.row.line, self.header.labels.get(key, key), message))

    def check_width(self) -> None:
        """Refuse values to the right of the last named column: usually a split cell."""
        for index in range(self.header.width, len(self.row.cells)):
            if not parsing.is_blank(self.row.cells[index]):
                self.failed = True
                self.problems.append(
                    Problem(
                        self.row.line,
                        get_column_letter(index + 1),
                        _(
                            "A value right of the last named column: is there a “;” or “,” "
                            "inside a cell? Put such cells in double quotes, or use XLSX."
                        ),
                    )
                )
                return

    def text(self, key: str, required: Callable[[], str] | None = None) -> str | None:
        value = parsing.text(self.cell(key))
        if not value:
            if required is not None:
                self.problem(key, required())
            return None
        limit = _LENGTHS.get(key)
        if limit is not None and len(value) > limit:
            self.problem(
                key, _("Too long: %(n)d characters, at most %(max)d.", n=len(value), max=limit)
            )
            return None
        return value


def _check_inn(reader: _RowReader) -> str | None:
    raw = parsing.text(reader.cell("inn"))
    if not raw:
        return None
    inn = re.sub(r"[\s\u00a0\u202f]", "", raw)
    if inn.isascii() and inn.isdigit() and len(inn) in (9, 11):
        # A spreadsheet that took the INN for a number dropped its leading zero.
        inn = "0" + inn
    if not (inn.isascii() and inn.isdigit()) or len(inn) not in (10, 12):
        reader.problem(
            "inn",
            _(
                "INN “%(value)s” must be 10 digits (a company) or 12 digits (a sole trader).",
                value=raw,
            ),
        )
        return None
    if not is_valid_inn(inn):
        reader.problem(
            "inn", _("INN %(value)s is not valid: its check digits do not match.", value=inn)
        )
        return None
    return inn


def _check_email(reader: _RowReader) -> str | None:
    raw = reader.text("email")
    if raw is None:
        return None
    if _EMAIL.fullmatch(raw) is None or ".." in raw:
        reader.problem("email", _("“%(value)s” is not an e-mail address.", value=raw))
        return None
    local, domain = raw.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _check_website(reader: _RowReader) -> str | None:
    raw = reader.text("website")
    if raw is None:
        return None
    if not _WEBSITE.fullmatch(raw):
        reader.problem(
            "website", _("“%(value)s” is not a web address, e.g. https://zavod.ru", value=raw)
        )
        return None
    return raw if re.match(r"https?://", raw, re.IGNORECASE) else f"https://{raw}"


def _check_number(reader: _RowReader, key: str, maximum: int) -> int | None:
    value = reader.cell(key)
    if parsing.is_blank(value):
        return None
    try:
        return parsing.whole_number(value, 0, maximum)
    except CellProblem as error:
        reader.problem(key, str(error))
        return None


def _check_terms(reader: _RowReader, key: str, lookup: TermLookup) -> tuple[str, ...] | None:
    raw = parsing.text(reader.cell(key))
    if not raw:
        return None
    codes, unknown = lookup.resolve(raw)
    for name in unknown:
        message = (
            _("Unknown process “%(name)s”: use a name from the taxonomy list.", name=name)
            if key == "processes"
            else _("Unknown material “%(name)s”: use a name from the taxonomy list.", name=name)
        )
        reader.problem(key, message)
    return tuple(codes) if not unknown else None


def _check_certifications(
    reader: _RowReader, lookups: Lookups
) -> tuple[CertificationEntry, ...] | None:
    raw = parsing.text(reader.cell("certifications"))
    if not raw:
        return None
    entries: list[CertificationEntry] = []
    failed = False
    for item in parsing.split_list(raw):
        entry = _certificate(reader, item, lookups)
        if entry is None:
            failed = True
            continue
        if any(e.standard == entry.standard and e.number == entry.number for e in entries):
            reader.problem("certifications", _("“%(item)s” is listed twice.", item=item))
            failed = True
            continue
        entries.append(entry)
    return None if failed else tuple(entries)


def _certificate(reader: _RowReader, item: str, lookups: Lookups) -> CertificationEntry | None:
    match = _CERTIFICATE.fullmatch(item)
    if match is None:
        syntax = _("Write certificates as “%(example)s”.", example=CERTIFICATION_SYNTAX)
        reader.problem("certifications", f"“{item}”: {syntax}")
        return None
    name = match["standard"].strip(" ,")
    standard = lookups.standards.find(name)
    if standard is None:
        reader.problem(
            "certifications",
            _(
                "Unknown standard “%(name)s” in “%(item)s”: use one of %(known)s.",
                name=name,
                item=item,
                known=", ".join(lookups.standards.codes),
            ),
        )
        return None
    number = (match["number"] or "").strip(" ,")
    if _TRAILING_DATE.search(" " + number) and not match["until"]:
        reader.problem(
            "certifications",
            _("“%(item)s”: put “until” or “до” before the expiry date.", item=item),
        )
        return None
    if len(number) > 80:
        reader.problem("certifications", _("“%(item)s”: the number is too long.", item=item))
        return None
    until: dt.date | None = None
    if match["until"]:
        try:
            until = parsing.date(match["until"].strip(" ,."))
        except CellProblem as error:
            reader.problem("certifications", f"“{item}”: {error}")
            return None
        if until < lookups.today:
            reader.problem(
                "certifications",
                _(
                    "%(standard)s expired on %(date)s: leave it out or give the renewed "
                    "certificate.",
                    standard=standard,
                    date=until.isoformat(),
                ),
            )
            return None
    return CertificationEntry(standard=standard, number=number, valid_until=until)


def _each_row(table: Table, progress: Progress | None) -> Iterable[tuple[int, Row]]:
    total = len(table.rows)
    step = max(1, total // 100)
    for index, row in enumerate(table.rows, 1):
        yield index, row
        if progress is not None and (index % step == 0 or index == total):
            progress(index, total)


def check_suppliers(table: Table, lookups: Lookups, progress: Progress | None = None) -> Checked:
    """Check every row of a supplier file; duplicates within the file are problems too."""
    header = read_header(table.header, SUPPLIER_COLUMNS)
    checked = Checked(header=header, rows=len(table.rows))
    first_inn: dict[str, int] = {}
    first_name: dict[tuple[str, str], int] = {}
    for _index, row in _each_row(table, progress):
        reader = _RowReader(row, header, checked.problems)
        reader.check_width()
        values: dict[str, Any] = {}
        name = reader.text("name", required=lambda: _("Required: write the company name."))
        region = reader.text("region", required=lambda: _("Required: write the region."))
        inn = _check_inn(reader)
        for field_name in ("city", "description", "products", "customers"):
            value = reader.text(field_name)
            if value is not None:
                values[field_name] = value
        email = _check_email(reader)
        website = _check_website(reader)
        employees = _check_number(reader, "employees", 1_000_000)
        processes = _check_terms(reader, "processes", lookups.processes)
        materials = _check_terms(reader, "materials", lookups.materials)
        certifications = _check_certifications(reader, lookups)
        if inn is not None:
            if inn in first_inn:
                reader.problem(
                    "inn",
                    _("INN %(inn)s is also on line %(line)d.", inn=inn, line=first_inn[inn]),
                )
            else:
                first_inn[inn] = row.line
        elif name is not None and region is not None and not reader.present("inn"):
            # Without INNs, the same name in the same region twice is one company twice.
            same = (exact_key(name), fold(region))
            if same in first_name:
                reader.problem(
                    "name",
                    _(
                        "The same company is on line %(line)d: give each its INN, or keep one.",
                        line=first_name[same],
                    ),
                )
            else:
                first_name[same] = row.line
        if reader.failed:
            continue
        values.update(name=name, region=region)
        optional: dict[str, object] = {
            "inn": inn,
            "email": email,
            "website": website,
            "employees": employees,
        }
        values.update({k: v for k, v in optional.items() if v is not None})
        checked.supplier_rows.append(
            SupplierRow(
                line=row.line,
                fields=values,
                processes=processes,
                materials=materials,
                certifications=certifications,
            )
        )
    return checked


def check_needs(table: Table, lookups: Lookups, progress: Progress | None = None) -> Checked:
    """Check every row of a need file; a part number twice in the file is a problem."""
    header = read_header(table.header, NEED_COLUMNS)
    checked = Checked(header=header, rows=len(table.rows))
    first: dict[tuple[str, str], int] = {}
    for _index, row in _each_row(table, progress):
        reader = _RowReader(row, header, checked.problems)
        reader.check_width()
        values: dict[str, Any] = {}
        part_name = reader.text("part_name", required=lambda: _("Required: write the part name."))
        part_number = reader.text("part_number")
        description = reader.text("description")
        processes = _check_terms(reader, "processes", lookups.processes)
        materials = _check_terms(reader, "materials", lookups.materials)
        volume = _check_number(reader, "annual_volume", 2_000_000_000)
        unit = _check_unit(reader)
        sop = _check_date(reader, "sop_date")
        required = _check_standards(reader, lookups.standards)
        same = ("number", fold(part_number)) if part_number else ("name", fold(part_name or ""))
        if part_number or part_name:
            if same in first:
                reader.problem(
                    "part_number" if part_number else "part_name",
                    _("This part is also on line %(line)d.", line=first[same]),
                )
            else:
                first[same] = row.line
        if reader.failed:
            continue
        values["part_name"] = part_name
        for key, value in (
            ("part_number", part_number),
            ("description", description),
            ("processes", processes),
            ("materials", materials),
            ("annual_volume", volume),
            ("unit", unit),
            ("sop_date", sop),
            ("required_certifications", required),
        ):
            if value is not None:
                values[key] = value
        checked.need_rows.append(NeedRow(line=row.line, fields=values))
    return checked


def _check_unit(reader: _RowReader) -> str | None:
    raw = parsing.text(reader.cell("unit"))
    if not raw:
        return None
    unit = NEED_UNITS.get(fold(raw).rstrip("."))
    if unit is None:
        reader.problem("unit", _("Unknown unit “%(value)s”: use pcs, sets, kg, m or t.", value=raw))
    return unit


def _check_date(reader: _RowReader, key: str) -> dt.date | None:
    value = reader.cell(key)
    if parsing.is_blank(value):
        return None
    try:
        return parsing.date(value)
    except CellProblem as error:
        reader.problem(key, str(error))
        return None


def _check_standards(reader: _RowReader, lookup: StandardLookup) -> tuple[str, ...] | None:
    raw = parsing.text(reader.cell("required_certifications"))
    if not raw:
        return None
    found: list[str] = []
    for item in re.split(r"[;,\n]", raw):
        if not item.strip():
            continue
        code = lookup.find(item)
        if code is None:
            reader.problem(
                "required_certifications",
                _(
                    "Unknown standard “%(name)s”: use one of %(known)s.",
                    name=item.strip(),
                    known=", ".join(lookup.codes),
                ),
            )
            return None
        found.append(code)
    return tuple(dict.fromkeys(found))


# --- company names -------------------------------------------------------------------------

_LEGAL_FORMS = (
    "общество с ограниченной ответственностью",
    "публичное акционерное общество",
    "непубличное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "акционерное общество",
    "индивидуальный предприниматель",
    "limited liability company",
    "joint stock company",
    "ооо",
    "пао",
    "зао",
    "оао",
    "нао",
    "ао",
    "ип",
    "llc",
    "ltd",
    "jsc",
    "pjsc",
    "cjsc",
    "ojsc",
    "inc",
    "gmbh",
    "corp",
)
_LEGAL_FORM = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(f) for f in _LEGAL_FORMS) + r")(?!\w)", re.UNICODE
)
_QUOTES = re.compile(r"[\"'«»“”„‘’`]")


def company_key(name: str) -> str:
    """A company name for finding near-duplicates: no legal form, quotes or punctuation."""
    value = _QUOTES.sub(" ", fold(name))
    value = _LEGAL_FORM.sub(" ", value)
    value = re.sub(r"[^\w\s]", " ", value)
    return " ".join(value.split())


def exact_key(name: str) -> str:
    """A company name compared as written, up to case, ё, quotes and spacing."""
    return " ".join(_QUOTES.sub(" ", fold(name)).split())
