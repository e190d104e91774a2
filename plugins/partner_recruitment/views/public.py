"""Public pages.

GET  /partners                           programmes
GET  /partners/<slug>                    landing page (advantages, conditions, scope, steps, contact)
GET  /partners/<slug>/qr.png|qr.svg      QR code that opens the form
GET  /partners/regions.json              the administrative divisions for the region selects
GET  /partners/<slug>/apply              the form   POST: rate-limited, honeypot, challenge
GET  /partners/status/<token>            the secret status link (also the confirmation page)
POST /partners/status/<token>/delete     the applicant asks for their data to be deleted
"""
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from core import pagecache
from core.audit import audit
from core.extensions import db, limiter
from core.permissions import public
from core.storage.serving import filename_parameters
from core.users.blueprint import user_or_address
from plugins.partner_recruitment import applications, pipeline, qr, regions, spam
from plugins.partner_recruitment.fields import raw_values, validate, visible_keys
from plugins.partner_recruitment.forms import CsrfForm
from plugins.partner_recruitment.models import Application, Programme
from plugins.partner_recruitment.views import bp

DEFAULT_RATE_LIMIT = "5 per 10 minutes;30 per day"


def apply_limit():
    return current_app.config.get("PARTNER_RECRUITMENT_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def programme_or_404(slug):
    programme = db.session.scalar(db.select(Programme).where(Programme.slug == slug))
    if programme is None or not programme.published:
        abort(404)
    return programme


@bp.route("/partners")
@public
def index():
    programmes = db.session.scalars(db.select(Programme).where(Programme.published.is_(True))
                                    .order_by(Programme.created_at.desc())).all()
    return render_template("partner_recruitment/index.html", programmes=programmes)


@bp.route("/partners/<slug>")
@public
def landing(slug):
    programme = programme_or_404(slug)
    version = programme.current_version
    scope = next((spec for spec in (version.fields if version else []) if spec["type"] == "multiple"), None)
    return render_template("partner_recruitment/landing.html", programme=programme, scope=scope)


@bp.route("/partners/<slug>/qr.<any(png, svg):fmt>")
@public
def qr_code(slug, fmt):
    programme = programme_or_404(slug)
    url = qr.form_url(programme)
    data = qr.png(url) if fmt == "png" else qr.svg(url)
    response = current_app.response_class(data, mimetype="image/png" if fmt == "png" else "image/svg+xml")
    if request.args.get("download"):
        response.headers.set("Content-Disposition", "attachment", **filename_parameters(f"{programme.slug}-qr.{fmt}"))
    return response


@bp.route("/partners/regions.json")
@public
def regions_json():
    response = jsonify(regions.children_json())
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def _render_form(programme, errors=None, message=None, status=200):
    """The form, filled with what was sent (files must be chosen again)."""
    token, question = spam.new_challenge()
    specs = programme.current_version.fields
    sent = request.form if request.method == "POST" else MultiDict()
    raw = raw_values(specs, sent, request.args)
    organisations = applications.applicant_organisations(current_user)
    default = applications.default_organisation(programme, current_user)
    chosen = sent.get(applications.ORGANISATION_INPUT) or (str(default.id) if default else "")
    return render_template(
        "partner_recruitment/apply.html", programme=programme, specs=specs, raw=raw,
        shown=visible_keys(specs, raw), errors=errors or {}, message=message, form=CsrfForm(),
        challenge_token=token, challenge_question=question, regions=regions, honeypot=spam.HONEYPOT,
        organisations=organisations if len(organisations) > 1 else [], chosen_organisation=chosen,
        organisation_input=applications.ORGANISATION_INPUT,
    ), status


@bp.route("/partners/<slug>/apply", methods=["GET", "POST"])
@limiter.limit(apply_limit, key_func=user_or_address, methods=["POST"])
@public
def apply(slug):
    programme = programme_or_404(slug)
    pagecache.skip()  # the form carries a CSRF token and a fresh challenge
    refusal = applications.refusal_before_form(programme, current_user)
    if refusal:
        if not current_user.is_authenticated and refusal == _("Please sign in to apply."):
            flash(refusal, "info")
            return redirect(url_for("users.login", next=request.full_path))
        return render_template("partner_recruitment/closed.html", programme=programme, message=refusal), 403
    if request.method == "GET":
        return _render_form(programme)
    if not CsrfForm().validate_on_submit():
        return _render_form(programme, message=_("The form has expired. Please try again."), status=400)
    spam_refusal = spam.refusal(request.form)
    if spam_refusal:  # show the field errors too, so that one more try is enough
        _values, errors, _shown = validate(programme.current_version.fields, request.form, request.args)
        return _render_form(programme, errors=errors, message=spam_refusal, status=400)
    try:
        application = applications.submit(programme, request.form, request.files, request.args, current_user)
    except applications.Refused as refused:
        return _render_form(programme, errors=refused.errors,
                            message=refused.message or _("Please correct the marked fields."), status=400)
    return redirect(url_for(".status", token=application.token, new=1))


def application_by_token_or_404(token):
    if not token or len(token) > 64:
        abort(404)
    application = db.session.scalar(db.select(Application).where(Application.token == token))
    if application is None:
        abort(404)
    return application


@bp.route("/partners/status/<token>")
@public
def status(token):
    application = application_by_token_or_404(token)
    pagecache.skip()
    shared = [event for event in application.events if event.kind in ("submitted", "status") and event.shared]
    return render_template("partner_recruitment/status.html", application=application,
                           programme=application.programme, shared=shared, new=bool(request.args.get("new")),
                           form=CsrfForm())


@bp.route("/partners/status/<token>/delete", methods=["POST"])
@public
def request_deletion(token):
    application = application_by_token_or_404(token)
    if not CsrfForm().validate_on_submit():
        abort(400)
    pipeline.request_deletion(application)
    audit("partner_recruitment.deletion_requested", f"application:{application.id}")
    db.session.commit()
    flash(_("We have received your request. The programme's managers will delete your data."), "success")
    return redirect(url_for(".status", token=token))
