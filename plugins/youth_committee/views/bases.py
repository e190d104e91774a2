"""Demonstration bases: the public directory with filters, a page each, and their admin."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from core.pages.service import first_free, slugify
from core.permissions import permission_required, public
from core.storage import UploadError, delete_media, media_url, save_upload
from plugins.youth_committee.content import EDIT
from plugins.youth_committee.forms import ActionForm, BaseForm
from plugins.youth_committee.models import BASE_STATUSES, Base, BasePhoto
from plugins.youth_committee.views import admin_bp, bp, get_or_404

MAX_PHOTOS = 12


@bp.route("/bases")
@public
def bases():
    theme = request.args.get("theme", "").strip()[:80]
    status = request.args.get("status", "")
    query = db.select(Base).order_by(Base.designated_on.desc().nulls_last(), Base.name)
    if status in BASE_STATUSES:
        query = query.where(Base.status == status)
    else:
        status = ""
    every = db.session.scalars(query).all()
    themes = sorted({t for base in db.session.scalars(db.select(Base)) for t in base.theme_list})
    shown = [base for base in every if not theme or theme in base.theme_list]
    return render_template("youth_committee/bases.html", bases=shown, themes=themes, theme=theme, status=status,
                           statuses=BASE_STATUSES, media_url=media_url)


@bp.route("/bases/<slug>")
@public
def base(slug):
    base = db.session.scalar(db.select(Base).where(Base.slug == slug[:120])) or abort(404)
    from plugins.youth_committee.events_query import upcoming

    events = [event for event in upcoming() if event.base_id == base.id]
    return render_template("youth_committee/base.html", base=base, events=events, media_url=media_url)


# -- admin -------------------------------------------------------------------------


@admin_bp.route("/bases")
@permission_required(EDIT)
def admin_bases():
    bases = db.session.scalars(db.select(Base).order_by(Base.name)).all()
    return render_template("youth_committee/admin/bases.html", bases=bases, form=ActionForm())


@admin_bp.route("/bases/new", methods=["GET", "POST"])
@permission_required(EDIT)
def admin_base_new():
    return _edit(Base())


@admin_bp.route("/bases/<int:base_id>", methods=["GET", "POST"])
@permission_required(EDIT)
def admin_base_edit(base_id):
    return _edit(get_or_404(Base, base_id))


def _edit(base):
    form = BaseForm(obj=base if base.id else None)
    shown = base if base.id else None
    if form.validate_on_submit():
        files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
        if len(base.photos) + len(files) > MAX_PHOTOS:
            form.photos.errors.append(_("A base may have at most %(count)s photos.", count=MAX_PHOTOS))
            return render_template("youth_committee/admin/base_form.html", form=form, base=shown,
                                   media_url=media_url), 400
        stored = []
        try:
            for upload in files:
                stored.append(save_upload(upload, kinds=["image"]))
        except UploadError as error:
            for media in stored:  # nothing half-saved: photos of a refused form go again
                delete_media(media)
            db.session.commit()
            form.photos.errors.append(error.message)
            return render_template("youth_committee/admin/base_form.html", form=form, base=shown,
                                   media_url=media_url), 400
        for field in ("name", "host_organisation", "address", "themes", "description", "designated_on", "status"):
            setattr(base, field, getattr(form, field).data or (None if field == "designated_on" else ""))
        if base.id is None:
            base.slug = first_free(slugify(base.name), lambda s: db.session.scalar(
                db.select(Base.id).where(Base.slug == s)) is not None)
            db.session.add(base)
        position = len(base.photos)
        for offset, media in enumerate(stored):
            base.photos.append(BasePhoto(media=media, position=position + offset))
        db.session.flush()
        audit("youth_committee.base_saved", base.name, id=base.id)
        db.session.commit()
        flash(_("Saved the base %(name)s.", name=base.name), "success")
        return redirect(url_for(".admin_base_edit", base_id=base.id))
    status = 400 if form.is_submitted() else 200
    return render_template("youth_committee/admin/base_form.html", form=form, base=shown,
                           media_url=media_url, action_form=ActionForm()), status


@admin_bp.route("/bases/<int:base_id>/photos/<int:photo_id>/delete", methods=["POST"])
@permission_required(EDIT)
def admin_base_photo_delete(base_id, photo_id):
    base = get_or_404(Base, base_id)
    photo = get_or_404(BasePhoto, photo_id)
    if photo.base_id != base.id or not ActionForm().validate_on_submit():
        abort(404 if photo.base_id != base.id else 400)
    media = photo.media
    db.session.delete(photo)
    db.session.flush()
    delete_media(media)
    db.session.commit()
    flash(_("The photo has been removed."), "success")
    return redirect(url_for(".admin_base_edit", base_id=base.id))
