"""Form for buyer organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from matchmaker.forms import options, strip
from matchmaker.models import BuyerKind


class BuyerForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[InputRequired(), Length(max=120)])
    kind = SelectField(
        _l("Kind"),
        choices=options([(BuyerKind.OEM.value, "OEM"), (BuyerKind.TIER1.value, "Tier-1")]),
        validators=[InputRequired()],
    )
    country = StringField(_l("Country"), filters=[strip], validators=[Length(max=80)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=5_000)])
