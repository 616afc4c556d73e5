"""Certificate pages: the staff list of certificates about to expire, and validity badges."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask_login import current_user

from matchmaker.auth.decorators import role_required
from matchmaker.certificates import services
from matchmaker.extensions import db
from matchmaker.models import Certification, Role

bp = Blueprint("certificates", __name__)


@bp.app_template_global("certificate_status")
def certificate_status(certification: Certification) -> services.CertificateStatus:
    """Give the badge partial a certificate's validity today."""
    return services.status_of(certification, dt.date.today())


@bp.get("/certificates/expiring")
@role_required(Role.STAFF)
def expiring() -> str:
    lists = services.expiry_lists(db.session(), current_user)
    return render_template("certificates/expiring.html", lists=lists)
