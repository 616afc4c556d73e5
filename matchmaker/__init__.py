"""matchmaker: supplier-localization matchmaking for industrial clusters."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from matchmaker.config import DEV_SECRET_KEY, Config, load_environment, normalize_database_url

__version__ = "0.1.0"

TEMPLATE_FOLDER = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, error pages."""
    app = Flask(
        __name__,
        template_folder=str(TEMPLATE_FOLDER),
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    app.config.update(load_environment())
    if test_config is not None:
        app.config.update(test_config)
    _finish_config(app)

    from matchmaker import extensions, web
    from matchmaker.shortlists import cache

    extensions.init_app(app)
    cache.init_app(app)
    web.register(app)

    from matchmaker.cli import register_commands

    register_commands(app)
    return app


def _finish_config(app: Flask) -> None:
    if app.config.get("ENV_NAME") == "production" and app.config["SECRET_KEY"] in (
        DEV_SECRET_KEY,
        "",
        None,
    ):
        raise RuntimeError(
            "Refusing to start in production without a SECRET_KEY: "
            "set MATCHMAKER_SECRET_KEY to a long random string."
        )
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        database = Path(app.instance_path) / "matchmaker.db"
        uri = f"sqlite:///{database}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(str(uri))
