"""Importing suppliers and needs from CSV and XLSX: reading, checking, writing, reviewing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from matchmaker import taxonomy
from matchmaker.extensions import db
from matchmaker.imports import parsing, services
from matchmaker.imports.columns import NEED_COLUMNS, SUPPLIER_COLUMNS, header_key
from matchmaker.imports.validation import StandardLookup, TermLookup, company_key
from matchmaker.models import (
    AuditEntry,
    Certification,
    ImportReview,
    Material,
    Need,
    Process,
    Role,
    Supplier,
)
from matchmaker.shortlists.services import catalogue_version
from tests import factories

HEADER = [
    "name",
    "INN",
    "region",
    "city",
    "e-mail",
    "website",
    "employees",
    "description",
    "processes",
    "materials",
    "certifications",
]
HEADER_RU = [
    "Название",
    "ИНН",
    "Регион",
    "Город",
    "Эл. почта",
    "Сайт",
    "Численность",
    "Описание",
    "Процессы",
    "Материалы",
    "Сертификаты",
]
FAR = dt.date.today().year + 3


def inn10(body: str) -> str:
    """A company INN from 9 digits, with its check digit."""
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return body + str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)


def inn12(body: str) -> str:
    """A sole trader's INN from 10 digits, with both check digits."""
    first = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    second = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    body += str(sum(int(d) * w for d, w in zip(body, first, strict=True)) % 11 % 10)
    return body + str(sum(int(d) * w for d, w in zip(body, second, strict=True)) % 11 % 10)


def row(**cells: Any) -> list[Any]:
    """A supplier row in HEADER order; a valid company unless cells say otherwise."""
    values = {
        "name": "ООО «Тольяттинский штамп»",
        "INN": inn10("632000174"),
        "region": "Самарская область",
        "city": "Тольятти",
        "e-mail": "sales@tlt-stamp.example",
        "website": "tlt-stamp.example",
        "employees": "240",
        "description": "Холодная листовая штамповка на прессах до 400 т, сварка MIG/MAG.",
        "processes": "Холодная листовая штамповка; MIG/MAG welding",
        "materials": "Low-carbon sheet steel",
        "certifications": f"IATF 16949 № 0123456 до {FAR}-05-31; ISO 9001 № 777 до 31.12.{FAR}",
    }
    values.update(cells)
    return [values[h] for h in HEADER]


def csv_bytes(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] = HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def standards(app) -> list[str]:
    return [s.code for s in taxonomy.standards(app.config["SEED_DIR"])]


def import_suppliers(app, data: bytes, name: str = "suppliers.csv", **options: Any):
    with app.app_context():
        return services.import_suppliers(
            db.session(), None, data, name, standards=standards(app), **options
        )


def import_needs(app, day_id: int, data: bytes, name: str = "needs.csv", **options: Any):
    with app.app_context():
        return services.import_needs(
            db.session(), None, day_id, data, name, standards=standards(app), **options
        )


def count(app, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def supplier_by_name(name: str) -> Supplier:
    supplier = db.session.scalar(select(Supplier).where(Supplier.name == name))
    assert supplier is not None, name
    return supplier


def upload(client, url: str, data: bytes, name: str, **fields: str):
    form: dict[str, Any] = {"file": (io.BytesIO(data), name), **fields}
    return client.post(url, data=form, content_type="multipart/form-data")


# --- reading files -------------------------------------------------------------------------


def test_csv_utf8_comma_imports_every_column(app) -> None:
    second = row(
        name="АО «Ульяновский литейный»",
        INN=inn10("730000123"),
        region="Ульяновская область",
        city="Ульяновск",
        processes="Литьё под давлением (ЛПД), Литьё в кокиль",
        materials="литейные алюминиевые сплавы; ZAMAK",
        certifications="ISO 14001",
        website="https://ulz.example/ru",
        employees="1 200",
    )
    second[HEADER.index("materials")] = "литейные алюминиевые сплавы (АК12, АК9, АК12М2)"
    report = import_suppliers(app, csv_bytes([row(), second]))
    assert report.ok and report.written, report.problems
    assert (report.kind, report.encoding, report.rows) == ("csv", "utf-8", 2)
    assert (report.added, report.updated, report.to_review) == (2, 0, 0)
    with app.app_context():
        stamp = supplier_by_name("ООО «Тольяттинский штамп»")
        assert stamp.inn == inn10("632000174") and stamp.status == "pending"
        assert (stamp.region, stamp.city, stamp.email) == (
            "Самарская область",
            "Тольятти",
            "sales@tlt-stamp.example",
        )
        assert stamp.website == "https://tlt-stamp.example" and stamp.employees == 240
        assert {p.code for p in stamp.processes} == {"sheet_stamping", "welding_mig_mag"}
        assert [m.code for m in stamp.materials] == ["steel_lowcarbon"]
        certificates = {(c.standard, c.number, c.valid_until) for c in stamp.certifications}
        assert certificates == {
            ("IATF 16949", "0123456", dt.date(FAR, 5, 31)),
            ("ISO 9001", "777", dt.date(FAR, 12, 31)),
        }
        foundry = supplier_by_name("АО «Ульяновский литейный»")
        assert {p.code for p in foundry.processes} == {"hpdc", "gravity_casting"}
        assert [m.code for m in foundry.materials] == ["aluminium_cast"]
        assert [(c.standard, c.number, c.valid_until) for c in foundry.certifications] == [
            ("ISO 14001", "", None)
        ]
        assert foundry.employees == 1200 and foundry.website == "https://ulz.example/ru"
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "suppliers.imported")
        )
        assert entry is not None and entry.details["added"] == 2


def test_utf8_bom_semicolons_and_russian_headers_in_any_case(app) -> None:
    header = [h.upper() if i % 2 else h.lower() for i, h in enumerate(HEADER_RU)]
    data = b"\xef\xbb\xbf" + csv_bytes([row()], header=header, delimiter=";")
    report = import_suppliers(app, data)
    assert report.ok and report.added == 1, (report.file_problem, report.problems)
    assert report.encoding == "utf-8-sig"
    with app.app_context():
        supplier = supplier_by_name("ООО «Тольяттинский штамп»")
        assert len(supplier.certifications) == 2 and supplier.city == "Тольятти"


def test_windows_1251_file(app) -> None:
    data = csv_bytes([row(name="ООО «Жигулёвский завод»")], header=HEADER_RU, delimiter=";")
    report = import_suppliers(app, data.decode("utf-8").encode("cp1251"))
    assert report.ok and report.encoding == "cp1251", (report.file_problem, report.problems)
    with app.app_context():
        assert supplier_by_name("ООО «Жигулёвский завод»").region == "Самарская область"


def test_xlsx_numbers_dates_and_blank_lines(app) -> None:
    inn = inn10("010500123")  # Adygea: the spreadsheet dropped the leading zero
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    first = row(INN=int(inn), employees=85)
    sheet.append(first)
    sheet.append([])  # line 3 left empty
    sheet.append(row(name="ИП Смирнов", INN=int(inn12("6320001234")), employees=3.0))
    sheet.append(row(name="", INN=""))  # line 5: bad
    out = io.BytesIO()
    workbook.save(out)
    report = import_suppliers(app, out.getvalue(), "list.xlsx")
    assert report.kind == "xlsx" and report.rows == 3
    assert [(p.line, p.column) for p in report.problems] == [(5, "name")]
    good = [row(INN=int(inn), employees=85), row(name="ИП Смирнов", INN=int(inn12("6320001234")))]
    report = import_suppliers(app, xlsx_bytes(good), "list.xlsx")
    assert report.ok and report.added == 2
    with app.app_context():
        assert supplier_by_name("ООО «Тольяттинский штамп»").inn == inn
        assert supplier_by_name("ИП Смирнов").inn == inn12("6320001234")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "The file is empty."),
        (b"   \r\n  ", "a.csv", "The file is empty."),
        ("name,region\nООО,Самара\n".encode("utf-16"), "a.csv", "UTF-16"),
        ("name,region\nООО,Самара\n".encode("utf-16-le"), "a.csv", "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "logo.png", "binary data"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", "(.xls)"),
        (
            "Название;Регион\nЗавод;Самара\n".encode("koi8-r"),
            "a.csv",
            "only UTF-8 and Windows-1251",
        ),
        (b"not a workbook at all", "a.xlsx", "not a valid Excel workbook"),
        (b"Dear colleagues,\nplease find the list attached.\n", "a.txt", "No known column"),
        ("ООО Ромашка,Самарская область\n".encode(), "a.csv", "No known column"),
        (b"name,city\nRomashka,Samara\n", "a.csv", "Required column missing: region"),
        (b"name,region\n", "a.csv", "has no rows below"),
        (b"name,region,Name\nA,B,C\n", "a.csv", "both hold the same field"),
    ],
)
def test_unreadable_files_get_a_clear_message(app, data: bytes, name: str, message: str) -> None:
    report = import_suppliers(app, data, name)
    assert message in report.file_problem
    assert not report.written and count(app, Supplier) == 0


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_other_zip_files_are_named(app) -> None:
    ods = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""})
    assert "(.ods)" in import_suppliers(app, ods, "list.ods").file_problem
    plain = _zip({"readme.txt": b"hello"})
    assert "ZIP archive" in import_suppliers(app, plain, "list.zip").file_problem
    broken = _zip({"xl/workbook.xml": b"<broken", "[Content_Types].xml": b"<x"})
    assert "could not be read" in import_suppliers(app, broken, "list.xlsx").file_problem


def test_delimiter_sniffing_and_excel_sep_line() -> None:
    assert parsing.sniff_delimiter(["name;region;city", "a;b;c"]) == ";"
    assert parsing.sniff_delimiter(["name,region", "a,b"]) == ","
    assert parsing.sniff_delimiter(["name\tregion", "a\tb"]) == "\t"
    # Commas inside a semicolon file's cells do not fool it.
    assert parsing.sniff_delimiter(["name;region", '"ООО ""А, Б""";Самара, обл']) == ";"
    table = parsing.read_table(b"sep=;\r\nname;region\r\nA, B;C\r\n")
    assert table.delimiter == ";" and table.header.line == 1
    assert table.rows[0].cells == ("A, B", "C") and table.rows[0].line == 2


def test_cp1251_is_used_only_when_it_reads_like_text() -> None:
    assert parsing.decode("Привет, мир".encode("cp1251")) == ("Привет, мир", "cp1251")
    with pytest.raises(parsing.FileProblem):
        parsing.decode("Название;Регион\nЗавод металлоконструкций;Самара\n".encode("koi8-r"))
    with pytest.raises(parsing.FileProblem):
        parsing.decode("Название;Регион\nЗавод металлоконструкций;Самара\n".encode("cp866"))
    with pytest.raises(parsing.FileProblem):
        parsing.decode(b"abc\x01\x02\x03")
    assert parsing.decode("ёж".encode())[1] == "utf-8"


# --- checking rows ---------------------------------------------------------------------------


def test_every_bad_cell_is_reported_with_line_and_column(app) -> None:
    rows = [
        row(),  # line 2 is fine
        row(name="", INN=inn10("632000175")),  # 3
        row(region="", INN=inn10("632000176")),  # 4
        row(INN="63200017"),  # 5: too short
        row(INN="6320001740"),  # 6: wrong check digit
        row(INN=inn10("632000177"), **{"e-mail": "sales@@example"}),  # 7
        row(INN=inn10("632000178"), website="not a site"),  # 8
        row(INN=inn10("632000179"), employees="-4"),  # 9
        row(INN=inn10("632000180"), employees="12.5"),  # 10
        row(INN=inn10("632000181"), processes="Штамповка; Вязание крючком"),  # 11
        row(INN=inn10("632000182"), materials="Low-carbon sheet steel; Unobtainium"),  # 12
        row(INN=inn10("632000183"), certifications="ISO 9999 № 1 до 2030-01-01"),  # 13
        row(INN=inn10("632000184"), certifications="ISO 9001 № 1 до 31.02.2030"),  # 14
        row(INN=inn10("632000185"), certifications="ISO 9001 № 1 до 01.01.2001"),  # 15
        row(INN=inn10("632000186"), certifications="ISO 9001 № 15 31.12.2030"),  # 16
        row(),  # 17: the INN of line 2 again
        row(INN=inn10("632000187"), name="Х" * 201),  # 18
        row(INN=inn10("632000188"), certifications="ISO 9001 до вчера"),  # 19
    ]
    before = count(app, Supplier)
    report = import_suppliers(app, csv_bytes(rows))
    found = [(p.line, p.column) for p in report.problems]
    assert found == [
        (3, "name"),
        (4, "region"),
        (5, "INN"),
        (6, "INN"),
        (7, "e-mail"),
        (8, "website"),
        (9, "employees"),
        (10, "employees"),
        (11, "processes"),
        (11, "processes"),
        (12, "materials"),
        (13, "certifications"),
        (14, "certifications"),
        (15, "certifications"),
        (16, "certifications"),
        (17, "INN"),
        (18, "name"),
        (19, "certifications"),
    ]
    messages = {(p.line, p.message) for p in report.problems}
    text = "\n".join(f"{line} {message}" for line, message in sorted(messages))
    for expected in (
        "3 Required: write the company name.",
        "4 Required: write the region.",
        "must be 10 digits",
        "check digits do not match",
        "not an e-mail address",
        "not a web address",
        "must not be below 0",
        "“12.5” is not a whole number",
        "Unknown process “Штамповка”",
        "Unknown process “Вязание крючком”",
        "Unknown material “Unobtainium”",
        "Unknown standard “ISO 9999”",
        "is not a real date",
        "expired on 2001-01-01",
        "put “until” or “до” before the expiry date",
        f"INN {inn10('632000174')} is also on line 2",
        "Too long: 201 characters",
        "is not a date",
    ):
        assert expected in text, expected
    assert report.rejected_rows == 17 and not report.written
    assert count(app, Supplier) == before
    assert count(app, AuditEntry) == 0


def test_one_bad_row_writes_nothing_unless_asked_to_skip_it(app) -> None:
    rows = [
        row(name="ООО «Альфа»", INN=inn10("632100001")),
        row(name="ООО «Бета»", INN=inn10("632100002"), employees="many"),
        row(name="ООО «Гамма»", INN=inn10("632100003")),
    ]
    report = import_suppliers(app, csv_bytes(rows))
    assert not report.written and report.rejected_rows == 1
    assert [(p.line, p.column) for p in report.problems] == [(3, "employees")]
    assert count(app, Supplier) == 0 and count(app, Certification) == 0
    skipped = import_suppliers(app, csv_bytes(rows), skip_invalid=True)
    assert skipped.written and skipped.added == 2 and skipped.rejected_rows == 1
    with app.app_context():
        assert set(db.session.scalars(select(Supplier.name))) == {"ООО «Альфа»", "ООО «Гамма»"}


def test_dry_run_reports_and_writes_nothing(app) -> None:
    with app.app_context():
        factories.supplier(db.session, "ООО «Старый»", inn=inn10("632200001"))
        db.session.commit()
    rows = [
        row(name="ООО «Старый завод»", INN=inn10("632200001")),
        row(name="ООО «Новый»", INN=inn10("632200002")),
    ]
    report = import_suppliers(app, csv_bytes(rows), dry_run=True)
    assert report.dry_run and not report.written
    assert (report.added, report.updated, report.to_review) == (1, 1, 0)
    with app.app_context():
        assert set(db.session.scalars(select(Supplier.name))) == {"ООО «Старый»"}
    assert count(app, Certification) == 0 and count(app, AuditEntry) == 0


def test_certificate_cells_accept_until_and_do_in_both_date_forms() -> None:
    from matchmaker.imports.validation import Lookups, check_suppliers

    lookups = Lookups(
        TermLookup([]), TermLookup([]), StandardLookup(["IATF 16949", "ISO 9001", "VDA 6.3"])
    )
    cell = (
        "IATF16949 No. A-1 until 2030-05-31\n"
        "iso 9001:2015 #77 valid until 1.2.2031; "
        "VDA 6.3 номер 5/2024 действителен до 31.12.2032 г.; ISO 9001"
    )
    table = parsing.read_table(
        csv_bytes([["A", "Самара", cell]], ["name", "region", "сертификаты"])
    )
    checked = check_suppliers(table, lookups)
    assert checked.problems == []
    entries = checked.supplier_rows[0].certifications
    assert entries is not None
    assert [(e.standard, e.number, e.valid_until) for e in entries] == [
        ("IATF 16949", "A-1", dt.date(2030, 5, 31)),
        ("ISO 9001", "77", dt.date(2031, 2, 1)),
        ("VDA 6.3", "5/2024", dt.date(2032, 12, 31)),
        ("ISO 9001", "", None),
    ]


def test_taxonomy_names_in_either_language_case_and_yo() -> None:
    lookup = TermLookup(
        [
            ("hpdc", "High-pressure die casting", "Литьё под давлением (ЛПД)"),
            ("forging", "Hot die forging", "Горячая объёмная штамповка (ГОШ), ковка"),
            ("superfinishing", "Honing, lapping and superfinishing", "Хонингование"),
            ("injection_moulding", "Plastic injection moulding", "Литьё пластмасс под давлением"),
        ]
    )
    assert lookup.resolve("ЛИТЬЕ ПОД ДАВЛЕНИЕМ (лпд)") == (["hpdc"], [])
    assert lookup.resolve("литьё под давлением") == (["hpdc"], [])
    assert lookup.resolve("лпд; high-pressure DIE casting; hpdc") == (["hpdc"], [])
    assert lookup.resolve(
        "Горячая объемная штамповка (ГОШ), ковка, Honing, lapping and superfinishing"
    ) == (["forging", "superfinishing"], [])
    assert lookup.resolve("Hot die forging, knitting") == (["forging"], ["knitting"])


def test_header_names_do_not_collide() -> None:
    for columns in (SUPPLIER_COLUMNS, NEED_COLUMNS):
        seen: dict[str, str] = {}
        for column in columns:
            for name in (column.key, column.header, column.header_ru, *column.aliases):
                key = header_key(name)
                assert seen.setdefault(key, column.key) == column.key, (name, seen[key])


def test_company_names_are_compared_without_legal_form_and_quotes() -> None:
    assert company_key("ООО «Ромашка»") == company_key('ООО "Ромашка"')
    assert company_key("Общество с ограниченной ответственностью «Жигулёвский завод»") == (
        "жигулевский завод"
    )
    assert company_key("JSC 'Avtokomponent' LLC") == "avtokomponent"


# --- writing: updates and the review queue ---------------------------------------------------


def test_known_inn_updates_the_supplier_instead_of_adding_one(app) -> None:
    inn = inn10("632300001")
    with app.app_context():
        supplier = factories.supplier(
            db.session,
            "ООО «Прежнее имя»",
            inn=inn,
            city="Самара",
            description="Старое описание",
            employees=50,
            status="verified",
            process_codes=("cnc_turning",),
            material_codes=("steel_bar",),
        )
        kept = Certification(
            standard="IATF 16949", number="0123456", valid_until=dt.date(FAR, 5, 31), verified=True
        )
        dropped = Certification(standard="ISO 14001", number="1", verified=True)
        supplier.certifications.extend([kept, dropped])
        db.session.commit()
        supplier_id, kept_id = supplier.id, kept.id
        version = catalogue_version(db.session)
    update_row = row(INN=inn, description="", employees="", website="")
    report = import_suppliers(app, csv_bytes([update_row]))
    assert report.written and (report.added, report.updated) == (0, 1)
    with app.app_context():
        assert db.session.scalar(select(func.count(Supplier.id))) == 1
        supplier = db.session.get(Supplier, supplier_id)
        assert supplier.name == "ООО «Тольяттинский штамп»" and supplier.city == "Тольятти"
        # Empty cells keep what the supplier had.
        assert supplier.description == "Старое описание" and supplier.employees == 50
        assert supplier.status == "verified"
        assert {p.code for p in supplier.processes} == {"sheet_stamping", "welding_mig_mag"}
        assert [m.code for m in supplier.materials] == ["steel_lowcarbon"]
        held = {(c.id, c.standard, c.verified) for c in supplier.certifications}
        assert (kept_id, "IATF 16949", True) in held
        assert {standard for _id, standard, _v in held} == {"IATF 16949", "ISO 9001"}
        assert catalogue_version(db.session) != version
    again = import_suppliers(app, csv_bytes([update_row]))
    assert (again.added, again.updated) == (0, 1) and count(app, Supplier) == 1


def test_close_names_go_to_review_and_exact_reimports_update(app) -> None:
    with app.app_context():
        factories.supplier(db.session, "ООО «Ромашка»", inn=None, region="Самарская область")
        factories.supplier(db.session, "АО «Лютик-Авто»", inn=inn10("632400001"))
        db.session.commit()
    rows = [
        # Same name and region, no INN: the record imported before.
        row(name="ООО «Ромашка»", INN="", city="Сызрань"),
        # Another legal form, no INN: perhaps the same company.
        row(name="Ромашка АО", INN="", region="Ульяновская область"),
        # A new INN, close to a supplier without one: perhaps the same company.
        row(name="Ромашка", INN=inn10("632400002"), region="Пензенская область"),
        # A new INN close to a supplier with another INN: a different company.
        row(name="ООО «Лютик Авто»", INN=inn10("632400003")),
        # Without an INN, close to a supplier that has one: perhaps the same.
        row(name="Лютик-Авто", INN=""),
        row(name="ООО «Совсем другой завод»", INN=""),
    ]
    report = import_suppliers(app, csv_bytes(rows))
    assert report.written, report.problems
    assert (report.added, report.updated, report.to_review) == (2, 1, 3)
    with app.app_context():
        names = set(db.session.scalars(select(Supplier.name)))
        assert names == {
            "ООО «Ромашка»",
            "АО «Лютик-Авто»",
            "ООО «Лютик Авто»",
            "ООО «Совсем другой завод»",
        }
        assert supplier_by_name("ООО «Ромашка»").city == "Сызрань"
        reviews = db.session.scalars(select(ImportReview).order_by(ImportReview.line)).all()
        assert [(r.line, r.candidate.name, r.status) for r in reviews] == [
            (3, "ООО «Ромашка»", "pending"),
            (4, "ООО «Ромашка»", "pending"),
            (6, "АО «Лютик-Авто»", "pending"),
        ]
        assert all(r.similarity >= services.SIMILARITY for r in reviews)
        assert reviews[1].row["inn"] == inn10("632400002")
    # The same file again: nothing new is added and nothing is queued twice.
    again = import_suppliers(app, csv_bytes(rows))
    assert (again.added, again.to_review, again.already_in_review) == (0, 0, 3)
    assert again.updated == 3  # the exact re-import, the new INN company and the new one
    assert count(app, Supplier) == 4 and count(app, ImportReview) == 3


def _queue(app) -> list[int]:
    with app.app_context():
        factories.supplier(
            db.session, "ООО «Ромашка»", inn=None, region="Самарская область", city="Самара"
        )
        db.session.commit()
    rows = [
        row(name="Ромашка АО", INN=inn10("632500001"), city="Новокуйбышевск"),
        row(name="ЗАО Ромашка", INN="", region="Ульяновская область"),
        row(name="Ромашка, ООО", INN="", region="Пензенская область"),
    ]
    report = import_suppliers(app, csv_bytes(rows))
    assert report.to_review == 3, report
    with app.app_context():
        return list(db.session.scalars(select(ImportReview.id).order_by(ImportReview.id)))


def test_staff_review_queue_add_merge_dismiss(app, client, login_as) -> None:
    merge_id, add_id, dismiss_id = _queue(app)
    staff = login_as(Role.STAFF)
    page = client.get("/suppliers/import/reviews")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("Ромашка АО") >= 1 and "Новокуйбышевск" in html and "Самара" in html
    assert html.count('action="/suppliers/import/reviews/') == 9

    assert client.post(f"/suppliers/import/reviews/{merge_id}/merge").status_code == 302
    assert client.post(f"/suppliers/import/reviews/{add_id}/add").status_code == 302
    assert client.post(f"/suppliers/import/reviews/{dismiss_id}/dismiss").status_code == 302
    with app.app_context():
        merged = supplier_by_name("Ромашка АО")  # the row's name overwrote the candidate's
        assert merged.inn == inn10("632500001") and merged.city == "Новокуйбышевск"
        added = supplier_by_name("ЗАО Ромашка")
        assert added.region == "Ульяновская область" and added.status == "pending"
        assert count(app, Supplier) == 2
        reviews = {r.id: r for r in db.session.scalars(select(ImportReview))}
        assert (reviews[merge_id].status, reviews[merge_id].supplier_id) == ("merged", merged.id)
        assert (reviews[add_id].status, reviews[add_id].supplier_id) == ("added", added.id)
        assert reviews[dismiss_id].status == "dismissed"
        assert all(r.resolved_by_id == staff.id for r in reviews.values())
        actions = set(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("import_review.%"))
            )
        )
        assert actions == {
            "import_review.merged",
            "import_review.added",
            "import_review.dismissed",
        }
    # A decided row cannot be decided again.
    again = client.post(f"/suppliers/import/reviews/{add_id}/add", follow_redirects=True)
    assert "already dealt with" in again.get_data(as_text=True) and count(app, Supplier) == 2
    assert "No imported rows wait for review." in client.get("/suppliers/import/reviews").text


def test_merge_refuses_a_different_inn_and_add_refuses_a_taken_inn(app, client, login_as) -> None:
    with app.app_context():
        factories.supplier(db.session, "ООО «Ромашка»", inn=None)
        db.session.commit()
    import_suppliers(app, csv_bytes([row(name="Ромашка", INN=inn10("632600001"))]))
    with app.app_context():
        review_id = db.session.scalar(select(ImportReview.id))
        # Meanwhile the same INN registered itself.
        factories.supplier(db.session, "ООО «Ромашка-Регистрация»", inn=inn10("632600001"))
        db.session.commit()
    login_as(Role.STAFF)
    answer = client.post(f"/suppliers/import/reviews/{review_id}/add", follow_redirects=True)
    assert "now belongs to ООО «Ромашка-Регистрация»" in answer.get_data(as_text=True)
    answer = client.post(f"/suppliers/import/reviews/{review_id}/merge", follow_redirects=True)
    assert "belongs to ООО «Ромашка-Регистрация» already" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ImportReview, review_id).status == "pending"
        assert count(app, Supplier) == 2


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_review_actions_need_the_form_token(self, app, client, login_as) -> None:
        (review_id, *_rest) = _queue(app)
        login_as(Role.STAFF)
        answer = client.post(f"/suppliers/import/reviews/{review_id}/add")
        assert answer.status_code == 400
        upload_answer = upload(client, "/suppliers/import", csv_bytes([row()]), "a.csv")
        assert upload_answer.status_code == 400 and count(app, Supplier) == 1
        with app.app_context():
            assert db.session.get(ImportReview, review_id).status == "pending"


# --- the "done when" scenario ---------------------------------------------------------------

CITIES = [
    ("Самарская область", "Тольятти"),
    ("Самарская область", "Самара"),
    ("Ульяновская область", "Ульяновск"),
    ("Нижегородская область", "Нижний Новгород"),
    ("Республика Татарстан", "Набережные Челны"),
    ("Калужская область", "Калуга"),
]
WORDS = ["Волга", "Жигули", "Техно", "Металл", "Пласт", "Авто", "Пром", "Сервис", "Литмаш"]
KINDS = ["завод", "комбинат", "мастерская", "производство", "компания", "фабрика"]


def realistic_rows(app, n: int = 500) -> list[list[Any]]:
    """``n`` supplier rows like a cluster's list: Russian names, taxonomy terms, INNs."""
    rng = random.Random(500)
    with app.app_context():
        processes = list(db.session.scalars(select(Process.name_ru)))
        materials = list(db.session.scalars(select(Material.name_en)))
    rows = []
    for number in range(n):
        region, city = rng.choice(CITIES)
        name = (
            f"{rng.choice(['ООО', 'АО', 'ПАО', 'ИП'])} «{rng.choice(WORDS)}"
            f"{rng.choice(WORDS).lower()} {rng.choice(KINDS)} № {number + 1}»"
        )
        chosen = rng.sample(processes, rng.randint(1, 3))
        rows.append(
            row(
                name=name,
                INN=inn10(f"63{number:07d}") if number % 10 else "",
                region=region,
                city=city,
                employees=rng.randint(5, 3000),
                website=f"zavod{number}.example",
                **{"e-mail": f"info@zavod{number}.example"},
                description=f"{chosen[0]} для автомобильной промышленности, партии от 1000 шт.",
                processes="; ".join(chosen),
                materials="; ".join(rng.sample(materials, rng.randint(1, 2))),
                certifications=(
                    f"IATF 16949 № {10000 + number} до {rng.randint(1, 28)}.0{rng.randint(1, 9)}."
                    f"{FAR}"
                    if number % 3
                    else ""
                ),
            )
        )
    return rows


def test_500_row_xlsx_with_errors_is_fixed_and_imported_twice_without_duplicates(
    app, client, login_as
) -> None:
    good = realistic_rows(app)
    broken = [list(r) for r in good]
    mistakes = {
        7: ("INN", "6300000070"),  # check digit
        42: ("region", ""),
        99: ("e-mail", "info at zavod99"),
        150: ("employees", "около 200"),
        201: ("processes", "Штамповка всякая"),
        333: ("certifications", "IATF 16949 № 1 до 01.01.2020"),
        404: ("INN", good[405][1]),  # duplicate of the next row's INN
        480: ("website", "http://"),
    }
    for index, (column, value) in mistakes.items():
        broken[index][HEADER.index(column)] = value
    login_as(Role.STAFF)
    answer = upload(client, "/suppliers/import", xlsx_bytes(broken), "cluster-list.xlsx")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Nothing was written: 8 of 500 rows have problems." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Supplier.id))) == 0
    report = import_suppliers(app, xlsx_bytes(broken), "cluster-list.xlsx")
    # The duplicate INN is reported on the later of the two lines.
    lines = {index + 2: column for index, (column, _value) in mistakes.items() if index != 404}
    lines[407] = "INN"
    assert [(p.line, p.column) for p in report.problems] == sorted(lines.items())
    for line, column in lines.items():
        assert f"<tr><td>{line}</td><td>{column}</td>" in html

    fixed = upload(client, "/suppliers/import", xlsx_bytes(good), "cluster-list.xlsx")
    assert "500 added, 0 updated, 0 sent to review." in fixed.get_data(as_text=True)
    assert count(app, Supplier) == 500
    again = upload(client, "/suppliers/import", xlsx_bytes(good), "cluster-list.xlsx")
    assert "0 added, 500 updated, 0 sent to review." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Supplier.id))) == 500
        assert db.session.scalar(select(func.count(func.distinct(Supplier.name)))) == 500
        assert db.session.scalar(select(func.count(Certification.id))) == sum(
            1 for r in good if r[HEADER.index("certifications")]
        )
    assert count(app, ImportReview) == 0


# --- pages and templates ---------------------------------------------------------------------


def test_import_page_uploads_with_dry_run_and_links_templates(app, client, login_as) -> None:
    login_as(Role.STAFF)
    page = client.get("/suppliers/import")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Import suppliers" in html
    assert "/suppliers/import/template?format=xlsx" in html and "Dry run" in html
    assert "IATF 16949 № 12345 до 2027-05-31" in html  # the documented cell syntax
    dry = upload(client, "/suppliers/import", csv_bytes([row()]), "a.csv", dry_run="y")
    assert "Dry run, nothing was written." in dry.get_data(as_text=True)
    assert count(app, Supplier) == 0
    real = upload(client, "/suppliers/import", csv_bytes([row()]), "a.csv")
    assert "1 added, 0 updated, 0 sent to review." in real.get_data(as_text=True)
    bad = upload(client, "/suppliers/import", b"\x00\x01binary", "a.csv")
    assert "binary data" in bad.get_data(as_text=True) and bad.status_code == 200
    missing = client.post("/suppliers/import", data={}, content_type="multipart/form-data")
    assert "Choose a CSV or XLSX file to upload." in missing.get_data(as_text=True)
    listing = client.get("/suppliers").get_data(as_text=True)
    assert 'href="/suppliers/import"' in listing


def test_too_large_upload_is_refused(app, client, login_as) -> None:
    app.config["IMPORT_MAX_BYTES"] = 1024
    login_as(Role.STAFF)
    answer = upload(client, "/suppliers/import", csv_bytes([row()] * 20), "a.csv")
    assert answer.status_code == 200 and "larger than" in answer.get_data(as_text=True)
    assert count(app, Supplier) == 0


def _template_round_trip(data: bytes, fmt: str, header: list[str]) -> None:
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows == [header]
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        assert [c.value for c in workbook.worksheets[0][1]] == header
        assert workbook.worksheets[0].max_row == 1
        assert {"Help", "Processes", "Materials", "Standards"} <= set(workbook.sheetnames)
        help_rows = [str(r) for r in workbook["Help"].iter_rows(values_only=True)]
        assert len(help_rows) >= len(header) + 1
        if "certifications" in header:
            assert any("IATF 16949 № 12345 до 2027-05-31" in r for r in help_rows)


def test_template_downloads_open_and_import(app, client, login_as) -> None:
    login_as(Role.STAFF)
    for fmt in ("csv", "xlsx"):
        answer = client.get(f"/suppliers/import/template?format={fmt}")
        assert answer.status_code == 200
        assert f'filename="suppliers-template.{fmt}"' in answer.headers["Content-Disposition"]
        _template_round_trip(answer.data, fmt, [c.header for c in SUPPLIER_COLUMNS])
    # The template filled in imports.
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/suppliers/import/template?format=xlsx").data)
    )
    workbook.worksheets[0].append([c.example for c in SUPPLIER_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    report = import_suppliers(app, out.getvalue(), "filled.xlsx")
    assert report.ok and report.added == 1, report.problems
    need_template = client.get("/needs/import/template?format=csv")
    assert need_template.status_code == 200
    _template_round_trip(need_template.data, "csv", [c.header for c in NEED_COLUMNS])


# --- needs -----------------------------------------------------------------------------------

NEED_HEADER = [c.header for c in NEED_COLUMNS]


def need_row(**cells: Any) -> list[Any]:
    values = {
        "part name": "Кронштейн крепления бампера",
        "part number": "8450-001",
        "description": "Сталь 08пс, 2 мм, цинкование",
        "processes": "Sheet metal stamping; Гальванические покрытия",
        "materials": "Low-carbon sheet steel",
        "annual volume": "120 000",
        "unit": "шт",
        "SOP date": f"01.03.{FAR}",
        "required certifications": "IATF 16949, ISO 14001",
    }
    values.update({k.replace("_", " "): v for k, v in cells.items()})
    return [values[h] for h in NEED_HEADER]


def test_need_import_adds_and_updates_by_part_number(app) -> None:
    with app.app_context():
        day = factories.day(db.session)
        existing = factories.need(db.session, day, part_number="8450-002", part_name="Старое")
        db.session.commit()
        day_id, existing_id = day.id, existing.id
    rows = [
        need_row(),
        need_row(
            part_name="Втулка",
            part_number="8450-002",
            unit="kg",
            annual_volume=5000,
            description="",
            SOP_date="2029-01-15",
        ),
    ]
    report = import_needs(app, day_id, csv_bytes(rows, NEED_HEADER, ";"))
    assert report.written and (report.added, report.updated) == (1, 1), report.problems
    with app.app_context():
        needs = {n.part_number: n for n in db.session.scalars(select(Need))}
        assert set(needs) == {"8450-001", "8450-002"}
        new = needs["8450-001"]
        assert new.annual_volume == 120000 and new.unit == "pcs"
        assert new.sop_date == dt.date(FAR, 3, 1)
        assert new.required_certifications == ["IATF 16949", "ISO 14001"]
        assert {p.code for p in new.processes} == {"sheet_stamping", "electroplating"}
        updated = needs["8450-002"]
        assert updated.id == existing_id and updated.part_name == "Втулка"
        assert (updated.unit, updated.annual_volume) == ("kg", 5000)
        assert updated.sop_date == dt.date(2029, 1, 15)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "needs.imported"))
        assert entry is not None and entry.object_id == day_id
    again = import_needs(app, day_id, xlsx_bytes(rows, NEED_HEADER), "needs.xlsx")
    assert (again.added, again.updated) == (0, 2) and count(app, Need) == 2


def test_need_rows_are_checked_and_nothing_is_written(app) -> None:
    with app.app_context():
        day_id = factories.day(db.session).id
        db.session.commit()
    rows = [
        need_row(),  # 2
        need_row(part_name="", part_number="A-1"),  # 3
        need_row(part_number="A-2", unit="вёдра"),  # 4
        need_row(part_number="A-3", SOP_date="весной"),  # 5
        need_row(part_number="A-4", annual_volume="-1"),  # 6
        need_row(part_number="A-5", required_certifications="ISO 9001, GOST 1"),  # 7
        need_row(part_number="A-6", processes="Вязание"),  # 8
        need_row(),  # 9: the part number of line 2 again
    ]
    report = import_needs(app, day_id, csv_bytes(rows, NEED_HEADER))
    assert [(p.line, p.column) for p in report.problems] == [
        (3, "part name"),
        (4, "unit"),
        (5, "SOP date"),
        (6, "annual volume"),
        (7, "required certifications"),
        (8, "processes"),
        (9, "part number"),
    ]
    assert not report.written and count(app, Need) == 0
    dry = import_needs(app, day_id, csv_bytes([need_row()], NEED_HEADER), dry_run=True)
    assert dry.ok and dry.added == 1 and count(app, Need) == 0


def test_buyer_imports_needs_of_its_own_days_only(app, client, login_as) -> None:
    with app.app_context():
        own, other = factories.buyer(db.session), factories.buyer(db.session)
        own_day = factories.day(db.session, own)
        other_day = factories.day(db.session, other)
        buyer = factories.user(db.session, Role.BUYER, buyer_org=own)
        db.session.commit()
        own_id, other_id = own_day.id, other_day.id
    login_as(user=buyer)
    page = client.get(f"/days/{own_id}/import")
    assert page.status_code == 200 and "Import needs" in page.get_data(as_text=True)
    detail = client.get(f"/days/{own_id}").get_data(as_text=True)
    assert f'href="/days/{own_id}/import"' in detail
    answer = upload(client, f"/days/{own_id}/import", csv_bytes([need_row()], NEED_HEADER), "n.csv")
    assert "1 added, 0 updated" in answer.get_data(as_text=True)
    assert client.get(f"/days/{other_id}/import").status_code == 404
    refused = upload(
        client, f"/days/{other_id}/import", csv_bytes([need_row()], NEED_HEADER), "n.csv"
    )
    assert refused.status_code == 404
    with app.app_context():
        assert [n.supplier_day_id for n in db.session.scalars(select(Need))] == [own_id]
    login_as(Role.SUPPLIER)
    assert client.get(f"/days/{own_id}/import").status_code == 403


# --- the command line ------------------------------------------------------------------------


def test_cli_import_suppliers_exit_status_and_report(app, runner, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(), row(name="ООО «Второй»", INN=inn10("632700001"))]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([row(INN=inn10("632700002")), row(region="", INN="123")]))

    dry = runner.invoke(args=["import-suppliers", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would add 2, updated 0, sent 0 to review. Dry run" in dry.output
    assert count(app, Supplier) == 0

    done = runner.invoke(args=["import-suppliers", str(good)])
    assert done.exit_code == 0 and "Added 2, updated 0" in done.output
    assert count(app, Supplier) == 2

    refused = runner.invoke(args=["import-suppliers", str(bad)])
    assert refused.exit_code == 1
    assert "line 3, region: Required: write the region." in refused.output
    assert "line 3, INN:" in refused.output and "Nothing was written" in refused.output
    assert count(app, Supplier) == 2

    partial = runner.invoke(args=["import-suppliers", str(bad), "--skip-invalid"])
    assert partial.exit_code == 1 and "Skipped 1 rows" in partial.output
    assert count(app, Supplier) == 3

    unreadable = tmp_path / "empty.csv"
    unreadable.write_bytes(b"")
    empty = runner.invoke(args=["import-suppliers", str(unreadable)])
    assert empty.exit_code == 1 and "The file is empty." in empty.output
    assert runner.invoke(args=["import-suppliers"]).exit_code == 2


def test_cli_templates_open_in_csv_and_openpyxl(app, runner, tmp_path: Path) -> None:
    for kind, columns in (("suppliers", SUPPLIER_COLUMNS), ("needs", NEED_COLUMNS)):
        for fmt in ("csv", "xlsx"):
            out = tmp_path / f"{kind}.{fmt}"
            result = runner.invoke(args=[f"import-{kind}", "--template", str(out)])
            assert result.exit_code == 0, result.output
            _template_round_trip(out.read_bytes(), fmt, [c.header for c in columns])
    russian = tmp_path / "ru.csv"
    runner.invoke(args=["import-suppliers", "--template", str(russian), "--language", "ru"])
    assert next(csv.reader(io.StringIO(russian.read_text("utf-8-sig"))))[:2] == ["Название", "ИНН"]
    wrong = runner.invoke(args=["import-suppliers", "--template", str(tmp_path / "t.ods")])
    assert wrong.exit_code == 1 and ".csv or .xlsx" in wrong.output


def test_cli_import_needs(app, runner, tmp_path: Path) -> None:
    with app.app_context():
        day_id = factories.day(db.session).id
        db.session.commit()
    file = tmp_path / "needs.csv"
    file.write_bytes(csv_bytes([need_row(), need_row(part_number="X-2")], NEED_HEADER))
    done = runner.invoke(args=["import-needs", str(day_id), str(file)])
    assert done.exit_code == 0 and "Added 2, updated 0" in done.output, done.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([need_row(unit="бочки")], NEED_HEADER))
    refused = runner.invoke(args=["import-needs", str(day_id), str(bad)])
    assert refused.exit_code == 1 and "line 2, unit: Unknown unit" in refused.output
    missing = runner.invoke(args=["import-needs", "9999", str(file)])
    assert missing.exit_code == 1 and "There is no Supplier Day 9999." in missing.output
    assert count(app, Need) == 2


def test_names_with_other_numbers_are_other_companies(app) -> None:
    with app.app_context():
        factories.supplier(db.session, "ООО «Литейный завод № 1»", inn=None)
        db.session.commit()
    rows = [
        row(name="ООО «Литейный завод № 2»", INN=""),
        row(name="АО Литейный завод №1", INN="", region="Ульяновская область"),
    ]
    report = import_suppliers(app, csv_bytes(rows))
    assert (report.added, report.to_review) == (1, 1)
    with app.app_context():
        review = db.session.scalar(select(ImportReview))
        assert review.row["name"] == "АО Литейный завод №1"


def test_a_race_for_an_inn_writes_nothing(app, monkeypatch) -> None:
    planned = services._plan_suppliers

    def plan_then_lose_the_race(session, rows):
        plan = planned(session, rows)
        session.add(Supplier(name="ООО «Быстрее»", inn=rows[0].inn, region="Самарская область"))
        session.flush()
        return plan

    monkeypatch.setattr(services, "_plan_suppliers", plan_then_lose_the_race)
    report = import_suppliers(app, csv_bytes([row()]))
    assert "changed while the file was imported" in report.file_problem
    assert not report.written and report.added == 0
    assert count(app, Supplier) == 0 and count(app, AuditEntry) == 0
