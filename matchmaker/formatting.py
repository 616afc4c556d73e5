"""How dates read in pages and messages: one style everywhere ("16 Mar 2027")."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date

DATE_PATTERN = "d MMM yyyy"


def display_date(value: dt.date) -> str:
    return format_date(value, DATE_PATTERN)
