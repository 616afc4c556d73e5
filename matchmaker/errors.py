"""Errors that services raise, and the pages and JSON that answer HTTP errors."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response


class ServiceError(Exception):
    """Base of the errors a service raises for the caller to show."""


class FieldError(ServiceError):
    """Input that breaks a business rule, tied to the form field it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(ServiceError):
    """The object does not exist or belongs to another organisation."""


class PermissionDenied(ServiceError):
    """The actor may not do this."""


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and (
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _answer(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    messages = {
        400: (_l("Bad request"), _l("The request could not be understood.")),
        403: (_l("Forbidden"), _l("You do not have access to this page.")),
        404: (_l("Not found"), _l("There is nothing here. It may have been removed.")),
        405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
        413: (_l("Too large"), _l("The upload is larger than allowed.")),
        429: (_l("Too many requests"), _l("Too many attempts. Please wait a minute and retry.")),
        500: (_l("Server error"), _l("Something went wrong on our side. It has been logged.")),
    }

    def handle_http(error: HTTPException) -> tuple[Response | str, int]:
        status = error.code or 500
        title, message = messages.get(status, (error.name, error.description or ""))
        return _answer(status, str(title), str(message))

    def handle_csrf(error: CSRFError) -> tuple[Response | str, int]:
        return _answer(
            400,
            _("Form expired"),
            _("The form was open too long or came from elsewhere. Reload the page and retry."),
        )

    def handle_not_found(error: NotFound) -> tuple[Response | str, int]:
        return handle_http_code(404)

    def handle_denied(error: PermissionDenied) -> tuple[Response | str, int]:
        # Another organisation's objects are answered as missing, never as forbidden.
        return handle_http_code(404)

    def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return handle_http_code(500)

    def handle_http_code(status: int) -> tuple[Response | str, int]:
        title, message = messages[status]
        return _answer(status, str(title), str(message))

    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(NotFound, handle_not_found)
    app.register_error_handler(PermissionDenied, handle_denied)
    app.register_error_handler(Exception, handle_unexpected)
