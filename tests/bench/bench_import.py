"""Benchmark the supplier import on 10,000 rows, from CSV and from XLSX.

Run as ``.venv/bin/python tests/bench/bench_import.py`` (``make bench``). It writes a
realistic supplier list with a fixed seed (Russian company names and descriptions,
valid INNs, one row in ten without an INN, processes and materials from the taxonomy,
certificates in the documented cell syntax) as CSV (Windows-1251, semicolons) and as
XLSX into a temporary folder. Each import runs on a new SQLite database migrated with
the project's own migration helper and loaded with the reference data.

Printed per scenario: seconds, and what the import did. The issue's target is under
30 s for 10,000 rows; this script reports and does not assert.
"""

from __future__ import annotations

import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import openpyxl
from sqlalchemy import func, select

from matchmaker import create_app, seed, taxonomy
from matchmaker.cli import upgrade_database
from matchmaker.extensions import db
from matchmaker.imports import services
from matchmaker.imports.columns import SUPPLIER_COLUMNS
from matchmaker.models import Certification, Supplier

SEED = 2020
ROWS = 10_000
TARGET_S = 30.0
SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"

FORMS = ["ООО", "АО", "ПАО", "ЗАО", "ИП", "ООО НПП", "ООО ПКФ"]
STEMS = [
    "Волга",
    "Жигули",
    "Урал",
    "Кама",
    "Сура",
    "Самара",
    "Техно",
    "Метал",
    "Пласт",
    "Авто",
    "Пром",
    "Спец",
    "Энерго",
    "Литмаш",
    "Резино",
    "Электро",
    "Агрегат",
    "Кузов",
    "Привод",
    "Штамп",
]
KINDS = ["завод", "комбинат", "производство", "мастерские", "компания", "предприятие", "цех"]
REGIONS = [
    ("Самарская область", ["Тольятти", "Самара", "Сызрань", "Новокуйбышевск", "Чапаевск"]),
    ("Ульяновская область", ["Ульяновск", "Димитровград"]),
    ("Нижегородская область", ["Нижний Новгород", "Дзержинск", "Павлово", "Арзамас"]),
    ("Республика Татарстан", ["Набережные Челны", "Казань", "Елабуга", "Зеленодольск"]),
    ("Калужская область", ["Калуга", "Обнинск", "Людиново"]),
    ("Пензенская область", ["Пенза", "Кузнецк"]),
    ("Владимирская область", ["Владимир", "Ковров", "Муром"]),
]
PHRASES = [
    "для автомобильной промышленности",
    "серийное производство от 1000 шт.",
    "собственный инструментальный участок",
    "контроль на КИМ, протоколы PPAP",
    "поставки на АвтоВАЗ и ПСМА Рус",
    "работаем по чертежам заказчика",
    "участок термообработки и покрытия",
    "склад ответственного хранения",
]
STANDARDS = ["IATF 16949", "ISO 9001", "ISO 14001", "ГОСТ Р ИСО 9001", "VDA 6.3", "ISO 45001"]


def inn10(body: str) -> str:
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return body + str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)


def supplier_rows(
    processes: list[tuple[str, str]], materials: list[tuple[str, str]], start: int = 0
) -> list[list[Any]]:
    """``ROWS`` rows in the template's column order; the same seed gives the same rows."""
    rng = random.Random(SEED + start)
    year = time.localtime().tm_year + 3
    rows = []
    for number in range(start, start + ROWS):
        region, cities = rng.choice(REGIONS)
        name = (
            f"{rng.choice(FORMS)} «{rng.choice(STEMS)}{rng.choice(STEMS).lower()} "
            f"{rng.choice(KINDS)} {number + 1}»"
        )
        chosen = rng.sample(processes, rng.randint(1, 4))
        picked = rng.sample(materials, rng.randint(1, 3))
        certificates = [
            f"{standard} № {rng.randint(10000, 99999)} до "
            + (
                f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year}"
                if rng.random() < 0.5
                else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            )
            for standard in rng.sample(STANDARDS, rng.randint(0, 2))
        ]
        description = (
            f"{chosen[0][1].capitalize()} и {chosen[-1][1].lower()}; "
            f"материалы: {', '.join(m[1] for m in picked)}. "
            + "; ".join(rng.sample(PHRASES, 3))
            + "."
        )
        rows.append(
            [
                name,
                inn10(f"{rng.choice(['63', '73', '52', '16', '40'])}{number:07d}")
                if number % 10
                else "",
                region,
                rng.choice(cities),
                f"sales{number}@zavod.example",
                f"zavod{number}.example",
                rng.randint(5, 5000),
                description,
                "Кронштейны, корпуса, втулки",
                "АвтоВАЗ, КАМАЗ",
                "; ".join(p[rng.randint(0, 1)] for p in chosen),
                "; ".join(m[rng.randint(0, 1)] for m in picked),
                "; ".join(certificates),
            ]
        )
    return rows


def header() -> list[str]:
    return [c.header_ru for c in SUPPLIER_COLUMNS]


def write_csv(rows: list[list[Any]], path: Path) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header())
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode("cp1251"))


def write_xlsx(rows: list[list[Any]], path: Path) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Поставщики")
    sheet.append(header())
    for values in rows:
        sheet.append(values)
    workbook.save(path)


def fresh_app(folder: Path, name: str) -> Any:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / name}.db", "SECRET_KEY": "bench"}
    )
    upgrade_database(app)
    with app.app_context():
        seed.load_reference(db.session, SEED_DIR)
        db.session.commit()
    return app


def timed(app: Any, path: Path) -> tuple[float, services.ImportReport]:
    codes = [s.code for s in taxonomy.standards(SEED_DIR)]
    with app.app_context():
        started = time.perf_counter()
        report = services.import_suppliers(
            db.session(), None, path.read_bytes(), path.name, standards=codes
        )
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, report


def counts(app: Any) -> tuple[int, int]:
    with app.app_context():
        suppliers = db.session.scalar(select(func.count(Supplier.id))) or 0
        certificates = db.session.scalar(select(func.count(Certification.id))) or 0
        db.session.remove()
    return suppliers, certificates


def line(label: str, seconds: float, report: services.ImportReport, app: Any) -> None:
    suppliers, certificates = counts(app)
    status = "ok" if report.ok else f"{len(report.problems)} problems"
    print(
        f"{label:<44}{seconds:>8.2f} s   added {report.added:>5}  updated {report.updated:>5}  "
        f"review {report.to_review:>5}  [{status}; {suppliers} suppliers, "
        f"{certificates} certificates in the database]"
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as name:
        folder = Path(name)
        probe = fresh_app(folder, "probe")
        with probe.app_context():
            from matchmaker.models import Material, Process

            processes = [(p.name_en, p.name_ru) for p in db.session.scalars(select(Process))]
            materials = [(m.name_en, m.name_ru) for m in db.session.scalars(select(Material))]
            db.session.remove()
        rows = supplier_rows(processes, materials)
        others = supplier_rows(processes, materials, start=ROWS)
        for row in others:
            row[1] = ""  # a second list of companies without INNs
        for index in range(0, ROWS, 20):
            # One in twenty is a company of the first list written another way.
            form, rest = rows[index][0].split(" «", 1)
            others[index][0] = f"{rest.rstrip('»').upper()}, {'АО' if form == 'ООО' else 'ООО'}"
        csv_path, xlsx_path = folder / "suppliers.csv", folder / "suppliers.xlsx"
        others_path = folder / "no-inn.xlsx"
        write_csv(rows, csv_path)
        write_xlsx(rows, xlsx_path)
        write_xlsx(others, others_path)
        print(
            f"{ROWS} rows: CSV {csv_path.stat().st_size / 1e6:.1f} MB (Windows-1251, ';'), "
            f"XLSX {xlsx_path.stat().st_size / 1e6:.1f} MB; target under {TARGET_S:.0f} s each"
        )

        csv_app = fresh_app(folder, "csv")
        seconds, report = timed(csv_app, csv_path)
        line("CSV into an empty catalogue", seconds, report, csv_app)
        worst = seconds

        xlsx_app = fresh_app(folder, "xlsx")
        seconds, report = timed(xlsx_app, xlsx_path)
        line("XLSX into an empty catalogue", seconds, report, xlsx_app)
        worst = max(worst, seconds)
        seconds, report = timed(xlsx_app, xlsx_path)
        line("the same XLSX again (every row an update)", seconds, report, xlsx_app)
        worst = max(worst, seconds)
        seconds, report = timed(xlsx_app, others_path)
        line("XLSX without INNs, names vs 10,000 known", seconds, report, xlsx_app)
        worst = max(worst, seconds)
        print(f"slowest: {worst:.2f} s ({'within' if worst < TARGET_S else 'OVER'} target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
