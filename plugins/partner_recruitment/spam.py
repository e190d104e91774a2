"""Spam measures of the public form, all self-hosted: a honeypot, a signed arithmetic
challenge with a time stamp, and (in the view) a rate limit.

The challenge is a signed token holding two small numbers and the time it was issued;
the answer must be their sum, given no sooner than MIN_SECONDS (bots post at once) and
no later than MAX_AGE after the form was shown. Nothing is stored on the server.
"""
import secrets
import time

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

HONEYPOT = "website"
MIN_SECONDS = 3
MAX_AGE = 2 * 60 * 60
SALT = "partner_recruitment.challenge"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def new_challenge(now=None):
    """(token, question) for a fresh form."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    issued = int(now if now is not None else time.time())
    token = _serializer().dumps([a, b, issued, secrets.token_hex(4)])
    return token, _("What is %(a)d plus %(b)d?", a=a, b=b)


def refusal(form, now=None):
    """Why a posted form looks like spam (a translated message), or None."""
    if (form.get(HONEYPOT) or "").strip():
        return _("Your application could not be accepted.")
    try:
        a, b, issued, _nonce = _serializer().loads(form.get("challenge_token") or "")
    except (BadSignature, ValueError, TypeError):
        return _("The form has expired. Please answer the question again.")
    now = now if now is not None else time.time()
    if now - issued < current_app.config.get("PARTNER_RECRUITMENT_MIN_SECONDS", MIN_SECONDS):
        return _("That was very fast. Please check your answers and send the form again.")
    if now - issued > MAX_AGE:
        return _("The form has expired. Please answer the question again.")
    if (form.get("challenge_answer") or "").strip() != str(a + b):
        return _("The answer to the question is not right.")
    return None
