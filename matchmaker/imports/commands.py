"""The ``import-suppliers`` and ``import-needs`` commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from matchmaker import taxonomy
from matchmaker.imports import services
from matchmaker.imports.services import ImportReport


def _standard_codes() -> list[str]:
    return [s.code for s in taxonomy.standards(current_app.config["SEED_DIR"])]


class _Progress:
    """A progress bar on standard error, opened when the row count is known."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __enter__(self) -> _Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, trace)


def _write_template(kind: str, out: Path, language: str) -> None:
    from matchmaker.extensions import db

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise click.ClickException("The template file must end in .csv or .xlsx.")
    out.write_bytes(services.template(db.session(), kind, fmt, _standard_codes(), language))
    click.echo(f"Wrote the {kind} template to {out}.")


def _print_report(report: ImportReport) -> None:
    """Print the summary and every problem; exit 1 when anything was refused."""
    if report.file_problem:
        raise click.ClickException(f"{report.source}: {report.file_problem}")
    click.echo(f"{report.source}: {report.rows} data rows read.")
    if report.ignored_columns:
        click.echo(f"Columns not read: {', '.join(report.ignored_columns)}.")
    for problem in report.problems:
        click.echo(f"  line {problem.line}, {problem.column}: {problem.message}")
    if report.problems and not report.skip_invalid:
        click.echo(
            f"Nothing was written: {report.rejected_rows} of {report.rows} rows have problems."
        )
    else:
        verb = "Would add" if report.dry_run else "Added"
        click.echo(
            f"{verb} {report.added}, updated {report.updated}, "
            f"sent {report.to_review} to review"
            + (f" ({report.already_in_review} already waiting)" if report.already_in_review else "")
            + "."
            + (" Dry run: nothing was written." if report.dry_run else "")
        )
        if report.problems:
            click.echo(f"Skipped {report.rejected_rows} rows with problems.")
    if report.problems:
        click.get_current_context().exit(1)


def _import_options(command: Callable[..., None]) -> Callable[..., None]:
    """The FILE argument and the options both import commands take."""
    decorators = (
        click.argument(
            "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
        ),
        click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing."),
        click.option(
            "--skip-invalid", is_flag=True, help="Write the valid rows even when some are refused."
        ),
        click.option(
            "--template",
            "template_out",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write a blank template to OUT.csv or OUT.xlsx instead of importing.",
        ),
        click.option(
            "--language",
            type=click.Choice(["en", "ru"]),
            default="en",
            show_default=True,
            help="Column names in the template.",
        ),
    )
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


@click.command("import-suppliers")
@with_appcontext
@_import_options
def import_suppliers_command(
    file: Path | None, dry_run: bool, skip_invalid: bool, template_out: Path | None, language: str
) -> None:
    """Import suppliers from a CSV or XLSX FILE (all or nothing unless --skip-invalid)."""
    from matchmaker.extensions import db

    if template_out is not None:
        _write_template("suppliers", template_out, language)
        return
    if file is None:
        raise click.UsageError("Give the FILE to import, or --template OUT.csv|OUT.xlsx.")
    with _Progress("Checking rows") as progress:
        report = services.import_suppliers(
            db.session(),
            None,
            file.read_bytes(),
            file.name,
            standards=_standard_codes(),
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
        )
    _print_report(report)


@click.command("import-needs")
@with_appcontext
@click.argument("day_id", required=False, type=int)
@_import_options
def import_needs_command(
    day_id: int | None,
    file: Path | None,
    dry_run: bool,
    skip_invalid: bool,
    template_out: Path | None,
    language: str,
) -> None:
    """Import the needs of Supplier Day DAY_ID from a CSV or XLSX FILE."""
    from matchmaker.errors import NotFound
    from matchmaker.extensions import db

    if template_out is not None:
        _write_template("needs", template_out, language)
        return
    if day_id is None or file is None:
        raise click.UsageError("Give DAY_ID and FILE, or --template OUT.csv|OUT.xlsx.")
    try:
        with _Progress("Checking rows") as progress:
            report = services.import_needs(
                db.session(),
                None,
                day_id,
                file.read_bytes(),
                file.name,
                standards=_standard_codes(),
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=progress,
            )
    except NotFound as error:
        raise click.ClickException(f"There is no Supplier Day {day_id}.") from error
    if report.written:
        from matchmaker.models import SupplierDay
        from matchmaker.notices import fits
        from matchmaker.shortlists.cache import index_cache

        day = db.session.get(SupplierDay, day_id)
        if day is not None:
            fits.announce_after_change(db.session(), index_cache(), list(day.needs))
    _print_report(report)
