"""The review pipeline, for the managers listed on a programme (plus the REVIEW permission).

GET   /admin/partners/<id>/applications                     list with filters, search, bulk form
POST  /admin/partners/<id>/applications/bulk                bulk status change
GET   /admin/partners/<id>/export.<csv|xlsx|zip>            exports
GET   /admin/partners/applications/<id>                     one application, its history
POST  /admin/partners/applications/<id>/status|assign|note|anonymise
GET   /admin/partners/applications/<id>/files/<file_id>     an attachment
"""
import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from core.extensions import db
from core.forms import choice
from core.permissions import permission_required
from core.storage.serving import filename_parameters, send_media
from plugins.partner_recruitment import exports, pipeline
from plugins.partner_recruitment.access import MAX_ID, REVIEW, reviewed_application_or_404, reviewed_programme_or_404
from plugins.partner_recruitment.fields import display, label_of
from plugins.partner_recruitment.forms import AssignForm, BulkForm, CsrfForm, NoteForm, StatusForm
from plugins.partner_recruitment.models import Application, ApplicationFile
from plugins.partner_recruitment.views import bp

PER_PAGE = 50
MAX_PAGE = 100_000
ID = re.compile(r"\d{1,10}")


def parse_ids(values, limit=500):
    """The application ids among posted values: plain ASCII digits, within MAX_ID; the rest is ignored."""
    ids = []
    for value in values:
        if ID.fullmatch(value) and 0 < int(value) <= MAX_ID and int(value) not in ids:
            ids.append(int(value))
    return ids[:limit]


def _status_choices(programme):
    return [choice(status.key, status.label) for status in programme.statuses]


def _filtered(programme, args):
    query = db.select(Application).where(Application.programme_id == programme.id)
    status = args.get("status", "")
    if status:
        query = query.where(Application.status_key == status)
    assignee = args.get("assignee", "")
    if assignee == "me":
        query = query.where(Application.assignee_id == current_user.id)
    elif assignee == "none":
        query = query.where(Application.assignee_id.is_(None))
    if args.get("deletion"):
        query = query.where(Application.deletion_requested_at.is_not(None), Application.anonymised_at.is_(None))
    text = (args.get("q") or "").strip()[:100]
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(db.or_(Application.title.ilike(pattern), Application.reference.ilike(pattern),
                                   Application.contact_email.ilike(pattern)))
    return query.order_by(Application.created_at.desc(), Application.id.desc())


@bp.route("/admin/partners/<int:programme_id>/applications")
@permission_required(REVIEW)
def review_list(programme_id):
    programme = reviewed_programme_or_404(programme_id)
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    applications = db.paginate(_filtered(programme, request.args), page=page, per_page=PER_PAGE,
                               error_out=False)
    bulk = BulkForm()
    bulk.status.choices = _status_choices(programme)
    return render_template("partner_recruitment/admin/applications.html", programme=programme,
                           applications=applications, bulk=bulk, args=request.args)


@bp.route("/admin/partners/<int:programme_id>/applications/bulk", methods=["POST"])
@permission_required(REVIEW)
def review_bulk(programme_id):
    programme = reviewed_programme_or_404(programme_id)
    form = BulkForm()
    back = redirect(url_for(".review_list", programme_id=programme.id))
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return back
    chosen = exports.applications_of(programme, parse_ids(request.form.getlist("application")))
    if not chosen:
        flash(_("Select at least one application."), "error")
        return back
    if programme.status(form.status.data) is None:
        flash(_("Unknown status."), "error")
        return back
    actor = current_user._get_current_object()
    # Anonymised applications and those already in the status are left as they are.
    changing = [a for a in chosen if a.anonymised_at is None and a.status_key != form.status.data]
    notified = sum(1 for application in changing if pipeline.change_status(application, form.status.data, actor))
    db.session.commit()
    flash(_("%(count)d application(s) updated; %(notified)d applicant(s) notified.", count=len(changing),
            notified=notified), "success")
    skipped = len(chosen) - len(changing)
    if skipped:
        flash(_("%(count)d application(s) skipped: anonymised or already in that status.", count=skipped), "info")
    return back


@bp.route("/admin/partners/<int:programme_id>/export.<any(csv, xlsx, zip):fmt>")
@permission_required(REVIEW)
def review_export(programme_id, fmt):
    programme = reviewed_programme_or_404(programme_id)
    data, mimetype, name = exports.export(programme, fmt)
    if not isinstance(data, bytes):  # the ZIP's temporary file, closed once sent
        data = wrap_file(request.environ, data)
    response = current_app.response_class(data, mimetype=mimetype, direct_passthrough=not isinstance(data, bytes))
    response.headers.set("Content-Disposition", "attachment", **filename_parameters(name))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _values(application):
    data = application.data or {}
    return [(label_of(spec), display(spec, data.get(spec["key"])), spec)
            for spec in application.form_version.fields if spec["key"] in data]


def _detail(application, status_form=None, assign_form=None, note_form=None, code=200):
    programme = application.programme
    status_form = status_form or StatusForm(status=application.status_key)
    status_form.status.choices = _status_choices(programme)
    assign_form = assign_form or AssignForm(assignee=str(application.assignee_id or ""))
    assign_form.assignee.choices = [choice("", _("nobody"))] + [choice(str(u.id), u.name) for u in programme.managers]
    return render_template("partner_recruitment/admin/application.html", application=application,
                           programme=programme, values=_values(application), status_form=status_form,
                           assign_form=assign_form, note_form=note_form or NoteForm(), action=CsrfForm()), code


@bp.route("/admin/partners/applications/<int:application_id>")
@permission_required(REVIEW)
def review_detail(application_id):
    return _detail(reviewed_application_or_404(application_id))


def _act(application, form, action, success):
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except pipeline.ActionRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".review_detail", application_id=application.id))
    db.session.commit()
    flash(success(result), "success")
    return redirect(url_for(".review_detail", application_id=application.id))


@bp.route("/admin/partners/applications/<int:application_id>/status", methods=["POST"])
@permission_required(REVIEW)
def review_status(application_id):
    application = reviewed_application_or_404(application_id)
    form = StatusForm()
    actor = current_user._get_current_object()
    done = _act(application, form, lambda: pipeline.change_status(application, form.status.data, actor,
                                                                  form.note.data or ""),
                lambda notified: _("Status changed; the applicant has been notified.") if notified
                else _("Status changed."))
    return done or _detail(application, status_form=form, code=400)


@bp.route("/admin/partners/applications/<int:application_id>/assign", methods=["POST"])
@permission_required(REVIEW)
def review_assign(application_id):
    application = reviewed_application_or_404(application_id)
    form = AssignForm()
    reviewer = next((u for u in application.programme.managers if str(u.id) == form.assignee.data), None)
    if form.assignee.data and reviewer is None:
        abort(400)
    actor = current_user._get_current_object()
    done = _act(application, form, lambda: pipeline.assign(application, reviewer, actor),
                lambda _result: _("The reviewer has been assigned."))
    return done or _detail(application, assign_form=form, code=400)


@bp.route("/admin/partners/applications/<int:application_id>/note", methods=["POST"])
@permission_required(REVIEW)
def review_note(application_id):
    application = reviewed_application_or_404(application_id)
    form = NoteForm()
    actor = current_user._get_current_object()
    done = _act(application, form, lambda: pipeline.add_note(application, form.note.data, actor),
                lambda _result: _("The note has been added."))
    return done or _detail(application, note_form=form, code=400)


@bp.route("/admin/partners/applications/<int:application_id>/anonymise", methods=["POST"])
@permission_required(REVIEW)
def review_anonymise(application_id):
    application = reviewed_application_or_404(application_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    keys = pipeline.anonymise(application, current_user._get_current_object(), reason="request") or []
    db.session.commit()
    pipeline.remove_stored_files(keys)
    flash(_("The personal data of this application has been deleted."), "success")
    return redirect(url_for(".review_detail", application_id=application.id))


@bp.route("/admin/partners/applications/<int:application_id>/files/<int:file_id>")
@permission_required(REVIEW)
def review_file(application_id, file_id):
    application = reviewed_application_or_404(application_id)
    attachment = db.session.get(ApplicationFile, file_id) if 0 < file_id < 2**31 else None
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    return send_media(attachment.media, as_attachment=True)
