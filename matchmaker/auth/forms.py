"""Forms for logging in, registering and changing passwords."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from matchmaker.auth.passwords import MIN_PASSWORD_LENGTH
from matchmaker.forms import options


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))


class RegistrationForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[InputRequired(), Length(max=200)])
    inn = StringField(
        _l("INN"),
        validators=[InputRequired(), Length(min=10, max=14)],
        description=_l("10 digits for a company, 12 for an individual entrepreneur."),
    )
    region = StringField(_l("Region"), validators=[InputRequired(), Length(max=120)])
    city = StringField(_l("City"), validators=[Length(max=120)])
    contact_name = StringField(_l("Your name"), validators=[Length(max=120)])
    email = EmailField(
        _l("Contact e-mail"),
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[InputRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[
            InputRequired(),
            EqualTo("new_password", message=_l("Passwords do not match.")),
        ],
    )


class LocaleForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=options([("en", "English"), ("ru", "Русский")]))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[InputRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    name = StringField(_l("Name"), validators=[Length(max=120)])
    locale = SelectField(
        _l("Language of the e-mail"), choices=options([("ru", "Русский"), ("en", "English")])
    )
