"""The ``send-mail`` command: deliver e-mail notices that are still waiting."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from matchmaker.notices import delivery


@click.command("send-mail")
@with_appcontext
@click.option(
    "--limit", type=click.IntRange(min=1), default=500, show_default=True, help="Most to send."
)
def send_mail_command(limit: int) -> None:
    """Send e-mail notices that are waiting, retrying the ones that failed before.

    Exits with status 1 when some could not be sent (they stay queued for the next run).
    """
    from matchmaker.extensions import db

    settings = delivery.MailSettings.from_app(current_app)
    report = delivery.deliver(
        db.session(),
        settings,
        limit=limit,
        max_attempts=int(current_app.config.get("MAIL_MAX_ATTEMPTS") or 8),
    )
    click.echo(f"Sent {report.sent} messages to {report.destination}; {report.failed} failed.")
    if report.failed:
        raise click.exceptions.Exit(1)
