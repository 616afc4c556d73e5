"""Forms for Supplier Days and needs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    URL,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from matchmaker.forms import MultiCheckboxField, options, strip
from matchmaker.meetings.grid import read_breaks
from matchmaker.models import DayFormat, DayStatus

FORMAT_CHOICES = options(
    [
        (DayFormat.ONSITE.value, _l("On site")),
        (DayFormat.ONLINE.value, _l("Online (video conference)")),
        (DayFormat.HYBRID.value, _l("Hybrid")),
    ]
)
STATUS_CHOICES = options(
    [
        (DayStatus.DRAFT.value, _l("Draft (staff and the buyer only)")),
        (DayStatus.OPEN.value, _l("Open for registration")),
        (DayStatus.CLOSED.value, _l("Registration closed")),
        (DayStatus.DONE.value, _l("Done")),
    ]
)
UNIT_CHOICES = options(
    [
        ("pcs", _l("pieces")),
        ("sets", _l("sets")),
        ("kg", _l("kg")),
        ("m", _l("metres")),
        ("t", _l("tonnes")),
    ]
)


class DayForm(FlaskForm):
    buyer_id = SelectField(_l("Buyer"), coerce=int, choices=[], validators=[InputRequired()])
    title = StringField(_l("Title"), filters=[strip], validators=[InputRequired(), Length(max=200)])
    date = DateField(_l("Date"), validators=[InputRequired()])
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, validators=[InputRequired()])
    venue = StringField(
        _l("Venue"),
        filters=[strip],
        validators=[Length(max=255)],
        description=_l("Address, for on-site and hybrid days."),
    )
    video_link = URLField(
        _l("Video link"),
        filters=[strip],
        validators=[
            Optional(),
            URL(message=_l("Enter a full link, e.g. https://…")),
            Length(max=500),
        ],
        description=_l("For online and hybrid days."),
    )
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validators=[InputRequired()])
    registration_deadline = DateField(_l("Registration deadline"), validators=[Optional()])
    day_start = TimeField(_l("Meetings from"), validators=[InputRequired()])
    day_end = TimeField(_l("Meetings until"), validators=[InputRequired()])
    slot_minutes = IntegerField(
        _l("Slot, minutes"), validators=[InputRequired(), NumberRange(min=5, max=240)]
    )
    breaks = StringField(
        _l("Breaks"),
        filters=[strip],
        validators=[Length(max=200)],
        description=_l("No meetings then, e.g. 12:30-13:30, 15:00-15:15"),
    )
    timezone = StringField(
        _l("Time zone"),
        filters=[strip],
        default="Europe/Samara",
        validators=[Length(max=64)],
        description=_l("A tz database name, e.g. Europe/Samara or Europe/Moscow."),
    )
    tables = IntegerField(
        _l("Tables or rooms"),
        validators=[InputRequired(), NumberRange(min=1, max=50)],
    )
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=5_000)])

    def validate_breaks(self, field: StringField) -> None:
        try:
            read_breaks(field.data or "")
        except ValueError as error:
            raise ValidationError(
                _l("Write breaks as start-end times, e.g. 12:30-13:30, 15:00-15:15")
            ) from error


class NeedForm(FlaskForm):
    part_name = StringField(
        _l("Part name"), filters=[strip], validators=[InputRequired(), Length(max=200)]
    )
    part_number = StringField(_l("Part number"), filters=[strip], validators=[Length(max=80)])
    description = TextAreaField(
        _l("Description"),
        filters=[strip],
        validators=[Length(max=10_000)],
        description=_l("Material grade, tolerances, coating, what matters to the buyer."),
    )
    processes = MultiCheckboxField(_l("Processes"), choices=[])
    materials = MultiCheckboxField(_l("Materials"), choices=[])
    annual_volume = IntegerField(
        _l("Annual volume"), validators=[Optional(), NumberRange(min=0, max=2_000_000_000)]
    )
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES, default="pcs")
    sop_date = DateField(_l("Start of production (SOP)"), validators=[Optional()])
    required_certifications = MultiCheckboxField(_l("Required certifications"), choices=[])
