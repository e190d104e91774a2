"""/admin/live: live finals and their sessions (managers). Running orders and finalists are in
admin_order.py. The checks and writes are setup.py's; these views parse, commit and answer."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user

from core.extensions import db
from core.forms import choice
from core.permissions import permission_required

from plugins.brand_stories import setup
from plugins.brand_stories.access import MANAGE, get_or_404
from plugins.brand_stories.forms import LIKES_WEIGHT_MAX, ConfirmForm, FinalSettingsForm, NewFinalForm, SessionForm
from plugins.brand_stories.models import VIEWER_MODES, LiveFinal, LiveSession
from plugins.brand_stories.views import bp


@bp.context_processor
def viewer_modes():
    return {"viewer_modes": VIEWER_MODES}


def add_errors(form, errors):
    """Show a SetupRefused's messages on the form's fields (unnamed ones come back for flashing)."""
    loose = []
    for name, messages in errors.items():
        if name and name in form:
            form[name].errors = [*form[name].errors, *messages]
        else:
            loose.extend(messages)
    return loose


def saved(form, write, done):
    """The set-up views' one way to change something. For a valid ``form`` run ``write``; on
    success commit and flash ``done`` (a message or None, or a function of what ``write`` returned) and
    return that (True for None). A SetupRefused rolls back and shows its messages on the form's
    fields (or flashes them); a button whose token expired says so. Returns None when nothing
    was saved."""
    if not form.validate_on_submit():
        if type(form) is ConfirmForm and request.method == "POST":
            flash(_("The form expired. Please try again."), "error")
        return None
    try:
        result = write()
    except setup.SetupRefused as refused:
        db.session.rollback()
        for message in add_errors(form, refused.errors):
            flash(message, "error")
        return None
    message = done(result) if callable(done) else done
    db.session.commit()
    if message:
        flash(message, "success")
    return True if result is None else result


def _none_choice(label):
    return [choice(0, label)]


def _competition_choices(competitions, empty):
    return _none_choice(empty) + [choice(c.id, c.title) for c in competitions]


def _category_choices(final):
    return _none_choice(_("No category (any finalist)")) + [
        choice(category.id, category.name) for category in final.competition.categories]


def _local(value):
    return to_user_timezone(value).replace(tzinfo=None) if value is not None else None


def _utc(value):
    return to_utc(value).replace(tzinfo=None) if value is not None else None


# -- finals --------------------------------------------------------------------


@bp.route("/admin/live")
@permission_required(MANAGE)
def admin_finals():
    finals = db.session.scalars(db.select(LiveFinal).order_by(LiveFinal.id.desc())).all()
    return render_template("brand_stories/admin/finals.html", finals=finals,
                           can_create=bool(setup.competitions_without_final()))


@bp.route("/admin/live/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_final_new():
    form = NewFinalForm()
    form.competition_id.choices = _competition_choices(setup.competitions_without_final(),
                                                       _("Choose a competition"))
    form.preliminary_id.choices = _competition_choices(setup.all_competitions(), _("None"))
    final = saved(form, lambda: setup.create_final(form.competition_id.data, form.preliminary_id.data,
                                                   form.settings(), current_user),
                  _("The live final has been created. Add its sessions now."))
    if final:
        return redirect(url_for(".admin_final", final_id=final.id))
    status = 400 if request.method == "POST" else 200
    return render_template("brand_stories/admin/final_new.html", form=form), status


def _settings_form(final, formdata=True):
    form = FinalSettingsForm(obj=final) if formdata else FinalSettingsForm(obj=final, formdata=None)
    if not formdata or request.method == "GET":
        form.preliminary_id.data = final.preliminary_id or 0
        # The competition's own set-up allows up to 100 %; a final keeps to LIKES_WEIGHT_MAX.
        form.likes_weight.data = min(LIKES_WEIGHT_MAX, round(100 * (final.competition.vote_weight or 0)))
        form.likes_basis.data = final.competition.vote_basis
    form.preliminary_id.choices = _competition_choices(
        [c for c in setup.all_competitions() if c.id != final.competition_id], _("None"))
    return form


def _session_form(final, session=None, formdata=True):
    kwargs = {} if formdata else {"formdata": None}
    form = SessionForm(prefix="session", obj=session, **kwargs)
    form.category_id.choices = _category_choices(final)
    if session is not None and (not formdata or request.method == "GET"):
        form.category_id.data = session.category_id or 0
        form.starts_at.data = _local(session.starts_at)
    return form


def _render_final(final, form=None, session_form=None, status=200):
    return render_template(
        "brand_stories/admin/final.html", final=final, form=form or _settings_form(final, formdata=False),
        session_form=session_form or _session_form(final, formdata=False),
        refusals={session.id: setup.delete_refusal(session) for session in final.sessions}), status


@bp.route("/admin/live/<int:final_id>", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_final(final_id):
    final = get_or_404(LiveFinal, final_id)
    form = _settings_form(final)
    if saved(form, lambda: setup.update_final(final, form.preliminary_id.data, form.settings(), current_user),
             _("The settings have been saved.")):
        return redirect(url_for(".admin_final", final_id=final.id))
    return _render_final(final, form=form, status=400 if request.method == "POST" else 200)


# -- sessions ------------------------------------------------------------------


def _session_values(form):
    return {"title": form.title.data, "category_id": form.category_id.data or None,
            "starts_at": _utc(form.starts_at.data)}


@bp.route("/admin/live/<int:final_id>/sessions", methods=["POST"])
@permission_required(MANAGE)
def admin_session_add(final_id):
    final = get_or_404(LiveFinal, final_id)
    form = _session_form(final)
    session = saved(form, lambda: setup.add_session(final, **_session_values(form), actor=current_user),
                    _("The session has been added. Now set its running order."))
    if session:
        return redirect(url_for(".admin_running_order", session_id=session.id))
    return _render_final(final, session_form=form, status=400)


def _session(session_id):
    return get_or_404(LiveSession, session_id)


@bp.route("/admin/live/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_session_edit(session_id):
    session = _session(session_id)
    form = _session_form(session.final, session)
    if saved(form, lambda: setup.update_session(session, **_session_values(form), actor=current_user),
             _("The session has been saved.")):
        return redirect(url_for(".admin_final", final_id=session.final_id))
    status = 400 if request.method == "POST" else 200
    return render_template("brand_stories/admin/session_edit.html", session=session, form=form), status


@bp.route("/admin/live/sessions/<int:session_id>/delete", methods=["POST"])
@permission_required(MANAGE)
def admin_session_delete(session_id):
    session = _session(session_id)
    final_id = session.final_id
    saved(ConfirmForm(), lambda: setup.delete_session(session, current_user), _("The session has been deleted."))
    return redirect(url_for(".admin_final", final_id=final_id))


from plugins.brand_stories.views import admin_order  # noqa: E402,F401  (running orders and finalists)
from plugins.brand_stories.views import admin_anomalies  # noqa: E402,F401  (the anomaly report)
