"""Attendee lists, as tables that core.spreadsheets writes as CSV or XLSX (formulas neutralised)."""
from flask_babel import gettext as _

from core.extensions import db
from plugins.youth_committee.models import CONFIRMED, WAITING, Registration


def attendees(event):
    """The people with a place or on the waiting list; registrations never confirmed by their
    e-mail link (pending or expired) are nobody's attendance and stay out."""
    return db.session.scalars(
        db.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status.in_((CONFIRMED, WAITING)))
        .order_by(Registration.status, Registration.queued_at, Registration.id)
    ).all()


def attendees_table(event):
    header = [_("Name"), _("E-mail"), _("Phone"), _("Member or guest"), _("Status"), _("Registered at"),
              _("Checked in at")]
    registrations = attendees(event)
    rows = [
        [r.name, r.email, r.phone, _("Member") if r.user_id else _("Guest"), str(r.status_label), r.created_at,
         r.checked_in_at]
        for r in registrations
    ]
    return header, rows


