"""JSON errors of the API beyond the HTTP ones core/web.py already renders.

``{"error": {"status": N, "message": "...", "fields": {...}}}`` with 422 for
input that fails a schema, 400 for a body that is not JSON at all.
"""
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from core.permissions import json_error, wants_json
from core.web import render_error

# marshmallow's own messages, listed so that they reach the translation catalogue.
MARSHMALLOW_MESSAGES = {
    message: translated
    for message, translated in [
        ("Missing data for required field.", _l("Missing data for required field.")),
        ("Unknown field.", _l("Unknown field.")),
        ("Field may not be null.", _l("Field may not be null.")),
        ("Invalid input type.", _l("Invalid input type.")),
        ("Not a valid string.", _l("Not a valid string.")),
        ("Not a valid integer.", _l("Not a valid integer.")),
        ("Not a valid boolean.", _l("Not a valid boolean.")),
        ("Not a valid list.", _l("Not a valid list.")),
        ("Invalid value.", _l("Invalid value.")),
    ]
}


class ApiError(Exception):
    """Raise in an API view to answer with a JSON error."""

    def __init__(self, status, message, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def translate_messages(messages):
    """marshmallow's error messages, translated, with every key a string."""
    if isinstance(messages, dict):
        return {str(key): translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(value) for value in messages]
    return str(MARSHMALLOW_MESSAGES.get(messages, messages))


def handle_api_error(error):
    return json_error(error.status, error.message, **error.extra)


def handle_validation_error(error):
    if not wants_json():
        return render_error(422)
    return json_error(422, _("Some fields are not valid."), fields=translate_messages(error.messages))


def json_body():
    """The request's JSON body; 400 unless it is JSON sent as application/json."""
    if not request.is_json:
        raise ApiError(400, _("Send a JSON body with the header Content-Type: application/json."))
    try:
        return request.get_json()
    except BadRequest:
        raise ApiError(400, _("The request body is not valid JSON.")) from None


def install(bp):
    bp.app_errorhandler(ApiError)(handle_api_error)
    bp.app_errorhandler(ValidationError)(handle_validation_error)
