"""The upload form of the import pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class UploadForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a CSV or XLSX file to upload."))],
        description=_l("CSV (UTF-8 or Windows-1251, comma or semicolon) or Excel .xlsx."),
    )
    dry_run = BooleanField(_l("Dry run: check the file and show what would change, write nothing"))
    skip_invalid = BooleanField(
        _l("Import the valid rows even if some rows are refused (default: all or nothing)")
    )
