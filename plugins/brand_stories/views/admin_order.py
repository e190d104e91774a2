"""/admin/live: a session's running order, and promoting finalists from the preliminary round
(managers). The checks and writes are setup.py's and finalists.py's."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from core.extensions import db
from core.forms import choice
from core.permissions import permission_required

from plugins.brand_stories import finalists, setup
from plugins.brand_stories.access import MANAGE, get_or_404
from plugins.brand_stories.forms import ConfirmForm, PresenterForm, SlotForm, finalists_form
from plugins.brand_stories.models import LiveFinal, LiveSession, Slot
from plugins.brand_stories.views import bp
from plugins.brand_stories.views.admin import saved

MAX_TICKED = 10000


def _entry_label(entry):
    organisation = entry.organisation.name if entry.organisation else ""
    return f"{entry.number or '—'} {entry.title} · {organisation}"


def _slot_form(session, formdata=True):
    form = SlotForm(prefix="slot") if formdata else SlotForm(prefix="slot", formdata=None)
    form.entry_id.choices = [choice(0, _("Choose a finalist"))] + [
        choice(entry.id, _entry_label(entry)) for entry in setup.candidates(session)]
    return form


def _render_order(session, slot_form=None, status=200):
    presenter_forms = {slot.id: PresenterForm(prefix=f"p{slot.id}", obj=slot, formdata=None)
                       for slot in session.slots}
    return render_template("brand_stories/admin/running_order.html", session=session,
                           slot_form=slot_form or _slot_form(session, formdata=False),
                           presenter_forms=presenter_forms), status


def _back(session):
    return redirect(url_for(".admin_running_order", session_id=session.id))


@bp.route("/admin/live/sessions/<int:session_id>")
@permission_required(MANAGE)
def admin_running_order(session_id):
    return _render_order(get_or_404(LiveSession, session_id))


@bp.route("/admin/live/sessions/<int:session_id>/slots", methods=["POST"])
@permission_required(MANAGE)
def admin_slot_add(session_id):
    session = get_or_404(LiveSession, session_id)
    form = _slot_form(session)
    if saved(form, lambda: setup.add_slot(session, form.entry_id.data, form.presenter.data, current_user),
             lambda slot: _("%(title)s has been added to the running order.", title=slot.entry.title)):
        return _back(session)
    return _render_order(session, slot_form=form, status=400)


@bp.route("/admin/live/slots/<int:slot_id>/presenter", methods=["POST"])
@permission_required(MANAGE)
def admin_slot_presenter(slot_id):
    slot = get_or_404(Slot, slot_id)
    session = slot.session
    form = PresenterForm(prefix=f"p{slot.id}")
    if form.validate_on_submit():
        setup.set_presenter(slot, form.presenter.data, current_user)
        db.session.commit()
        flash(_("The presenter has been saved."), "success")
        return _back(session)
    for messages in form.errors.values():
        for message in messages:
            flash(_("Presenter: %(message)s", message=message), "error")
    return _render_order(session, status=400)


@bp.route("/admin/live/slots/<int:slot_id>/move/<any(up, down):direction>", methods=["POST"])
@permission_required(MANAGE)
def admin_slot_move(slot_id, direction):
    slot = get_or_404(Slot, slot_id)
    session = slot.session
    saved(ConfirmForm(), lambda: setup.move_slot(slot, -1 if direction == "up" else 1, current_user), None)
    return _back(session)


@bp.route("/admin/live/slots/<int:slot_id>/remove", methods=["POST"])
@permission_required(MANAGE)
def admin_slot_remove(slot_id):
    slot = get_or_404(Slot, slot_id)
    session = slot.session
    saved(ConfirmForm(), lambda: setup.remove_slot(slot, current_user),
          _("The finalist has been taken out of the running order."))
    return _back(session)


# -- finalists ------------------------------------------------------------------


def _ticked():
    values = request.form.getlist("entry")[:MAX_TICKED]
    return {int(value) for value in values if value.isdigit() and len(value) < 11}


@bp.route("/admin/live/<int:final_id>/finalists", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_finalists(final_id):
    final = get_or_404(LiveFinal, final_id)
    grouped = finalists.candidates_by_category(final)
    form = finalists_form([category for category, _rows in grouped])()
    ticked = _ticked() if request.method == "POST" else set()
    status = 200
    if form.validate_on_submit():
        top_n = {category.id: form[f"top_{category.id}"].data or 0 for category, _rows in grouped}
        try:
            report = finalists.promote(final, top_n, ticked, add_to_order=form.add_to_order.data,
                                       actor=current_user)
        except setup.SetupRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            status = 400
        else:
            messages = _report_messages(report)
            db.session.commit()
            for message, kind in messages:
                flash(message, kind)
            return redirect(url_for(".admin_finalists", final_id=final.id))
    elif request.method == "POST":
        status = 400
    return render_template("brand_stories/admin/finalists.html", final=final, grouped=grouped, form=form,
                           ticked=ticked, refusal=finalists.source_refusal(final)), status


def _report_messages(report):
    messages = [(ngettext("%(num)d finalist has been promoted.", "%(num)d finalists have been promoted.",
                          len(report.created)), "success")]
    if report.appended:
        messages.append((ngettext("%(num)d of them has joined a running order.",
                                  "%(num)d of them have joined a running order.", len(report.appended)), "success"))
    if report.skipped:
        messages.append((_("Already in the final, skipped: %(titles)s.",
                           titles=", ".join(entry.title for entry in report.skipped)), "warning"))
    if report.without_session:
        messages.append((_("No open session for the category of: %(titles)s. Add them to a running order by "
                           "hand.", titles=", ".join(entry.title for entry in report.without_session)), "warning"))
    return messages
