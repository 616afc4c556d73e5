"""The front page: a welcome for visitors, each role's home for users."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.models import Role, User

bp = Blueprint("main", __name__)


def home_for(user: User) -> str:
    """The page a user lands on after logging in."""
    if user.role == Role.STAFF.value:
        return url_for("staff.dashboard")
    if user.role == Role.BUYER.value:
        return url_for("buyers.home")
    return url_for("suppliers.home")


@bp.get("/")
def index() -> Response | str:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("main/index.html")
