"""Wire blueprints, error pages, template helpers and security headers onto an app."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.errors import register_error_handlers

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register(app: Flask) -> None:
    from matchmaker.auth.views import bp as auth_bp
    from matchmaker.buyers.views import bp as buyers_bp
    from matchmaker.calendar.views import bp as calendar_bp
    from matchmaker.certificates.views import bp as certificates_bp
    from matchmaker.imports.views import bp as imports_bp
    from matchmaker.main.views import bp as main_bp
    from matchmaker.meetings.views import bp as meetings_bp
    from matchmaker.notices import delivery
    from matchmaker.opportunities.views import bp as opportunities_bp
    from matchmaker.reports.views import bp as reports_bp
    from matchmaker.shortlists.views import bp as shortlists_bp
    from matchmaker.staff.views import bp as staff_bp
    from matchmaker.supplier_days.views import bp as days_bp
    from matchmaker.suppliers.views import bp as suppliers_bp

    for blueprint in (
        main_bp,
        auth_bp,
        staff_bp,
        buyers_bp,
        days_bp,
        suppliers_bp,
        shortlists_bp,
        calendar_bp,
        meetings_bp,
        opportunities_bp,
        certificates_bp,
        reports_bp,
        imports_bp,
    ):
        app.register_blueprint(blueprint)
    delivery.init_app(app)
    register_error_handlers(app)

    from matchmaker import templating

    templating.register(app)

    @app.before_request
    def _load_user_first() -> None:
        # Pages speak the user's language, and the language is chosen at the first
        # translated message: load the user before any (an error page has no view that
        # would have loaded it).
        if request.endpoint != "static":
            current_user._get_current_object()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
