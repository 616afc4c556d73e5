"""Tables as spreadsheet files (CSV and XLSX), safe to open in Excel or LibreOffice.

Text that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading apostrophe, so a supplier
named ``=HYPERLINK(...)`` stays a name and never runs ("CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | dt.date | dt.datetime | None

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
NUMBER_FORMAT = "0.0##"
MIN_WIDTH, MAX_WIDTH = 6, 60
# Column widths are judged on the first rows only: a 100,000-row export need not be
# measured cell by cell to look right.
WIDTH_SAMPLE = 500


@dataclass(frozen=True)
class Sheet:
    """One table: a title (the XLSX sheet name), column headers and rows of cells."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)


def neutralise(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else ""
    return str(value)


def to_csv(sheet: Sheet) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark, so Excel reads Cyrillic right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_text(neutralise(c)) for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_text(neutralise(value)) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(title: str) -> str:
    # Excel forbids these characters in sheet names and allows 31 characters.
    cleaned = re.sub(r"[\[\]:*?/\\']", " ", title).strip()
    return (cleaned or "Sheet")[:31]


def _widths(sheet: Sheet) -> list[float]:
    widths = [float(len(str(c))) for c in sheet.columns]
    for row in sheet.rows[:WIDTH_SAMPLE]:
        for index, value in enumerate(row[: len(widths)]):
            longest = max((len(line) for line in _text(value).splitlines()), default=0)
            widths[index] = max(widths[index], float(longest))
    return [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widths]


def to_xlsx(sheet: Sheet) -> bytes:
    """The table as an XLSX workbook: bold frozen header, fitted widths, a filter."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_sheet_title(sheet.title))
    for index, width in enumerate(_widths(sheet), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in sheet.columns:
        cell = WriteOnlyCell(worksheet, value=neutralise(title))
        cell.font = bold
        cell.alignment = Alignment(vertical="top")
        header.append(cell)
    worksheet.append(header)
    for row in sheet.rows:
        worksheet.append([_xlsx_cell(worksheet, value) for value in row])
    if sheet.columns:
        last = get_column_letter(len(sheet.columns))
        worksheet.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(worksheet: object, value: Cell) -> WriteOnlyCell:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise ValueError("convert aware datetimes to local time before writing XLSX")
    cell = WriteOnlyCell(worksheet, value=neutralise(value))
    if isinstance(value, str):
        # Belt and braces: a string cell is never a formula, whatever it starts with.
        cell.data_type = "s"
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, float):
        cell.number_format = NUMBER_FORMAT
    return cell


def file_name(*parts: str, extension: str) -> str:
    """A download name from readable parts: ``ranking-кронштейн-pn-1-2026-12-02.xlsx``."""
    words = [re.sub(r"[^\w.]+", "-", part).strip("-_.").lower() for part in parts]
    stem = "-".join(w[:60].rstrip("-") for w in words if w)
    return f"{stem or 'export'}.{extension}"
