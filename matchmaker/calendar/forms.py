"""Forms of the calendar: a public holiday."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length

from matchmaker.forms import strip


class HolidayForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired()])
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[InputRequired(), Length(max=120)],
        description=_l("E.g. Defender of the Fatherland Day."),
    )
