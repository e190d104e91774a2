"""Admin: programmes, their landing pages and settings, and the form builder.

GET       /admin/partners                                   programmes (managers: theirs; MANAGE: all)
GET|POST  /admin/partners/new, /admin/partners/<id>/edit    programme settings          MANAGE
GET       /admin/partners/<id>/form                         the builder                 MANAGE
POST      /admin/partners/<id>/form/fields                  add a field                 MANAGE
GET|POST  /admin/partners/<id>/form/fields/<field_id>       edit a field                MANAGE
POST      .../fields/<field_id>/delete, .../move            remove, reorder             MANAGE
POST      /admin/partners/<id>/form/publish                 publish a new form version  MANAGE
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.audit import audit
from core.extensions import db
from core.forms import choice
from core.permissions import permission_required
from plugins.partner_recruitment import builder
from plugins.partner_recruitment.access import MANAGE, REVIEW, can, get_or_404, managed_programme_ids
from plugins.partner_recruitment.fields import TYPES
from plugins.partner_recruitment.forms import CsrfForm, FieldForm, ProgrammeForm
from plugins.partner_recruitment.models import Application, FormField, Programme
from plugins.partner_recruitment.views import bp


@bp.route("/admin/partners")
@permission_required(REVIEW)
def admin_list():
    managed = set(managed_programme_ids())
    query = db.select(Programme).order_by(Programme.created_at.desc())
    if not can(MANAGE):
        query = query.where(Programme.id.in_(managed or [0]))
    programmes = db.session.scalars(query).all()
    counts = dict(db.session.execute(db.select(Application.programme_id, db.func.count(Application.id))
                                     .group_by(Application.programme_id)).all())
    return render_template("partner_recruitment/admin/list.html", programmes=programmes, managed=managed,
                           counts=counts, can_manage=can(MANAGE))


def _fill_programme(form, programme):
    for name in ("title", "slug", "summary", "advantages", "conditions", "contact", "hotline", "published",
                 "open_for_applications", "allow_anonymous", "one_per_organisation", "retention_days"):
        setattr(programme, name, getattr(form, name).data if getattr(form, name).data is not None else "")
    used = set(db.session.scalars(db.select(Application.status_key).where(Application.programme_id == programme.id)
                                  .distinct())) if programme.id else set()
    builder.set_statuses(programme, form.statuses.data, used)
    builder.set_steps(programme, form.steps.data)
    builder.set_managers(programme, form.managers.data)


def _slug_taken(slug, programme):
    other = db.session.scalar(db.select(Programme).where(Programme.slug == slug))
    return other is not None and other is not programme


def _save_programme(form, programme, created):
    if not form.validate_on_submit():
        return None
    if _slug_taken(form.slug.data, programme):
        form.slug.errors.append(_("Another programme uses this address."))
        return None
    if (not created and programme.published and form.slug.data != programme.slug
            and not form.confirm_slug_change.data):
        form.slug.errors.append(_("Printed QR codes and shared links use the current address. Tick the box "
                                  "below the address to change it anyway."))
        return None
    try:
        with db.session.no_autoflush:
            _fill_programme(form, programme)
    except builder.SetupError as error:
        db.session.rollback()
        flash(str(error), "error")
        return None
    if created:
        db.session.add(programme)
    db.session.flush()
    audit("partner_recruitment.programme_saved", f"programme:{programme.id}", title=programme.title,
          managers=[user.email for user in programme.managers])
    db.session.commit()
    flash(_("The programme has been saved."), "success")
    return redirect(url_for(".admin_edit", programme_id=programme.id))


@bp.route("/admin/partners/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_new():
    form = ProgrammeForm()
    if request.method == "GET":
        programme = Programme()
        builder.add_default_statuses(programme)
        form.statuses.data = builder.statuses_text(programme)
        form.published.data = form.open_for_applications.data = form.allow_anonymous.data = True
        form.managers.data = current_user.email
    programme = Programme()
    saved = _save_programme(form, programme, created=True) if request.method == "POST" else None
    return saved or render_template("partner_recruitment/admin/edit.html", form=form, programme=None)


@bp.route("/admin/partners/<int:programme_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_edit(programme_id):
    programme = get_or_404(Programme, programme_id)
    form = ProgrammeForm(obj=programme)
    if request.method == "GET":
        form.steps.data = builder.steps_text(programme)
        form.statuses.data = builder.statuses_text(programme)
        form.managers.data = "\n".join(user.email for user in programme.managers)
    saved = _save_programme(form, programme, created=False) if request.method == "POST" else None
    return saved or render_template("partner_recruitment/admin/edit.html", form=form, programme=programme)


# -- the form builder ---------------------------------------------------------------------


def _field_form(programme, field=None):
    form = FieldForm(obj=field) if field is not None else FieldForm()
    earlier = [f for f in programme.draft_fields if (field is None or f.position < field.position)
               and f.type in builder.CONDITION_TYPES]
    form.show_if_field.choices = [choice("", _("always shown"))] + [choice(f.key, f.label) for f in earlier]
    if request.method == "GET" and field is not None:
        settings = field.settings or {}
        form.options.data = "\n".join(settings.get("options", []))
        form.min_value.data, form.max_value.data = settings.get("min", ""), settings.get("max", "")
        form.min_length.data, form.max_length.data = settings.get("min_length"), settings.get("max_length")
        form.kinds.data = settings.get("kinds", [])
        form.default.data = settings.get("default", "")
        condition = settings.get("show_if") or {}
        form.show_if_field.data, form.show_if_value.data = condition.get("field", ""), condition.get("value", "")
    return form


def _settings_from(form):
    kind = form.type.data
    settings = {}
    if kind in ("single", "multiple"):
        settings["options"] = list(dict.fromkeys(line.strip() for line in (form.options.data or "").splitlines()
                                                 if line.strip()))
    if kind in ("number", "date"):
        for name, value in (("min", form.min_value.data), ("max", form.max_value.data)):
            if value:
                settings[name] = _bound(kind, value)
    if kind in ("text", "textarea"):
        for name in ("min_length", "max_length"):
            if getattr(form, name).data:
                settings[name] = getattr(form, name).data
    if kind == "file":
        settings["kinds"] = [k for k in form.kinds.data or [] if k in ("pdf", "image", "document")]
    if kind == "hidden":
        settings["default"] = form.default.data or ""
    if form.show_if_field.data:
        settings["show_if"] = {"field": form.show_if_field.data, "value": form.show_if_value.data or ""}
    return settings


def _bound(kind, value):
    from datetime import date

    try:
        if kind == "number":
            float(value)
        else:
            date.fromisoformat(value)
    except ValueError:
        raise builder.SetupError(_("The minimum and maximum must be numbers (or dates as YYYY-MM-DD).")) from None
    return value


@bp.route("/admin/partners/<int:programme_id>/form")
@permission_required(MANAGE)
def builder_page(programme_id):
    programme = get_or_404(Programme, programme_id)
    return render_template("partner_recruitment/admin/builder.html", programme=programme,
                           form=_field_form(programme), action=CsrfForm(), types=TYPES,
                           unpublished=builder.has_unpublished_changes(programme))


@bp.route("/admin/partners/<int:programme_id>/form/fields", methods=["POST"])
@permission_required(MANAGE)
def builder_add(programme_id):
    programme = get_or_404(Programme, programme_id)
    form = _field_form(programme)
    if form.validate_on_submit():
        try:
            with db.session.no_autoflush:
                builder.new_field(programme, form.type.data, form.label.data, key=form.key.data or None,
                                  help=form.help_text.data or "", required=form.required.data,
                                  **_settings_from(form))
        except builder.SetupError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The field has been added to the draft. Publish to use it."), "success")
            return redirect(url_for(".builder_page", programme_id=programme.id))
    return render_template("partner_recruitment/admin/builder.html", programme=programme, form=form,
                           action=CsrfForm(), types=TYPES,
                           unpublished=builder.has_unpublished_changes(programme)), 400


def _draft_field_or_404(programme, field_id):
    field = get_or_404(FormField, field_id)
    if field.programme_id != programme.id:
        abort(404)
    return field


@bp.route("/admin/partners/<int:programme_id>/form/fields/<int:field_id>", methods=["GET", "POST"])
@permission_required(MANAGE)
def builder_edit(programme_id, field_id):
    programme = get_or_404(Programme, programme_id)
    field = _draft_field_or_404(programme, field_id)
    form = _field_form(programme, field)
    if request.method == "POST" and form.validate_on_submit():
        try:
            with db.session.no_autoflush:
                field.label, field.type = form.label.data, form.type.data  # the key never changes
                field.help_text, field.required = form.help_text.data or "", form.required.data
                field.settings = _settings_from(form)
                builder.check_field(programme, field)
                builder.check_dependants(programme, field)
        except builder.SetupError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The field has been saved in the draft. Publish to use it."), "success")
            return redirect(url_for(".builder_page", programme_id=programme.id))
    return render_template("partner_recruitment/admin/field.html", programme=programme, field=field, form=form)


@bp.route("/admin/partners/<int:programme_id>/form/fields/<int:field_id>/delete", methods=["POST"])
@permission_required(MANAGE)
def builder_delete(programme_id, field_id):
    programme = get_or_404(Programme, programme_id)
    field = _draft_field_or_404(programme, field_id)
    if CsrfForm().validate_on_submit():
        try:
            builder.remove(programme, field)
            db.session.commit()
            flash(_("The field has been removed from the draft."), "success")
        except builder.SetupError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for(".builder_page", programme_id=programme.id))


@bp.route("/admin/partners/<int:programme_id>/form/fields/<int:field_id>/move/<any(up, down):direction>",
          methods=["POST"])
@permission_required(MANAGE)
def builder_move(programme_id, field_id, direction):
    programme = get_or_404(Programme, programme_id)
    field = _draft_field_or_404(programme, field_id)
    if CsrfForm().validate_on_submit():
        try:
            builder.move(programme, field, -1 if direction == "up" else 1)
            db.session.commit()
        except builder.SetupError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for(".builder_page", programme_id=programme.id))


@bp.route("/admin/partners/<int:programme_id>/form/publish", methods=["POST"])
@permission_required(MANAGE)
def builder_publish(programme_id):
    programme = get_or_404(Programme, programme_id)
    if CsrfForm().validate_on_submit():
        try:
            version = builder.publish(programme, current_user._get_current_object())
        except builder.SetupError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            if version is None:
                flash(_("The published form already matches the draft."), "info")
            else:
                audit("partner_recruitment.form_published", f"programme:{programme.id}", version=version.number)
                db.session.commit()
                flash(_("Version %(number)d of the form is now in use.", number=version.number), "success")
    return redirect(url_for(".builder_page", programme_id=programme.id))
