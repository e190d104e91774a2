"""The review pipeline: status changes, assignment, internal notes, deletion requests,
anonymisation. Each action adds a history event; callers commit.

A status change is told to the applicant (an e-mail through the core outbox, and the
status page) only when the programme marks that status as shared; other statuses stay
internal and the applicant keeps seeing the last shared one.
"""
from flask import has_request_context
from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from core.mail import OutboxMessage, queue_mail
from core.storage.backends import get_storage
from core.storage.uploads import remove_keys
from core.users.models import utcnow
from plugins.partner_recruitment.models import ApplicationEvent

# Types whose values say nothing about a person and stay after anonymisation.
KEPT_ON_ANONYMISING = ("single", "multiple", "region", "number")


class ActionRefused(Exception):
    pass


def _event(application, kind, actor, **values):
    event = ApplicationEvent(kind=kind, actor_id=getattr(actor, "id", None),
                             actor_label=getattr(actor, "email", None), **values)
    application.events.append(event)
    return event


def change_status(application, key, actor, note=""):
    """Move to status ``key``; returns True when the applicant was notified."""
    status = application.programme.status(key)
    if status is None:
        raise ActionRefused(_("Unknown status."))
    if application.anonymised_at is not None:
        raise ActionRefused(_("This application has been anonymised."))
    if key == application.status_key:
        return False
    previous = application.status_key
    application.status_key = key
    application.updated_at = utcnow()
    _event(application, "status", actor, from_status=previous, to_status=key, note=note.strip()[:2000],
           shared=status.shared)
    audit("partner_recruitment.status", f"application:{application.id}", actor=actor, to=key)
    if status.shared and application.contact_email:
        from plugins.partner_recruitment.applications import status_link

        queue_mail(application.contact_email,
                   _("Your application to %(programme)s: %(status)s", programme=application.programme.title,
                     status=status.label),
                   "partner_recruitment/mail/status.txt", application=application, status=status,
                   link=status_link(application) if has_request_context() else None)
        return True
    return False


def assign(application, reviewer, actor):
    if reviewer is not None and not application.programme.is_manager(reviewer):
        raise ActionRefused(_("Only a manager of this programme can be assigned."))
    if application.assignee_id == getattr(reviewer, "id", None):
        return
    application.assignee = reviewer
    _event(application, "assigned", actor, note=getattr(reviewer, "name", "") or "")


def add_note(application, text, actor):
    text = (text or "").strip()
    if not text:
        raise ActionRefused(_("Write a note first."))
    _event(application, "note", actor, note=text[:5000])


def request_deletion(application):
    if application.deletion_requested_at is None and application.anonymised_at is None:
        application.deletion_requested_at = utcnow()
        _event(application, "deletion_requested", None)


def anonymise(application, actor=None, reason="retention"):
    """Drop everything personal: texts, contact details, files, notes; keep choices and history."""
    if application.anonymised_at is not None:
        return
    specs = {spec["key"]: spec for spec in application.form_version.fields}
    application.data = {key: value for key, value in (application.data or {}).items()
                        if specs.get(key, {}).get("type") in KEPT_ON_ANONYMISING}
    _delete_outbox_messages(application)
    application.title = ""
    application.contact_email = None
    application.user_id = None
    # The organisation goes; org_hash (a keyed hash) stays, and so does org_key (the same hash)
    # where the programme takes one application per organisation.
    application.organisation_id = None
    keys = []
    for attachment in list(application.files):
        keys += [key for key in (attachment.media.key, attachment.media.thumb_key) if key]
        db.session.delete(attachment.media)
    application.files = []
    for event in application.events:
        event.note = ""
    application.anonymised_at = utcnow()
    _event(application, "anonymised", actor, note=reason)
    audit("partner_recruitment.anonymised", f"application:{application.id}", actor=actor, reason=reason)
    return keys


def _delete_outbox_messages(application):
    """The e-mails to the applicant about this application (they hold the address and the
    status link): every one sent to its contact address that names its reference."""
    if not application.contact_email:
        return
    db.session.execute(db.delete(OutboxMessage).where(
        OutboxMessage.recipient == application.contact_email,
        OutboxMessage.body.contains(application.reference, autoescape=True)))


def remove_stored_files(keys):
    """After the commit: the bytes of the anonymised applications' files."""
    if keys:
        remove_keys(get_storage(), keys)
