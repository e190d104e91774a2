"""Signed, expiring links for e-mail verification and password reset.

Nothing is stored: the payload is signed with the app's SECRET_KEY and a salt
per purpose, so a token made for one purpose never passes for another.
"""
import hashlib

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

SALTS = {
    "verify": "guildhall.verify-email",
    "reset": "guildhall.reset-password",
}
MAX_AGE_SETTINGS = {
    "verify": "TOKEN_MAX_AGE_VERIFY",
    "reset": "TOKEN_MAX_AGE_RESET",
}
MAX_TOKEN_LENGTH = 1000


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[purpose])


def make_token(purpose, payload):
    return _serializer(purpose).dumps(payload)


def read_token(purpose, token):
    """The payload of a valid, unexpired token for purpose, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    max_age = current_app.config[MAX_AGE_SETTINGS[purpose]]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadData:
        return None
    return payload if isinstance(payload, dict) else None


def password_fingerprint(user):
    """Changes whenever the password does, so a reset link works only once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def verify_token(user):
    return make_token("verify", {"u": user.id, "e": user.email})


def reset_token(user):
    return make_token("reset", {"u": user.id, "p": password_fingerprint(user)})
