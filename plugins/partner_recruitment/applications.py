"""Taking an application in: everything is checked before anything is written.

Order: the programme must take applications; the applicant may apply (signed in where
required, one per organisation where configured); the fields are checked against the
programme's current form version (conditions decided on the server); then files are
stored through core storage (type by content); then the application, its first history
event and the confirmation e-mail are committed together. A failure after files were
stored removes them again, so nothing is left half-saved.
"""
import secrets

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.mail import queue_mail
from core.pages.seo import absolute_url
from core.storage.uploads import UploadError, delete_media, save_upload
from core.users.models import utcnow
from plugins.partner_recruitment import fields
from plugins.partner_recruitment.models import Application, ApplicationEvent, ApplicationFile

DEFAULT_FILE_KINDS = ["pdf", "image", "document"]


class Refused(Exception):
    """``message`` for the whole form, ``errors`` by field key."""

    def __init__(self, message=None, errors=None):
        super().__init__(str(message or ""))
        self.message, self.errors = (str(message) if message else None), dict(errors or {})


def refusal_before_form(programme, user):
    """Why this visitor cannot apply at all (a translated message), or None."""
    if not programme.published or not programme.open_for_applications or programme.current_version is None:
        return _("This programme is not taking applications at the moment.")
    signed_in = getattr(user, "is_authenticated", False)
    if (not programme.allow_anonymous or programme.one_per_organisation) and not signed_in:
        return _("Please sign in to apply.")
    if programme.one_per_organisation:
        organisation = applicant_organisation(user)
        if organisation is None:
            return _("Applications are made on behalf of a member organisation, and your account does not "
                     "belong to one.")
        if existing_for_organisation(programme, organisation) is not None:
            return _("%(organisation)s has already applied to this programme.", organisation=organisation.name)
    return None


def applicant_organisation(user):
    if not getattr(user, "is_authenticated", False):
        return None
    return next((m.organisation for m in user.memberships if m.organisation.active), None)


def existing_for_organisation(programme, organisation):
    return db.session.scalar(db.select(Application).where(Application.programme_id == programme.id,
                                                          Application.org_key == f"org:{organisation.id}"))


def _summary(specs, values, user, organisation):
    title = next((values[s["key"]] for s in specs if s["type"] == "text" and s["key"] in values), "")
    email = next((values[s["key"]] for s in specs if s["type"] == "email" and s["key"] in values), None)
    if not title and organisation is not None:
        title = organisation.name
    if email is None and getattr(user, "is_authenticated", False):
        email = user.email
    return title[:300], email


def _store_files(specs, shown, files, user):
    """Store the visible file fields' uploads; returns {key: Media}; removes them all on a refusal."""
    stored, errors = {}, {}
    owner = user if getattr(user, "is_authenticated", False) else None
    for spec in specs:
        if spec["type"] != "file" or spec["key"] not in shown:
            continue
        upload = files.get(fields.input_name(spec))
        if upload is None or not (upload.filename or "").strip():
            if spec.get("required"):
                errors[spec["key"]] = _("Choose a file to upload.")
            continue
        if errors:
            continue
        try:
            stored[spec["key"]] = save_upload(upload, private=True, owner=owner,
                                              kinds=spec.get("kinds") or DEFAULT_FILE_KINDS)
        except UploadError as error:
            errors[spec["key"]] = error.message
    if errors:
        discard(stored.values())
        raise Refused(errors=errors)
    return stored


def discard(media_rows):
    for media in list(media_rows):
        delete_media(media)


def submit(programme, form, files, args, user):
    """Check and store one application; returns it. Raises Refused."""
    refusal = refusal_before_form(programme, user)
    if refusal:
        raise Refused(refusal)
    version = programme.current_version
    specs = version.fields
    values, errors, shown = fields.validate(specs, form, args)
    missing_files = {s["key"]: _("Choose a file to upload.") for s in specs
                     if s["type"] == "file" and s.get("required") and s["key"] in shown
                     and not (getattr(files.get(fields.input_name(s)), "filename", "") or "").strip()}
    errors.update({key: message for key, message in missing_files.items() if key not in errors})
    if errors:
        raise Refused(errors=errors)
    version_id, programme_id = version.id, programme.id
    organisation = applicant_organisation(user)
    stored = _store_files(specs, shown, files, user)  # commits the Media rows
    for key, media in stored.items():
        values[key] = {"name": media.original_name, "media_id": media.id}
    title, email = _summary(specs, values, user, organisation)
    first_status = programme.statuses[0].key if programme.statuses else "submitted"
    application = Application(
        programme_id=programme_id, form_version_id=version_id, reference=_reference(),
        token=secrets.token_urlsafe(24), user_id=user.id if getattr(user, "is_authenticated", False) else None,
        organisation_id=organisation.id if organisation is not None else None,
        org_key=f"org:{organisation.id}" if programme.one_per_organisation and organisation is not None else None,
        title=title, contact_email=email, data=values, status_key=first_status,
    )
    application.files = [ApplicationFile(field_key=key, media_id=media.id) for key, media in stored.items()]
    application.events = [ApplicationEvent(kind="submitted", to_status=first_status, shared=True)]
    db.session.add(application)
    try:
        db.session.flush()
        if email:
            queue_mail(email, _("Your application to %(programme)s", programme=programme.title),
                       "partner_recruitment/mail/confirmation.txt", programme=programme, application=application,
                       link=status_link(application))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        discard(stored.values())
        raise Refused(_("Your organisation has already applied to this programme.")) from None
    except Exception:
        db.session.rollback()
        discard(stored.values())
        raise
    return application


def _reference():
    return f"{utcnow():%y%m}-{secrets.token_hex(3).upper()}"


def status_link(application):
    return absolute_url(url_for("partner_recruitment.status", token=application.token))
