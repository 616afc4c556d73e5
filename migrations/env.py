"""Alembic environment wired to matchmaker's models and configuration."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from matchmaker import models  # noqa: F401  (registers every table on the metadata)
from matchmaker.db import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    app = config.attributes.get("flask_app")
    if app is None:
        from matchmaker import create_app

        app = create_app()
    return str(app.config["SQLALCHEMY_DATABASE_URI"])


def run_migrations_offline() -> None:
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    section = config.get_section(config.config_ini_section, {})
    section["sqlalchemy.url"] = _database_url()
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
