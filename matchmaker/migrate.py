"""Alembic configuration for an app, used by ``matchmaker init`` and the tests."""

from __future__ import annotations

from alembic.config import Config as AlembicConfig
from flask import Flask

from matchmaker.config import REPO_ROOT


def alembic_config(app: Flask) -> AlembicConfig:
    config = AlembicConfig(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", app.config["MIGRATIONS_DIR"])
    # Percent signs in passwords would otherwise be read as interpolation.
    config.set_main_option(
        "sqlalchemy.url", app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%")
    )
    config.attributes["flask_app"] = app
    return config
