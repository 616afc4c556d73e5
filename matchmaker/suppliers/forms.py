"""Forms for the supplier profile, certificates and staff review."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional

from matchmaker.forms import MultiCheckboxField, strip


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Company name"), filters=[strip], validators=[InputRequired(), Length(max=200)]
    )
    region = StringField(
        _l("Region"), filters=[strip], validators=[InputRequired(), Length(max=120)]
    )
    city = StringField(_l("City"), filters=[strip], validators=[Length(max=120)])
    website = URLField(
        _l("Website"),
        filters=[strip],
        validators=[
            Optional(),
            URL(message=_l("Enter a full address, e.g. https://zavod.ru")),
            Length(max=255),
        ],
    )
    employees = IntegerField(
        _l("Employees"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    description = TextAreaField(
        _l("What your company does"),
        filters=[strip],
        validators=[Length(max=10_000)],
        description=_l(
            "In Russian or English: processes, equipment, materials, capacity, quality system."
        ),
    )
    products = TextAreaField(_l("Main products"), filters=[strip], validators=[Length(max=4_000)])
    customers = TextAreaField(_l("Main customers"), filters=[strip], validators=[Length(max=4_000)])
    processes = MultiCheckboxField(_l("Processes"), choices=[])
    materials = MultiCheckboxField(_l("Materials"), choices=[])


class CertificationForm(FlaskForm):
    standard = SelectField(_l("Standard"), choices=[], validators=[InputRequired()])
    number = StringField(_l("Certificate number"), filters=[strip], validators=[Length(max=80)])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the supplier sees it)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=2_000)],
    )
