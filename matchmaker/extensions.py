"""Flask extensions, created unbound and bound to an app in ``create_app``."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import Babel, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from matchmaker.db import Base, configure_engine

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _select_locale() -> str | None:
    from flask import current_app, g, has_request_context, request

    if not has_request_context():  # the CLI speaks the default language
        return None
    languages = current_app.config["LANGUAGES"]
    # Read the user only once Flask-Login has loaded it: loading it may itself need a
    # translated message, which would ask for the locale again.
    user = g.get("_login_user")
    if user is not None and user.is_authenticated and user.locale in languages:
        return str(user.locale)
    return request.accept_languages.best_match(languages)


def init_app(app: Flask) -> None:
    """Bind every extension to ``app``; nothing here touches the database."""
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)


def _load_user(user_id: str) -> Any:
    from matchmaker.models import User

    raw_id, _, raw_version = user_id.partition(":")
    if not raw_id.isdigit() or not raw_version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_version != int(raw_version) or not user.active:
        return None
    return user
