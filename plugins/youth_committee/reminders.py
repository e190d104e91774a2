"""Reminders a day (YOUTH_COMMITTEE_REMINDER_HOURS) before an event, through the core outbox.

Each confirmed registration is reminded once: the reminder is claimed by a conditional UPDATE
of reminded_at, so two runs at the same time do not both write.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from core.extensions import db
from core.mail import queue_mail
from core.users.models import utcnow
from plugins.youth_committee.models import CONFIRMED, Event, Registration


def send_due_reminders(now=None):
    """Queue the reminders that are due; returns how many. Commits."""
    now = now or utcnow()
    horizon = now + timedelta(hours=current_app.config.get("YOUTH_COMMITTEE_REMINDER_HOURS", 24))
    due = db.session.scalars(
        db.select(Registration).join(Event)
        .where(Registration.status == CONFIRMED, Registration.reminded_at.is_(None),
               Event.published.is_(True), Event.starts_at > now, Event.starts_at <= horizon)
        .order_by(Registration.id)
    ).all()
    sent = 0
    for registration in due:
        claimed = db.session.execute(
            db.update(Registration).where(Registration.id == registration.id, Registration.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed and registration.email:
            queue_mail(registration.email, _("Reminder: %(title)s", title=registration.event.title),
                       "youth_committee/mail/reminder.txt", registration=registration, event=registration.event)
            sent += 1
    db.session.commit()
    return sent
