"""Log in, log out, register a supplier company, manage one's account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from matchmaker.auth import services
from matchmaker.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LocaleForm,
    LoginForm,
    RegistrationForm,
    SetPasswordForm,
)
from matchmaker.errors import FieldError
from matchmaker.extensions import db, limiter
from matchmaker.forms import EmptyForm, apply_field_error
from matchmaker.main.views import home_for

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session(), form.email.data or "", form.password.data or "")
        if user is None:
            form.form_errors.append(_("Wrong e-mail or password."))
        else:
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response | str:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegistrationForm()
    if form.validate_on_submit():
        data = services.SupplierRegistration(
            company_name=form.company_name.data or "",
            inn=form.inn.data or "",
            region=form.region.data or "",
            city=form.city.data or "",
            contact_name=form.contact_name.data or "",
            email=form.email.data or "",
            password=form.password.data or "",
        )
        try:
            user = services.register_supplier(db.session(), data)
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            login_user(user)
            flash(
                _(
                    "Your company is registered. Fill in your capability profile; "
                    "cluster staff will verify it."
                ),
                "success",
            )
            return redirect(url_for("suppliers.profile"))
    return render_template("auth/register.html", form=form)


@bp.get("/account")
@login_required
def account() -> str:
    return _account_page(ChangePasswordForm(), LocaleForm(locale=current_user.locale))


def _account_page(form: ChangePasswordForm, locale_form: LocaleForm) -> str:
    token = current_user.feed_token
    feed_url = url_for("calendar.feed", token=token, _external=True) if token else None
    return render_template(
        "auth/account.html", form=form, locale_form=locale_form, feed_url=feed_url
    )


@bp.post("/account/feed")
@login_required
def reset_feed() -> Response:
    if EmptyForm().validate_on_submit():
        services.reset_feed_token(db.session(), current_user)
        flash(_("New calendar address made; the old one no longer works."), "success")
    return redirect(url_for("auth.account") + "#feed")


@bp.post("/account/password")
@login_required
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session(),
                current_user,
                form.current_password.data or "",
                form.new_password.data or "",
            )
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            # The session version changed: log this browser in again with the new one.
            login_user(current_user._get_current_object())
            flash(_("Password changed. Your other sessions were logged out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(form, LocaleForm(locale=current_user.locale))


@bp.post("/account/language")
@login_required
def change_language() -> Response | str:
    form = LocaleForm()
    if form.validate_on_submit():
        services.set_locale(db.session(), current_user, form.locale.data or "en")
        flash(_("Language saved."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(ChangePasswordForm(), form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_password_link(db.session(), form.email.data or "")
        flash(
            _(
                "If an account with this e-mail exists, a link to set a new password is on "
                "its way. It works for %(hours)d hours.",
                hours=_link_hours(),
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _link_hours() -> int:
    return int(current_app.config["PASSWORD_LINK_HOURS"])


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Response | str:
    secret = str(current_app.config["SECRET_KEY"])
    max_age = _link_hours() * 3600
    form = SetPasswordForm()
    user = services.user_for_password_link(db.session(), secret, token, max_age)
    if user is not None and form.validate_on_submit():
        try:
            user = services.set_password_by_link(
                db.session(), secret, token, max_age, form.password.data or ""
            )
        except FieldError as error:
            db.session.rollback()
            apply_field_error(form, error)
        else:
            login_user(user)
            flash(_("Your password is set. Welcome to matchmaker."), "success")
            return redirect(home_for(user))
    return render_template("auth/set_password.html", form=form, user=user)
