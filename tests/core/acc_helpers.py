"""Helpers for the account tests: read mails from the outbox, pull links out of them."""
import re

from core.extensions import db
from core.mail import OutboxMessage

STRONG = "quiet orange lantern 42"


def mails_to(email):
    return db.session.scalars(
        db.select(OutboxMessage).filter_by(recipient=email).order_by(OutboxMessage.id)
    ).all()


def link_in(message, path):
    """The path (with token) of the first link to ``path`` in a mail body."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]+)", message.body)
    assert match, f"no {path} link in: {message.body}"
    return match.group(1)


def audit_actions():
    from core.audit import AuditEntry

    return [entry.action for entry in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def in_english(client):
    """Pages are Chinese by default; tests that read English messages switch the client first."""
    assert client.post("/language", data={"lang": "en"}).status_code == 302
    return client


CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


def page_without_tokens(response):
    """The page's text with CSRF token values blanked: they carry a timestamp, so two
    answers a second apart differ there and nowhere else that matters."""
    return CSRF_VALUE.sub(r"\1\2", response.get_data(as_text=True))
