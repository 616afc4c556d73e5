"""Staff forms: creating user accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from matchmaker.auth.passwords import MIN_PASSWORD_LENGTH
from matchmaker.forms import options, strip


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    name = StringField(_l("Name"), filters=[strip], validators=[Length(max=120)])
    role = SelectField(
        _l("Role"),
        choices=options(
            [("buyer", _l("Buyer")), ("supplier", _l("Supplier")), ("staff", _l("Cluster staff"))]
        ),
    )
    buyer = SelectField(_l("Buyer organisation"), choices=[], validate_choice=False)
    supplier = SelectField(_l("Supplier company"), choices=[], validate_choice=False)
    password = PasswordField(
        _l("Initial password"),
        validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("Give it to the person; they can change it under Account."),
    )
