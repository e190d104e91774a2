"""Spam measures of the public form, all self-hosted: a honeypot, a signed arithmetic
challenge with a time stamp, and (in the view) a rate limit.

The challenge token is signed and holds the time it was issued, a random nonce and an
HMAC of "answer|nonce" — never the numbers, which only the question shows (the
signature protects the token from changes but anyone can read it). The answer must be
given no sooner than MIN_SECONDS (bots post at once) and no later than MAX_AGE after the
form was shown. A token is good for one submission: its nonce is recorded (UsedChallenge,
unique) until MAX_AGE has passed, so a replayed or double-sent form is refused.
"""
import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.users.models import utcnow
from plugins.partner_recruitment.models import UsedChallenge

HONEYPOT = "website"
MIN_SECONDS = 3
MAX_AGE = 2 * 60 * 60
SALT = "partner_recruitment.challenge"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _digest(answer, nonce):
    key = hashlib.sha256(f"{SALT}|{current_app.config['SECRET_KEY']}".encode()).digest()
    return hmac.new(key, f"{answer}|{nonce}".encode(), hashlib.sha256).hexdigest()


def new_challenge(now=None):
    """(token, question) for a fresh form."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    issued = int(now if now is not None else time.time())
    nonce = secrets.token_hex(8)
    token = _serializer().dumps([issued, nonce, _digest(a + b, nonce)])
    return token, _("What is %(a)d plus %(b)d?", a=a, b=b)


def refusal(form, now=None):
    """Why a posted form looks like spam or was sent before (a translated message), or None.

    When the answer is right the token's nonce is recorded in the current transaction, so
    it counts as used once the application is committed."""
    if (form.get(HONEYPOT) or "").strip():
        return _("Your application could not be accepted.")
    try:
        issued, nonce, digest = _serializer().loads(form.get("challenge_token") or "")
        issued, nonce, digest = int(issued), str(nonce), str(digest)
    except (BadSignature, ValueError, TypeError):
        return _("The form has expired. Please answer the question again.")
    now = now if now is not None else time.time()
    if now - issued < current_app.config.get("PARTNER_RECRUITMENT_MIN_SECONDS", MIN_SECONDS):
        return _("That was very fast. Please check your answers and send the form again.")
    if now - issued > MAX_AGE:
        return _("The form has expired. Please answer the question again.")
    answer = (form.get("challenge_answer") or "").strip()[:4]
    if not hmac.compare_digest(_digest(answer, nonce), digest):
        return _("The answer to the question is not right.")
    if not spend(nonce):
        return _("This form has already been sent. To send another application, answer the new question "
                 "and send the form again.")
    return None


def spend(nonce):
    """Record the nonce as used; False when it already was (also by a request running now)."""
    db.session.execute(db.delete(UsedChallenge).where(
        UsedChallenge.used_at < utcnow() - timedelta(seconds=MAX_AGE)))
    try:
        with db.session.begin_nested():
            db.session.add(UsedChallenge(nonce=nonce[:32]))
    except IntegrityError:
        return False
    return True
