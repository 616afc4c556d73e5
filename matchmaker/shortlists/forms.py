"""The buyer's decision form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from matchmaker.forms import options
from matchmaker.models import FunnelStatus

DECISION_CHOICES = options(
    [
        ("longlist", _l("Long list (no decision)")),
        (FunnelStatus.SHORTLISTED.value, _l("Shortlisted")),
        (FunnelStatus.MEETING.value, _l("Meeting")),
        (FunnelStatus.RFQ.value, _l("RFQ sent")),
        (FunnelStatus.NOMINATED.value, _l("Nominated")),
        (FunnelStatus.REJECTED.value, _l("Rejected")),
    ]
)


class DecisionForm(FlaskForm):
    status = SelectField(_l("Decision"), choices=DECISION_CHOICES, validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=2_000)],
        description=_l("Required when rejecting."),
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=4_000)])
