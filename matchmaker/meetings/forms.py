"""Forms for meeting requests, seats and unavailable slots."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from matchmaker.forms import strip


class RequestForm(FlaskForm):
    message = TextAreaField(
        _l("Message (optional)"), filters=[strip], validators=[Length(max=1_000)]
    )


class PlaceForm(FlaskForm):
    table_no = SelectField(_l("Table"), coerce=int, choices=[], validators=[InputRequired()])
    slot_index = SelectField(_l("Slot"), coerce=int, choices=[], validators=[InputRequired()])


class BlockForm(FlaskForm):
    subject = SelectField(_l("Who cannot attend"), choices=[], validators=[InputRequired()])
    slot_index = SelectField(_l("Slot"), coerce=int, choices=[], validators=[InputRequired()])
