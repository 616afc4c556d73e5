"""Fixtures: a new app and a new database for every test.

The database is a SQLite file under ``tmp_path``, or, when ``TEST_DATABASE_URL`` is
set, a fresh schema in that PostgreSQL database, dropped after the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from matchmaker import create_app, seed
from matchmaker.extensions import db
from matchmaker.models import Role, User
from tests import factories

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def database_url(tmp_path: Path) -> tuple[str, Callable[[], None]]:
    """A URL of an empty database for one test, and how to throw it away."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'test.db'}", lambda: None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = sa.engine.make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return scoped.render_as_string(hide_password=False), drop


def make_app(tmp_path: Path, **overrides: Any) -> tuple[Flask, Callable[[], None]]:
    url, drop = database_url(tmp_path)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # E-mail notices go to .eml files; keep them out of the repository's instance folder.
        "MAIL_FOLDER": str(tmp_path / "mail"),
    }
    config.update(overrides)
    return create_app(config), drop


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Overrides a test module can set for its app (e.g. CSRF on)."""
    return {}


@pytest.fixture
def app(tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    application, drop = make_app(tmp_path, **app_config)
    with application.app_context():
        db.create_all()
        seed.load_reference(db.session, Path(application.config["SEED_DIR"]))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    """The app's database session, inside an app context."""
    with app.app_context():
        yield db.session()


@pytest.fixture
def login_as(app: Flask, client: FlaskClient) -> Callable[..., User]:
    """Log the test client in as a new user of ``role`` (or as ``user``)."""

    def login(role: Role | str | None = None, user: User | None = None, **kwargs: Any) -> User:
        with app.app_context():
            if user is None:
                user = factories.user(db.session, Role(role), **kwargs)
                db.session.commit()
            else:
                user = db.session.merge(user)
            user_id = user.get_id()
            db.session.expunge(user)
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = user_id
            flask_session["_fresh"] = True
        return user

    return login
