"""Taking an application in: everything is checked before anything is written.

Order: the programme must take applications; the applicant may apply (signed in where
required, one per organisation where configured); the fields are checked against the
programme's current form version (conditions decided on the server); then files are
stored through core storage (type by content); then the application, its first history
event and the confirmation e-mail are committed together. A failure after files were
stored removes them again, so nothing is left half-saved.
"""
import hashlib
import hmac
import secrets

from flask import current_app, url_for
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
ORGANISATION_INPUT = "applicant_organisation"  # the select shown to members of several organisations


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
        organisations = applicant_organisations(user)
        if not organisations:
            return _("Applications are made on behalf of a member organisation, and your account does not "
                     "belong to one.")
        if all(existing_for_organisation(programme, organisation) is not None for organisation in organisations):
            return _("%(organisation)s has already applied to this programme.",
                     organisation="、".join(organisation.name for organisation in organisations))
    return None


def applicant_organisations(user):
    """The active organisations the user belongs to, oldest first (the default is the first)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted((m.organisation for m in user.memberships if m.organisation.active), key=lambda o: o.id)


def default_organisation(programme, user):
    """The organisation preselected on the form: the first that may still apply."""
    organisations = applicant_organisations(user)
    if programme.one_per_organisation:
        organisations = [o for o in organisations if existing_for_organisation(programme, o) is None] or organisations
    return organisations[0] if organisations else None


def chosen_organisation(programme, user, form):
    """The organisation the applicant applies for (the form's select, checked against their
    memberships); raises Refused on a value that is not one of theirs."""
    organisations = applicant_organisations(user)
    wanted = (form.get(ORGANISATION_INPUT) or "").strip()
    if not wanted or len(organisations) < 2:
        return default_organisation(programme, user)
    chosen = next((o for o in organisations if str(o.id) == wanted), None)
    if chosen is None:
        raise Refused(errors={ORGANISATION_INPUT: _("Choose one of your organisations.")})
    return chosen


def organisation_hash(organisation_id):
    """A keyed hash of the organisation: tells applications of one organisation apart without
    naming it (ids are few and guessable, so a plain hash would name it). Changing SECRET_KEY
    lets organisations that applied before apply again."""
    key = hashlib.sha256(f"partner_recruitment.org|{current_app.config['SECRET_KEY']}".encode()).digest()
    return hmac.new(key, f"org:{organisation_id}".encode(), hashlib.sha256).hexdigest()[:40]


def existing_for_organisation(programme, organisation):
    return db.session.scalar(db.select(Application).where(
        Application.programme_id == programme.id,
        db.or_(Application.org_hash == organisation_hash(organisation.id),
               Application.organisation_id == organisation.id)).limit(1))


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
            # plugin=: the programme's managers open it here; /files/<id> would hand it to any admin.
            stored[spec["key"]] = save_upload(upload, private=True, owner=owner, plugin="partner_recruitment",
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
    try:
        organisation = chosen_organisation(programme, user, form)
    except Refused as refused:
        organisation = None
        errors.update(refused.errors)
    if errors:
        raise Refused(errors=errors)
    if programme.one_per_organisation and existing_for_organisation(programme, organisation) is not None:
        raise Refused(_("%(organisation)s has already applied to this programme.", organisation=organisation.name))
    first = programme.statuses[0] if programme.statuses else None
    facts = {
        "programme_id": programme.id, "form_version_id": version.id,
        "user_id": user.id if getattr(user, "is_authenticated", False) else None,
        "organisation_id": organisation.id if organisation is not None else None,
        "org_hash": organisation_hash(organisation.id) if organisation is not None else None,
        "status_key": first.key if first else "submitted",
    }
    if programme.one_per_organisation and organisation is not None:
        facts["org_key"] = facts["org_hash"]
    shared = first.shared if first else True
    stored = _store_files(specs, shown, files, user)  # commits the Media rows
    for key, media in stored.items():
        values[key] = {"name": media.original_name, "media_id": media.id}
    facts["title"], facts["contact_email"] = _summary(specs, values, user, organisation)
    try:
        application = _insert(programme, facts, values, stored, shared)
        if application.contact_email:
            queue_mail(application.contact_email, _("Your application to %(programme)s", programme=programme.title),
                       "partner_recruitment/mail/confirmation.txt", programme=programme, application=application,
                       status_label=first.label if first and shared else _("Received"),
                       link=status_link(application))
        db.session.commit()
    except Exception:  # Refused included: nothing half-saved
        db.session.rollback()
        discard(stored.values())
        raise
    return application


def _insert(programme, facts, values, stored, shared):
    """Add the application in a savepoint; a clash of the random reference or token is tried
    once more with new ones, a clash of the organisation is the one-per-organisation rule."""
    for attempt in (1, 2):
        application = Application(**facts, reference=_reference(), token=secrets.token_urlsafe(24), data=values)
        application.files = [ApplicationFile(field_key=key, media_id=media.id) for key, media in stored.items()]
        application.events = [ApplicationEvent(kind="submitted", to_status=facts["status_key"], shared=shared)]
        try:
            with db.session.begin_nested():
                db.session.add(application)
        except IntegrityError:
            if facts.get("org_key") and db.session.scalar(db.select(Application.id).where(
                    Application.programme_id == facts["programme_id"], Application.org_key == facts["org_key"])):
                raise Refused(_("Your organisation has already applied to this programme.")) from None
            if attempt == 2:
                raise
            continue
        return application


def _reference():
    return f"{utcnow():%y%m}-{secrets.token_hex(3).upper()}"


def status_link(application):
    return absolute_url(url_for("partner_recruitment.status", token=application.token))
