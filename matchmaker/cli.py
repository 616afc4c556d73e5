"""The ``matchmaker`` command: Flask's CLI plus the project's own commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from matchmaker.models import Role


def _create_app() -> Flask:
    from matchmaker import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Supplier-localization matchmaking: Supplier Days, ranked shortlists, meetings."""


def _seed_dir() -> Path:
    return Path(current_app.config["SEED_DIR"])


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Migrate the app's database to ``revision`` with Alembic."""
    from alembic import command

    from matchmaker.migrate import alembic_config

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(app), revision)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or migrate the database to the newest schema."""
    upgrade_database(current_app)
    click.echo("Database is at the newest schema.")


@click.command("seed")
@with_appcontext
@click.option("--demo", is_flag=True, help="Also load demo suppliers, days, needs and accounts.")
def seed_command(demo: bool) -> None:
    """Load the taxonomy and buyers (and with --demo, the demo data)."""
    from matchmaker import seed
    from matchmaker.extensions import db

    report = (seed.load_demo if demo else seed.load_reference)(db.session(), _seed_dir())
    click.echo(
        f"Loaded {report.processes} processes, {report.materials} materials, "
        f"{report.buyers} buyers."
    )
    if demo:
        click.echo(
            f"Loaded {report.suppliers} suppliers, {report.days} Supplier Days, "
            f"{report.needs} needs, {report.meetings} meetings."
        )
        click.echo(f"Demo accounts (password: {seed.DEMO_PASSWORD}):")
        for role, email, org in report.accounts:
            click.echo(f"  {role:<9} {email:<40} {org}")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--buyer", "buyer_name", help="The buyer organisation (for --role buyer).")
@click.option("--supplier-id", type=int, help="The supplier company id (for --role supplier).")
@click.option("--name", default="", help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    email: str,
    role: str,
    buyer_name: str | None,
    supplier_id: int | None,
    name: str,
    password_stdin: bool,
) -> None:
    """Create a login account."""
    from matchmaker.auth import services
    from matchmaker.errors import FieldError
    from matchmaker.extensions import db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = services.NewUser(
        email=email,
        role=Role(role),
        password=password,
        name=name,
        buyer_name=buyer_name,
        supplier_id=supplier_id,
    )
    try:
        user = services.create_user(db.session(), None, data)
    except FieldError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error.message}") from error
    click.echo(f"Created {user.role} {user.email}.")


@click.command("match")
@with_appcontext
@click.option("--day", "day_id", type=int, help="Only the needs of this Supplier Day.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes sharing the ranking (for large catalogues; e.g. the number of cores).",
)
def match_command(day_id: int | None, workers: int) -> None:
    """Recompute the rankings of every need (or of one day's needs)."""
    from matchmaker.extensions import db
    from matchmaker.models import SupplierDay
    from matchmaker.shortlists import services
    from matchmaker.shortlists.cache import index_cache

    if day_id is not None and db.session.get(SupplierDay, day_id) is None:
        raise click.ClickException(f"There is no Supplier Day {day_id}.")
    count = services.rank_all(db.session(), index_cache(), day_id, workers=workers)
    click.echo(f"Ranked suppliers for {count} needs.")


@click.command("eval")
@with_appcontext
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_command(directory: Path, as_json: bool) -> None:
    """Measure the matcher on a graded set (suppliers.jsonl, needs.jsonl, qrels.tsv)."""
    from matchmaker.matching import load_glossary
    from matchmaker.matching.evaluation import evaluate, format_report

    for name in ("suppliers.jsonl", "needs.jsonl", "qrels.tsv"):
        if not (directory / name).is_file():
            raise click.ClickException(f"{directory} has no {name}.")
    result = evaluate(directory, load_glossary(_seed_dir() / "glossary.json"))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(result))


@click.command("schedule")
@with_appcontext
@click.argument("day_id", type=int)
def schedule_command(day_id: int) -> None:
    """Seat the agreed meetings of a Supplier Day (locked meetings stay put)."""
    from matchmaker.errors import FieldError, NotFound
    from matchmaker.extensions import db
    from matchmaker.meetings import services

    try:
        report = services.run_scheduler(db.session(), None, day_id)
    except NotFound as error:
        raise click.ClickException(f"There is no Supplier Day {day_id}.") from error
    except FieldError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"Placed {report.placed} meetings; {len(report.unplaced)} unplaced.")
    for meeting, reason in report.unplaced:
        click.echo(f"  unplaced: {meeting.supplier.name}: {reason}")
    click.echo(f"Idle gaps between suppliers' meetings: {report.idle_gaps}.")


@click.command("agenda")
@with_appcontext
@click.argument("day_id", type=int)
@click.option(
    "--format",
    "output",
    type=click.Choice(["json", "csv", "ics"]),
    default="json",
    show_default=True,
)
@click.option("--supplier", "supplier_id", type=int, help="Only this supplier's meetings.")
@click.option("--buyer", "buyer_id", type=int, help="Only if the day belongs to this buyer.")
def agenda_command(day_id: int, output: str, supplier_id: int | None, buyer_id: int | None) -> None:
    """Export a Supplier Day's meeting grid as JSON, CSV or iCalendar."""
    from matchmaker.extensions import db
    from matchmaker.meetings import export, services
    from matchmaker.models import SupplierDay

    day = db.session.get(SupplierDay, day_id)
    if day is None:
        raise click.ClickException(f"There is no Supplier Day {day_id}.")
    if buyer_id is not None and day.buyer_id != buyer_id:
        raise click.ClickException(f"Supplier Day {day_id} is not a day of buyer {buyer_id}.")
    items = services.agenda_items(db.session(), day, supplier_id=supplier_id)
    if output == "json":
        click.echo(json.dumps(export.to_rows(items), indent=2, ensure_ascii=False))
    elif output == "csv":
        click.echo(export.to_csv(items), nl=False)
    else:
        click.echo(export.to_ics(items, f"{day.buyer.name} — {day.title}"), nl=False)


def register_commands(app: Flask) -> None:
    from matchmaker.imports.commands import import_needs_command, import_suppliers_command
    from matchmaker.notices.cli import send_mail_command

    for command in (
        import_suppliers_command,
        import_needs_command,
        send_mail_command,
        schedule_command,
        agenda_command,
        init_command,
        seed_command,
        create_user_command,
        match_command,
        eval_command,
    ):
        app.cli.add_command(command)
