"""Configuration: defaults, then ``MATCHMAKER_*`` environment variables, then test config."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class Config:
    """Defaults suitable for development on one machine."""

    ENV_NAME = "development"
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled from DATABASE_URL or the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 15_000
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch still submits
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Samara"
    LANGUAGES = ("en", "ru")
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "translations")
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    SEED_DIR = str(REPO_ROOT / "seed_data")
    MIGRATIONS_DIR = str(REPO_ROOT / "migrations")
    TIMEZONE = "Europe/Samara"
    MEETING_REQUEST_TTL_HOURS = 72  # unanswered meeting requests lapse after this
    MATCH_LIMIT = 50  # ranked suppliers kept per need; near misses are kept in addition
    IMPORT_MAX_BYTES = 20 * 1024 * 1024  # largest supplier or need file the import pages take
    # Reports: a supplier qualifies for a need when it passes every gate (not a near
    # miss) with at least this score. On the demo data ranked scores sit at 0.66–1.0
    # with a thin tail of weak fits at 0.48–0.49 (foundries offered a turned spindle).
    QUALIFIED_SCORE = 0.5
    # E-mail notices. With no MAIL_SERVER, messages are written as .eml files to
    # MAIL_FOLDER (default: <instance>/mail) so that nothing is sent by accident.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS on a plain connection (usually port 587)
    MAIL_USE_SSL = False  # TLS from the first byte (usually port 465)
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "matchmaker <noreply@localhost>"
    MAIL_TIMEOUT = 10  # seconds per SMTP connection
    MAIL_FOLDER: str | None = None
    MAIL_INLINE_LIMIT = 20  # sent right after the request; the rest wait for send-mail
    MAIL_MAX_ATTEMPTS = 8  # send-mail gives up on a message after this many failures
    # Links to set a password (an invitation, a reset) work this long, and only once.
    PASSWORD_LINK_HOURS = 48
    PUBLIC_URL = ""  # e.g. https://matchmaker.cluster.example, for links in e-mails
    NOTICE_FIT_MIN_SCORE = 0.6  # "a new need fits you" goes to ranked suppliers at or above


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` and ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _parse_env_value(raw: str) -> Any:
    # JSON lets operators set numbers and booleans (MATCHMAKER_MATCH_LIMIT=100); anything
    # that is not JSON is taken as a plain string.
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def environment_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Collect ``MATCHMAKER_*`` variables and ``DATABASE_URL`` as config keys."""
    overrides: dict[str, Any] = {}
    for key, raw in environ.items():
        if key.startswith("MATCHMAKER_") and len(key) > len("MATCHMAKER_"):
            overrides[key.removeprefix("MATCHMAKER_")] = _parse_env_value(raw)
    if environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    return overrides


def load_environment() -> dict[str, Any]:
    return environment_overrides(os.environ)
