"""Form helpers shared by the features."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields import SelectChoice

from matchmaker.errors import FieldError


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Choices for a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def apply_field_error(form: FlaskForm, error: FieldError) -> None:
    """Show a service's FieldError next to its field, or above the form."""
    field: Any = getattr(form, error.field, None)
    if field is not None and hasattr(field, "errors"):
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


def strip(value: Any) -> Any:
    """WTForms filter: trim surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value
