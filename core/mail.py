"""Outgoing e-mail: every message goes to the outbox table, then out through SMTP if configured."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template

from core.extensions import db
from core.users.models import utcnow

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    __tablename__ = "core_outbox"
    id = db.Column(db.Integer, primary_key=True)
    recipient = db.Column(db.String(254), nullable=False, index=True)
    subject = db.Column(db.String(255), nullable=False)
    body = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="queued", index=True)  # queued|sent|failed
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    sent_at = db.Column(db.DateTime)


def queue_mail(recipient, subject, template, **context):
    """Put a message in the outbox (in the current transaction); returns it."""
    body = render_template(template, **context)
    message = OutboxMessage(recipient=recipient, subject=str(subject), body=body)
    db.session.add(message)
    return message


def deliver(message):
    """Send one queued message through SMTP; records the outcome, caller commits."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return False
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    message.attempts += 1
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        message.status = "failed" if message.attempts >= 5 else "queued"
        message.last_error = str(exc)[:2000]
        log.warning("mail to %s failed: %s", message.recipient, exc)
        return False
    message.status = "sent"
    message.sent_at = utcnow()
    message.last_error = None
    return True


def flush_outbox(limit=100):
    """Send queued messages; returns how many went out."""
    queued = db.session.scalars(
        db.select(OutboxMessage).filter_by(status="queued").order_by(OutboxMessage.id).limit(limit)
    ).all()
    sent = sum(1 for message in queued if deliver(message))
    db.session.commit()
    return sent
