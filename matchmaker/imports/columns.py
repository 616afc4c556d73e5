"""The columns of the supplier and need files: names in two languages, help, templates."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.imports.parsing import FileProblem, Row, fold, text


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the English template writes it
    header_ru: str  # as the Russian template writes it
    aliases: tuple[str, ...]
    required: bool
    help: Any  # a lazy string: what to write in the column
    example: str


def header_key(raw: str) -> str:
    """A header cell reduced for comparison: case, ё, punctuation and notes in () dropped."""
    value = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", fold(raw))
    value = re.sub(r"[\s_.:*\-–—]+", " ", value)
    return value.strip()


CERTIFICATION_SYNTAX = "IATF 16949 № 12345 до 2027-05-31; ISO 9001 № 777 до 31.12.2026"

SUPPLIER_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "name",
        "Название",
        (
            "company",
            "company name",
            "supplier",
            "organisation",
            "organization",
            "наименование",
            "компания",
            "название компании",
            "наименование организации",
            "организация",
            "поставщик",
            "предприятие",
        ),
        True,
        _l("Company name, with its legal form if you like (ООО, АО…)."),
        "ООО «Тольяттинский штамповочный завод»",
    ),
    Column(
        "inn",
        "INN",
        "ИНН",
        ("tax id", "taxpayer number", "инн организации"),
        False,
        _l(
            "Taxpayer number: 10 digits for a company, 12 for a sole trader; the check "
            "digits are verified. A known INN updates that supplier instead of adding it."
        ),
        "6320001741",
    ),
    Column(
        "region",
        "region",
        "Регион",
        ("субъект рф", "область", "субъект"),
        True,
        _l("Region of Russia where the plant is."),
        "Самарская область",
    ),
    Column("city", "city", "Город", ("town", "населенный пункт"), False, _l("City."), "Тольятти"),
    Column(
        "email",
        "e-mail",
        "Эл. почта",
        ("email", "mail", "contact e-mail", "электронная почта", "почта", "e-mail для связи"),
        False,
        _l("Contact e-mail address."),
        "sales@tsz.example",
    ),
    Column(
        "website",
        "website",
        "Сайт",
        ("web site", "site", "web", "url", "веб сайт", "вебсайт"),
        False,
        _l("Web address; https:// is added when missing."),
        "https://tsz.example",
    ),
    Column(
        "employees",
        "employees",
        "Численность",
        (
            "staff",
            "headcount",
            "number of employees",
            "сотрудники",
            "число сотрудников",
            "количество сотрудников",
            "численность персонала",
            "персонал",
        ),
        False,
        _l("Number of employees: a whole number, 0 or more."),
        "240",
    ),
    Column(
        "description",
        "description",
        "Описание",
        ("about", "о компании", "деятельность"),
        False,
        _l("What the company does, in Russian or English: equipment, capacity, quality."),
        "Холодная листовая штамповка на прессах до 250 т, сварка, цинкование.",
    ),
    Column(
        "products",
        "products",
        "Продукция",
        ("main products", "основная продукция", "изделия"),
        False,
        _l("Main products."),
        "Кронштейны, пластины, усилители кузова",
    ),
    Column(
        "customers",
        "customers",
        "Заказчики",
        ("main customers", "clients", "клиенты", "основные заказчики", "потребители"),
        False,
        _l("Main customers."),
        "АвтоВАЗ, ПСМА Рус",
    ),
    Column(
        "processes",
        "processes",
        "Процессы",
        ("технологические процессы", "технологии", "техпроцессы"),
        False,
        _l(
            "Processes from the taxonomy, by English or Russian name (or code), "
            "separated by semicolons."
        ),
        "Холодная листовая штамповка; MIG/MAG welding",
    ),
    Column(
        "materials",
        "materials",
        "Материалы",
        (),
        False,
        _l(
            "Materials from the taxonomy, by English or Russian name (or code), "
            "separated by semicolons."
        ),
        "Low-carbon sheet steel; Оцинкованная и алюминированная листовая сталь",
    ),
    Column(
        "certifications",
        "certifications",
        "Сертификаты",
        ("certificates", "certification", "сертификация", "сертификаты качества"),
        False,
        _l(
            "Certificates separated by semicolons, each as: standard № number until date "
            "(“до” for until; dates as 2027-05-31 or 31.05.2027). Number and date may be "
            "left out; expired certificates are refused."
        ),
        CERTIFICATION_SYNTAX,
    ),
)

NEED_COLUMNS: tuple[Column, ...] = (
    Column(
        "part_name",
        "part name",
        "Наименование детали",
        (
            "part",
            "name",
            "деталь",
            "название детали",
            "наименование",
            "название",
            "изделие",
            "наименование изделия",
        ),
        True,
        _l("Name of the part."),
        "Кронштейн крепления бампера",
    ),
    Column(
        "part_number",
        "part number",
        "Номер детали",
        (
            "part no",
            "part #",
            "pn",
            "p/n",
            "drawing number",
            "артикул",
            "номер",
            "обозначение",
            "номер чертежа",
            "каталожный номер",
        ),
        False,
        _l("Part or drawing number; a number already on this day updates that need."),
        "8450-001-234",
    ),
    Column(
        "description",
        "description",
        "Описание",
        ("описание детали", "требования"),
        False,
        _l("Material grade, tolerances, coating: what matters to the buyer."),
        "Сталь 08пс, толщина 2 мм, цинкование 8 мкм",
    ),
    Column(
        "processes",
        "processes",
        "Процессы",
        ("технологические процессы", "технологии"),
        False,
        _l("Processes from the taxonomy, separated by semicolons."),
        "Sheet metal stamping; Electroplating (zinc, zinc-nickel, nickel, chrome)",
    ),
    Column(
        "materials",
        "materials",
        "Материалы",
        (),
        False,
        _l("Materials from the taxonomy, separated by semicolons."),
        "Low-carbon sheet steel",
    ),
    Column(
        "annual_volume",
        "annual volume",
        "Годовой объём",
        (
            "volume",
            "annual quantity",
            "eau",
            "объем",
            "годовая потребность",
            "потребность",
            "количество в год",
        ),
        False,
        _l("Annual volume: a whole number, 0 or more."),
        "120000",
    ),
    Column(
        "unit",
        "unit",
        "Ед. изм.",
        ("units", "unit of measure", "uom", "единица", "единица измерения", "ед"),
        False,
        _l("pcs, sets, kg, m or t (шт, компл, кг, м, т); pcs when empty."),
        "pcs",
    ),
    Column(
        "sop_date",
        "SOP date",
        "Дата SOP",
        (
            "sop",
            "start of production",
            "начало производства",
            "старт производства",
            "дата начала производства",
        ),
        False,
        _l("Start of production: 2027-05-31 or 31.05.2027."),
        "2027-03-01",
    ),
    Column(
        "required_certifications",
        "required certifications",
        "Требуемые сертификаты",
        (
            "certifications",
            "certificates",
            "required certificates",
            "сертификаты",
            "требования к сертификации",
        ),
        False,
        _l("Standards the supplier must hold, separated by semicolons."),
        "IATF 16949; ISO 14001",
    ),
)


@dataclass(frozen=True)
class Header:
    """Which file column holds which field, as found in the header row."""

    positions: dict[str, int]
    labels: dict[str, str]  # field key -> the header text as the file writes it
    ignored: tuple[str, ...]
    width: int = 0  # cells up to the last named column


def _names(column: Column) -> set[str]:
    return {header_key(n) for n in (column.key, column.header, column.header_ru, *column.aliases)}


def read_header(row: Row, columns: Sequence[Column]) -> Header:
    """Map the header row to fields, or say what is wrong with it."""
    names = {name: column.key for column in columns for name in _names(column)}
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(row.cells):
        raw = text(cell)
        if not raw:
            continue
        key = names.get(header_key(raw))
        if key is None and "/" in raw:
            # A bilingual header such as "Название / name".
            found = {names.get(header_key(part)) for part in raw.split("/")} - {None}
            key = found.pop() if len(found) == 1 else None
        if key is None:
            ignored.append(raw)
            continue
        if key in positions:
            raise FileProblem(
                _(
                    "Columns “%(a)s” and “%(b)s” both hold the same field; keep one of them.",
                    a=labels[key],
                    b=raw,
                )
            )
        positions[key] = index
        labels[key] = raw
    if not positions:
        expected = ", ".join(c.header for c in columns if c.required)
        raise FileProblem(
            _(
                "No known column names were found in the first row (expected %(names)s…). "
                "Start from the template: its first row names the columns.",
                names=expected,
            )
        )
    missing = [c for c in columns if c.required and c.key not in positions]
    if missing:
        raise FileProblem(
            _(
                "Required column missing: %(names)s. The first row must name the columns, "
                "as in the template.",
                names=", ".join(f"{c.header} / {c.header_ru}" for c in missing),
            )
        )
    width = max(i for i, cell in enumerate(row.cells) if text(cell)) + 1
    return Header(positions, labels, tuple(ignored), width)


# --- template files ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceLists:
    """What the template's help sheet lists: taxonomy names and known standards."""

    processes: Sequence[tuple[str, str, str]] = ()  # (code, English, Russian)
    materials: Sequence[tuple[str, str, str]] = ()
    standards: Sequence[str] = ()


def template_headers(columns: Sequence[Column], locale: str = "en") -> list[str]:
    return [c.header_ru if locale == "ru" else c.header for c in columns]


def template_csv(columns: Sequence[Column], locale: str = "en") -> bytes:
    """The header row as CSV in UTF-8 with a BOM, so Excel shows Cyrillic right."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(template_headers(columns, locale))
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(
    columns: Sequence[Column], locale: str = "en", lists: ReferenceLists | None = None
) -> bytes:
    """A workbook: the header row on the first sheet, then help and reference sheets.

    Only the first sheet is read on import, so the help sheets can stay in the file.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    lists = lists or ReferenceLists()
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = _("Data")
    sheet.append(template_headers(columns, locale))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, 1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, min(50, len(column.example) + 2))
    sheet.freeze_panes = "A2"

    help_sheet: Any = workbook.create_sheet(_("Help"))
    help_sheet.append(
        [_("Column"), _("Also accepted"), _("Required"), _("What to write"), _("Example")]
    )
    for column in columns:
        help_sheet.append(
            [
                column.header_ru if locale == "ru" else column.header,
                ", ".join([column.header_ru if locale != "ru" else column.header, *column.aliases]),
                _("yes") if column.required else "",
                str(column.help),
                column.example,
            ]
        )
    help_sheet.append([])
    help_sheet.append(
        [
            _(
                "Only the first sheet is imported; its first row must name the columns. "
                "Line numbers in the report are the sheet's row numbers."
            )
        ]
    )
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (24, 40, 10, 70, 50), strict=True):
        help_sheet.column_dimensions[letter].width = width
    for row in help_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    for title, items in ((_("Processes"), lists.processes), (_("Materials"), lists.materials)):
        if not items:
            continue
        reference: Any = workbook.create_sheet(title)
        reference.append([_("English name"), _("Russian name"), _("Code")])
        for code, name_en, name_ru in items:
            reference.append([name_en, name_ru, code])
        for cell in reference[1]:
            cell.font = Font(bold=True)
        for letter, width in zip("ABC", (55, 70, 24), strict=True):
            reference.column_dimensions[letter].width = width
    if lists.standards:
        standards: Any = workbook.create_sheet(_("Standards"))
        standards.append([_("Standard")])
        standards["A1"].font = Font(bold=True)
        for code in lists.standards:
            standards.append([code])
        standards.column_dimensions["A"].width = 30

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
