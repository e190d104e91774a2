"""Admin: the media library (grid, upload, alt text and caption, delete) and the editor's JSON picker."""
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import or_
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from core.admin.forms import ConfirmForm
from core.admin.views import bp
from core.audit import audit
from core.extensions import db
from core.forms import strip
from core.pages.models import Page
from core.permissions import json_error, permission_required, user_has_permission
from core.storage import UploadError, delete_media, media_url, save_upload
from core.storage.models import KINDS, Media
from core.storage.uploads import KIND_NAMES, clean_name, format_size, max_upload_size
from core.web import render_error

PER_PAGE = 24
UPLOAD_ENDPOINTS = {"admin.media", "admin.media_upload"}
# Room for the multipart framing and the other fields around the largest allowed file.
FORM_OVERHEAD = 1024 * 1024



class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Files"))
    alt = StringField(_l("Alternative text for images"), filters=[strip], validators=[Length(max=300)],
                      description=_l("Describes the picture for people who cannot see it; applies to every image uploaded now."))
    submit = SubmitField(_l("Upload"))


class MediaForm(FlaskForm):
    alt = StringField(_l("Alternative text"), filters=[strip], validators=[Length(max=300)],
                      description=_l("What the picture shows, for screen readers and when it cannot load."))
    caption = TextAreaField(_l("Caption"), filters=[strip], validators=[Length(max=500)])
    submit = SubmitField(_l("Save"))


@bp.url_value_preprocessor
def allow_large_uploads(endpoint, values):
    """Videos may be larger than MAX_CONTENT_LENGTH: raise the limit on the upload routes,
    for people who may upload, before anything (the CSRF check first) reads the body."""
    if endpoint in UPLOAD_ENDPOINTS and request.method == "POST" and current_user.is_authenticated \
            and user_has_permission(current_user, "media.manage"):
        request.max_content_length = max_upload_size() + FORM_OVERHEAD


def too_large_message():
    return _("The upload is too large. Files may be at most %(limit)s.", limit=format_size(max_upload_size()))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    if request.endpoint == "admin.media_upload":
        return json_error(413, too_large_message())
    if request.endpoint == "admin.media":
        return render_error(413, too_large_message())
    return render_error(413)


def library_select(kind="", query=""):
    """Public files of the library, newest first, optionally of one kind and matching a search."""
    select = db.select(Media).where(Media.private.is_(False)).order_by(Media.created_at.desc(), Media.id.desc())
    if kind in KINDS:
        select = select.where(Media.kind == kind)
    if query:
        select = select.where(or_(*[column.icontains(query, autoescape=True)
                                    for column in (Media.original_name, Media.alt, Media.caption)]))
    return select


def library_filters():
    kind = request.args.get("kind", "")
    return {"kind": kind if kind in KINDS else "", "q": request.args.get("q", "").strip()[:200]}


def render_library(form, results=None, status=200):
    filters = library_filters()
    pagination = db.paginate(library_select(filters["kind"], filters["q"]), per_page=PER_PAGE, error_out=False)
    return render_template("admin/media.html", form=form, pagination=pagination, filters=filters,
                           kinds=[(kind, KIND_NAMES[kind]) for kind in KINDS], results=results or [],
                           limits={kind: format_size(size) for kind, size in
                                   current_app.config["UPLOAD_LIMITS"].items()}), status


@bp.route("/media/", methods=["GET", "POST"])
@permission_required("media.manage")
def media():
    form = UploadForm()
    if request.method == "GET":
        return render_library(form)
    if not form.validate_on_submit():
        return render_library(form, status=400)
    files = [item for item in form.files.data or [] if item and item.filename]
    if not files:
        form.files.errors.append(_("Choose at least one file."))
        return render_library(form, status=400)
    saved, results, first_error = [], [], None
    for item in files:
        try:
            saved_media = upload_one(item, form.alt.data or "")
        except UploadError as error:
            results.append({"name": clean_name(item.filename), "error": error.message})
            first_error = first_error or error
        else:
            saved.append(saved_media)
            results.append({"name": saved_media.original_name, "media": saved_media})
    if not first_error:
        flash(ngettext("Uploaded %(num)d file.", "Uploaded %(num)d files.", len(saved)), "success")
        return redirect(url_for("admin.media"))
    # Nothing saved: the status of the refusal; some saved: the page lists both.
    return render_library(UploadForm(formdata=None), results, 200 if saved else first_error.status)


def upload_one(file_storage, alt, kinds=None):
    """Save one upload of the signed-in user, with its alternative text if it is an image."""
    item = save_upload(file_storage, owner=current_user._get_current_object(), kinds=kinds)
    if alt and item.kind == "image":
        item.alt = alt
    audit("media.uploaded", item.original_name, id=item.id, kind=item.kind, size=item.size)
    db.session.commit()
    return item


def item_json(item):
    """One library item as the editor's picker reads it."""
    return {
        "id": item.id,
        "url": media_url(item),
        "thumb_url": media_url(item, thumb=True) if item.thumb_key else None,
        "alt": item.alt,
        "caption": item.caption,
        "width": item.width,
        "height": item.height,
        "kind": item.kind,
        "name": item.original_name,
    }


@bp.route("/media/library.json")
@permission_required("media.manage")
def media_library():
    filters = library_filters()
    pagination = db.paginate(library_select(filters["kind"], filters["q"]), per_page=PER_PAGE, error_out=False)
    return jsonify({
        "items": [item_json(item) for item in pagination.items],
        "page": pagination.page,
        "pages": pagination.pages,
    })


@bp.route("/media/upload", methods=["POST"])
@permission_required("media.manage")
def media_upload():
    kind = request.form.get("kind", "")
    if kind and kind not in KINDS:
        return json_error(400, _("Unknown kind of file."))
    alt = (request.form.get("alt") or "").strip()
    if len(alt) > 300:
        return json_error(400, _("The alternative text may be at most 300 characters."))
    try:
        item = upload_one(request.files.get("file"), alt, kinds=[kind] if kind else None)
    except UploadError as error:
        return json_error(error.status, error.message)
    return jsonify({"item": item_json(item)}), 201


def public_media_or_404(media_id):
    item = db.get_or_404(Media, media_id)
    if item.private:  # private files belong to the workflows that uploaded them, not to the library
        abort(404)
    return item


def usage(item):
    """Pages that show the file: as their cover (blocks deletion), or in their text."""
    covers = db.session.scalars(db.select(Page).where(Page.cover_id == item.id).order_by(Page.title)).all()
    urls = [media_url(item)] + ([media_url(item, thumb=True)] if item.thumb_key else [])
    in_text = db.session.scalars(
        db.select(Page).where(or_(*[Page.body.contains(url, autoescape=True) for url in urls])).order_by(Page.title)
    ).all()
    return covers, [page for page in in_text if page not in covers]


@bp.route("/media/<int:media_id>", methods=["GET", "POST"])
@permission_required("media.manage")
def media_edit(media_id):
    item = public_media_or_404(media_id)
    form = MediaForm(obj=item) if request.method == "GET" else MediaForm()
    if form.validate_on_submit():
        item.alt, item.caption = form.alt.data or "", form.caption.data or ""
        audit("media.edited", item.original_name, id=item.id)
        db.session.commit()
        flash(_("Saved %(name)s.", name=item.original_name), "success")
        return redirect(url_for("admin.media_edit", media_id=item.id))
    covers, in_text = usage(item)
    return render_template("admin/media_edit.html", item=item, form=form, covers=covers, in_text=in_text,
                           url=media_url(item), thumb_url=media_url(item, thumb=True) if item.thumb_key else None)


@bp.route("/media/<int:media_id>/delete", methods=["GET", "POST"])
@permission_required("media.manage")
def media_delete(media_id):
    item = public_media_or_404(media_id)
    covers, in_text = usage(item)
    form = ConfirmForm()
    if form.validate_on_submit():
        if covers:
            flash(_("This file is the cover image of a page. Choose another cover first."), "error")
            return render_template("admin/media_delete.html", item=item, form=form, covers=covers,
                                   in_text=in_text), 409
        name = item.original_name
        audit("media.deleted", name, id=item.id)
        delete_media(item)
        flash(_("Deleted %(name)s.", name=name), "success")
        return redirect(url_for("admin.media"))
    return render_template("admin/media_delete.html", item=item, form=form, covers=covers, in_text=in_text)
