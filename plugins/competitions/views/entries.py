"""Members' entries: enter, edit, submit, withdraw, attachments, and the list of their organisations' entries.

The rules live in plugins.competitions.entries; these views collect input, show
refusals on the form and keep uploads and rows together (an upload refused or an
entry refused leaves no file behind).
"""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.permissions import login_required
from core.storage.serving import send_media
from core.storage.uploads import UploadError, delete_media, save_upload
from core.users.models import Organisation
from plugins.competitions import access
from plugins.competitions import entries as service
from plugins.competitions.forms.entries import ActionForm, AttachmentForm, entry_form
from plugins.competitions.models import Assignment, Category, Competition, Entry, EntryAttachment
from plugins.competitions.views import bp


def _user():
    return current_user._get_current_object()


def _organisations():
    ids = access.member_organisation_ids(current_user)
    if not ids:
        return []
    return db.session.scalars(db.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)).all()


def _form_data(form):
    data = {"title": form.title.data, "category_id": form.category_id.data}
    for name in service.TEXT_FIELDS:
        if name in form:
            data[name] = form[name].data
    return data


def _show_refusal(form, refusal):
    if refusal.field and refusal.field in form:
        form[refusal.field].errors = [*form[refusal.field].errors, refusal.message]
    flash(refusal.message, "error")


def _discard(media_rows):
    for media in media_rows:
        delete_media(media)


@bp.route("/competitions/<slug>/enter", methods=["GET", "POST"])
@login_required
def enter(slug):
    competition = access.competition_by_slug_or_404(slug)
    organisations = _organisations()
    closed = service.stage_refusal(competition)
    if not organisations:
        return render_template("competitions/enter.html", competition=competition, form=None, closed=closed,
                               no_organisation=True)
    form = entry_form(competition, organisations)
    if form.validate_on_submit():
        if "organisation_id" in form:
            organisation_id = form.organisation_id.data
        else:
            organisation_id = organisations[0].id
        data = _form_data(form)
        files = [f for f in (form.attachments.data or []) if f and f.filename] if "attachments" in form else []
        submit = bool(form.submit.data)
        saved = []
        try:
            values = service.merged_values(competition, None, data)
            service.check_entry(competition, organisation_id, values, submit=submit, new_attachments=len(files))
            options = service.upload_options(competition, db.session.get(Category, values["category_id"]))
            for upload in files:
                saved.append(save_upload(upload, private=True, owner=_user(), **options))
            entry = service.save_entry(competition, organisation_id, _user(), data, submit=submit, media=saved)
        except UploadError as error:
            _discard(saved)
            form.attachments.errors = [*form.attachments.errors, error.message]
            flash(error.message, "error")
        except service.EntryRefused as refusal:
            _discard(saved)
            _show_refusal(form, refusal)
        else:
            if entry.status == "submitted":
                flash(_("Your entry has been submitted as %(number)s.", number=entry.number), "success")
            else:
                flash(_("Your draft has been saved. Submit it before the deadline."), "success")
            return redirect(url_for("competitions.entry", entry_id=entry.id))
    return render_template("competitions/enter.html", competition=competition, form=form, closed=closed,
                           no_organisation=False, needs=_category_needs(competition))


def _category_needs(competition):
    """[(category, sentences)] for the categories that ask for particular material."""
    return [(category, lines) for category in competition.categories
            if (lines := service.category_needs(category))]


@bp.route("/competitions/entries/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry(entry_id):
    entry = access.member_entry_or_404(entry_id)
    competition = entry.competition
    form = entry_form(competition, entry=entry)
    if form.validate_on_submit():
        submit = bool(form.submit.data)
        try:
            service.save_entry(competition, entry.organisation_id, _user(), _form_data(form), entry=entry,
                               submit=submit)
        except service.EntryRefused as refusal:
            db.session.rollback()
            entry = access.member_entry_or_404(entry_id)
            _show_refusal(form, refusal)
        else:
            if submit:
                flash(_("Your entry has been submitted as %(number)s.", number=entry.number), "success")
            else:
                flash(_("Your changes have been saved."), "success")
            return redirect(url_for("competitions.entry", entry_id=entry.id))
    return _render_entry(entry, form)


def _render_entry(entry, form, upload_form=None):
    comments, means = service.shared_feedback(entry)
    return render_template(
        "competitions/entry.html",
        entry=entry,
        competition=entry.competition,
        form=form,
        upload_form=upload_form or AttachmentForm(formdata=None),
        needs=_category_needs(entry.competition),
        closed=service.stage_refusal(entry.competition),
        max_attachments=service.max_attachments(entry.competition),
        result=service.published_result(entry),
        comments=comments,
        means=means,
    )


@bp.route("/competitions/entries/<int:entry_id>/submit", methods=["POST"])
@login_required
def entry_submit(entry_id):
    entry = access.member_entry_or_404(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.submit_entry(entry, _user())
    except service.EntryRefused as refusal:
        flash(refusal.message, "error")
    else:
        flash(_("Your entry has been submitted as %(number)s.", number=entry.number), "success")
    return redirect(url_for("competitions.entry", entry_id=entry.id))


@bp.route("/competitions/entries/<int:entry_id>/withdraw", methods=["POST"])
@login_required
def entry_withdraw(entry_id):
    entry = access.member_entry_or_404(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.withdraw_entry(entry, _user())
    except service.EntryRefused as refusal:
        flash(refusal.message, "error")
    else:
        flash(_("Your entry has been withdrawn. You may submit it again while the call for entries is open."),
              "success")
    return redirect(url_for("competitions.entry", entry_id=entry.id))


@bp.route("/competitions/entries/<int:entry_id>/attachments", methods=["POST"])
@login_required
def entry_upload(entry_id):
    entry = access.member_entry_or_404(entry_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    saved = []
    try:
        service.check_attachment_room(entry)
        saved.append(save_upload(form.file.data, private=True, owner=_user(),
                                 **service.upload_options(entry.competition, entry.category)))
        service.add_attachments(entry, _user(), saved)
    except UploadError as error:
        # Shown on the upload form itself (a too-long video, a wrong type); nothing was stored.
        form.file.errors = [*form.file.errors, error.message]
        flash(error.message, "error")
        return _render_entry(entry, entry_form(entry.competition, entry=entry, formdata=None), upload_form=form)
    except service.EntryRefused as refusal:
        db.session.rollback()
        _discard(saved)
        flash(refusal.message, "error")
    else:
        flash(_("The file has been attached."), "success")
    return redirect(url_for("competitions.entry", entry_id=entry_id))


def _entry_attachment_or_404(entry, attachment_id):
    attachment = db.session.get(EntryAttachment, attachment_id) if 0 < attachment_id <= access.MAX_ID else None
    if attachment is None or attachment.entry_id != entry.id:
        abort(404)
    return attachment


@bp.route("/competitions/entries/<int:entry_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def entry_attachment_remove(entry_id, attachment_id):
    entry = access.member_entry_or_404(entry_id)
    attachment = _entry_attachment_or_404(entry, attachment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        media = service.remove_attachment(entry, attachment, _user())
    except service.EntryRefused as refusal:
        flash(refusal.message, "error")
    else:
        delete_media(media)  # commits the detachment with the row, then drops the bytes
        flash(_("The file has been removed."), "success")
    return redirect(url_for("competitions.entry", entry_id=entry_id))


def may_open_entry_files(user, entry):
    """Members of the entry's organisation, screeners and managers, and judges assigned to it without
    a conflict of interest while it is in judging (not once withdrawn or not admitted)."""
    if entry.organisation_id in access.member_organisation_ids(user):
        return True
    if access.can(access.SCREEN, user) or access.can(access.MANAGE, user):
        return True
    assigned = db.session.scalar(
        db.select(Assignment.id).where(Assignment.entry_id == entry.id, Assignment.judge_id == user.id)
    )
    return (assigned is not None and entry.in_judging and access.can(access.JUDGE, user)
            and not access.has_conflict(user, entry))


@bp.route("/competitions/entries/<int:entry_id>/attachments/<int:attachment_id>")
@login_required
def entry_attachment(entry_id, attachment_id):
    entry = db.session.get(Entry, entry_id) if 0 < entry_id <= access.MAX_ID else None
    if entry is None or not may_open_entry_files(_user(), entry):
        abort(404)
    attachment = _entry_attachment_or_404(entry, attachment_id)
    return send_media(attachment.media, as_attachment=True)


@bp.route("/me/competitions")
@login_required
def my_entries():
    organisations = access.member_organisation_ids(current_user)
    entries = []
    if organisations:
        entries = db.session.scalars(
            db.select(Entry).join(Competition)
            .where(Entry.organisation_id.in_(organisations))
            .order_by(Competition.created_at.desc(), Competition.id.desc(), Entry.created_at.desc(), Entry.id.desc())
        ).all()
    rows = [(entry, service.published_result(entry)) for entry in entries]
    return render_template("competitions/my_entries.html", rows=rows, has_organisation=bool(organisations))
