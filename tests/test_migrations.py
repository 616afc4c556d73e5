"""Alembic revisions produce exactly the models' schema, and undo cleanly."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from matchmaker.cli import upgrade_database
from matchmaker.db import Base
from matchmaker.extensions import db
from matchmaker.migrate import alembic_config
from tests.conftest import make_app


def test_upgrade_gives_the_models_schema_and_downgrade_empties(tmp_path: Path) -> None:
    app, drop = make_app(tmp_path)
    try:
        with app.app_context():
            upgrade_database(app)
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection,
                    opts={"compare_type": True, "render_as_batch": True},
                )
                differences = compare_metadata(context, Base.metadata)
                tables = set(sa.inspect(connection).get_table_names())
            assert differences == []
            assert set(Base.metadata.tables) <= tables

            command.downgrade(alembic_config(app), "base")
            with db.engine.connect() as connection:
                left = set(sa.inspect(connection).get_table_names())
            assert left <= {"alembic_version"}

            upgrade_database(app)  # and up again, as a fresh install would
            with db.engine.connect() as connection:
                assert set(Base.metadata.tables) <= set(sa.inspect(connection).get_table_names())
            db.engine.dispose()
    finally:
        drop()
