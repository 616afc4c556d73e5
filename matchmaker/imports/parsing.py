"""Reading an uploaded CSV or XLSX file into rows, and reading values out of its cells.

Nothing here touches the database or Flask's request: bytes in, rows of cell values
out, or a :class:`FileProblem` saying in plain words why the file cannot be read.
Line numbers are the ones a spreadsheet shows: the first row of the file is line 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

# The cell types that reach the validators: text from CSV, and what openpyxl gives.
Cell = str | int | float | bool | dt.datetime | dt.date | dt.time | None

MAX_ROWS = 100_000
_SNIFF_LINES = 50
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other OLE files
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DELIMITERS = (";", ",", "\t")


class FileProblem(Exception):
    """The file as a whole cannot be read as a table; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[Cell, ...]

    def get(self, index: int) -> Cell:
        return self.cells[index] if index < len(self.cells) else None


@dataclass(frozen=True)
class Table:
    """The rows of a file: the header row, then every non-empty data row after it."""

    kind: str  # "csv" or "xlsx"
    header: Row
    rows: tuple[Row, ...]
    encoding: str = ""
    delimiter: str = ""


def fold(text: str) -> str:
    """Text for comparing names: lower case, ё as е, one space between words."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return " ".join(text.lower().replace("ё", "е").split())


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- the file ----------------------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> Table:
    """Read a CSV or XLSX file (told apart by content, not by name) into a :class:`Table`."""
    if not data or not data.strip():
        raise FileProblem(_("The file is empty."))
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(_OLE_MAGIC):
        raise FileProblem(
            _(
                "This is an old Excel 97–2003 file (.xls), which is not read. "
                "Save it as an Excel workbook (.xlsx) or as CSV UTF-8 and upload that."
            )
        )
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, suffix)
    if suffix in ("xlsx", "xlsm", "ods"):
        raise FileProblem(_("This file is not a valid Excel workbook (.xlsx): it may be damaged."))
    return _read_csv(data)


def _read_xlsx(data: bytes, suffix: str) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
        raise FileProblem(_("This file is not a valid Excel workbook (.xlsx).")) from error
    if b"opendocument" in mimetype or suffix == "ods":
        raise FileProblem(
            _(
                "OpenDocument spreadsheets (.ods) are not read. "
                "Save the sheet as an Excel workbook (.xlsx) or as CSV UTF-8 and upload that."
            )
        )
    if "xl/workbook.xml" not in names:
        raise FileProblem(
            _("This is a ZIP archive, not an Excel workbook (.xlsx). Upload a .xlsx or CSV file.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise FileProblem(_("This Excel workbook could not be read: it may be damaged.")) from error
    try:
        if not workbook.worksheets:
            raise FileProblem(_("The workbook has no sheet."))
        sheet: Any = workbook.worksheets[0]
        # Some programs write a wrong "used range"; read-only mode would trust it and
        # cut rows off, so let openpyxl find the real extent while reading.
        sheet.reset_dimensions()
        try:
            rows = [
                Row(number, tuple(_xlsx_cell(v) for v in values))
                for number, values in enumerate(_limited(sheet.iter_rows(values_only=True)), 1)
            ]
        except FileProblem:
            raise
        except Exception as error:
            raise FileProblem(
                _("This Excel workbook could not be read: it may be damaged.")
            ) from error
    finally:
        workbook.close()
    return _table("xlsx", rows)


def _limited(rows: Iterator[Any]) -> Iterator[Any]:
    for number, row in enumerate(rows, 1):
        if number > MAX_ROWS + 1:
            raise FileProblem(
                _("The file has more than %(n)d rows; split it into smaller files.", n=MAX_ROWS)
            )
        yield row


def _xlsx_cell(value: Any) -> Cell:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float | bool | dt.datetime | dt.date | dt.time) or value is None:
        return value
    return str(value).strip()  # timedelta, formula text and the like: read as text


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM) or Windows-1251.

    UTF-8 is tried strictly first; Windows-1251 decodes almost any bytes, so its result
    is accepted only if it reads like text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise FileProblem(
            _(
                'The file is in UTF-16 ("Unicode text"), which is not read. '
                "Save it as CSV UTF-8 or as an Excel workbook (.xlsx)."
            )
        )
    if b"\x00" in data:
        raise FileProblem(_("This is not a CSV or Excel (.xlsx) file: it holds binary data."))
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        text = data.decode("utf-8")
        encoding = "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        if bom:
            raise FileProblem(
                _("The file says it is UTF-8 but is not valid UTF-8. Save it again as CSV UTF-8.")
            ) from None
        text = _windows_1251(data)
        encoding = "cp1251"
    if _CONTROL.search(text):
        raise FileProblem(_("This is not a CSV or Excel (.xlsx) file: it holds binary data."))
    return text, encoding


def _windows_1251(data: bytes) -> str:
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise FileProblem(_unknown_encoding()) from None
    if not _reads_like_cp1251(text):
        raise FileProblem(_unknown_encoding())
    return text


def _unknown_encoding() -> str:
    return _(
        "The file's encoding could not be recognised: only UTF-8 and Windows-1251 are read. "
        "Save it as CSV UTF-8 or as an Excel workbook (.xlsx)."
    )


def _looks_utf16(data: bytes) -> bool:
    sample = data[:2000]
    if len(sample) < 4:
        return False
    # ASCII text in UTF-16 has a zero byte at every other position.
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = len(sample) / 2
    return max(zeros_even, zeros_odd) > 0.4 * half


_SAMPLE = 500_000  # characters looked at to judge an encoding
_LETTER = re.compile(r"[а-яёА-ЯЁ]")
_CAPITAL = re.compile(r"[А-ЯЁ]")
_VOWEL = re.compile(r"[аеёиоуыэюяАЕЁИОУЫЭЮЯ]")
_INNER_CAPITAL = re.compile(r"[а-яё][А-ЯЁ]")
# What DOS (CP866) Russian letters turn into when read as Windows-1251.
_CP866_MARK = re.compile("[ЎўЈ¤Ґ¦§©Є¬®Ї\xad]")
_HIGH_SIGN = re.compile(r"[^\x00-\x7f«»№—–“”„…]")


def _reads_like_cp1251(text: str) -> bool:
    """Whether bytes decoded as Windows-1251 give Russian-looking text, not mojibake.

    KOI8-R read as Windows-1251 swaps the case of letters and maps vowels to
    consonants ("Привет" becomes "рТЙЧХФ"): few vowels, capitals inside words. DOS
    (CP866) text turns half its letters into signs such as "¤§©¬". Real Russian text
    has about 40 % vowels and small letters after capitals.
    """
    sample = text[:_SAMPLE]
    if _CONTROL.search(sample):
        return False
    letters = len(_LETTER.findall(sample))
    marks = len(_CP866_MARK.findall(sample))
    if marks > max(2, (letters + marks) // 20):
        return False
    if letters == 0:
        # Windows-1251 bytes above 0x7F that are not letters: symbols like "‚„…‰"
        return _HIGH_SIGN.search(sample) is None
    inner = len(_INNER_CAPITAL.findall(sample))
    if letters >= 20:
        ratio = len(_VOWEL.findall(sample)) / letters
        upper = len(_CAPITAL.findall(sample))
        if ratio < 0.2 or (ratio < 0.3 and (upper > letters / 2 or inner > letters / 30)):
            return False
    return inner <= max(2, letters // 20)


def _read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    lines = text.splitlines()
    skip = 0
    delimiter = ""
    # Excel's hint line: "sep=;" names the delimiter and is not shown as a row.
    if lines and re.fullmatch(r"\s*sep=(.)\s*", lines[0]):
        delimiter = lines[0].strip()[4]
        skip = 1
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if not delimiter:
        delimiter = sniff_delimiter(lines[skip : skip + _SNIFF_LINES])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        for number, values in enumerate(_limited(reader), 1):
            rows.append(Row(number, tuple(v.strip() for v in values)))
    except csv.Error as error:
        raise FileProblem(
            _("Line %(line)d cannot be read as CSV: %(reason)s", line=len(rows) + 1, reason=error)
        ) from error
    return _table("csv", rows, encoding=encoding, delimiter=delimiter)


def sniff_delimiter(lines: list[str]) -> str:
    """``;``, ``,`` or tab: the one that splits the first lines into the most even columns."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = [
            len(next(csv.reader([line], delimiter=delimiter), [])) for line in lines[:_SNIFF_LINES]
        ]
        header = counts[0]
        if header < 2:
            continue
        # Rows that split into as many cells as the header did, then the header's width.
        score = (sum(1 for c in counts if c == header), header)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _table(kind: str, rows: list[Row], encoding: str = "", delimiter: str = "") -> Table:
    filled = [row for row in rows if not all(is_blank(v) for v in row.cells)]
    if not filled:
        raise FileProblem(_("The file has no rows."))
    return Table(
        kind=kind,
        header=filled[0],
        rows=tuple(filled[1:]),
        encoding=encoding,
        delimiter=delimiter,
    )


# --- cell values -------------------------------------------------------------------------


class CellProblem(ValueError):
    """A cell's value cannot be read; the message names what is wrong."""


def text(value: Cell) -> str:
    """A cell as text; whole numbers from a spreadsheet lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def whole_number(value: Cell, minimum: int = 0, maximum: int = 2_000_000_000) -> int:
    """A non-negative whole number; spaces as thousands separators are allowed."""
    if isinstance(value, bool):
        raise CellProblem(_("Write a whole number."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellProblem(_("Write a whole number, not a fraction."))
        number = int(value)
    else:
        raw = re.sub(r"[\s\u00a0\u202f]", "", text(value))
        if re.fullmatch(r"[+-]?\d+([.,]0+)?", raw) is None:
            raise CellProblem(_("“%(value)s” is not a whole number.", value=text(value)))
        number = int(re.split(r"[.,]", raw)[0])
    if number < minimum:
        raise CellProblem(_("The number must not be below %(n)d.", n=minimum))
    if number > maximum:
        raise CellProblem(_("The number is too large (at most %(n)d).", n=maximum))
    return number


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


def date(value: Cell) -> dt.date:
    """A date: a spreadsheet date cell, ``2027-05-31`` or ``31.05.2027``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = re.sub(r"\s*(?:г\.?|года)$", "", text(value))  # "31.12.2026 г."
    if raw.endswith(" 00:00:00"):
        raw = raw[: -len(" 00:00:00")]
    iso = _ISO_DATE.fullmatch(raw)
    dotted = _DOTTED_DATE.fullmatch(raw)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted:
            return dt.date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError:
        raise CellProblem(_("“%(value)s” is not a real date.", value=raw)) from None
    raise CellProblem(
        _("“%(value)s” is not a date: write it as 2027-05-31 or 31.05.2027.", value=raw)
    )


def split_list(raw: str) -> list[str]:
    """Items of a list cell, separated by ``;`` or new lines."""
    return [item.strip() for item in re.split(r"[;\n]", raw) if item.strip()]


def split_commas(raw: str) -> list[str]:
    """Parts of ``raw`` between commas that are not inside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in raw:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]
