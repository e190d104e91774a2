"""/live/<id>/host: the host's console. Opens and closes each finalist's presentation window;
likes count only inside the open window of the entry on stage."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.permissions import permission_required

from plugins.brand_stories import live
from plugins.brand_stories.access import HOST, get_or_404
from plugins.brand_stories.forms import ConfirmForm
from plugins.brand_stories.models import LiveSession, Slot
from plugins.brand_stories.views import bp


def _session(session_id):
    return get_or_404(LiveSession, session_id)


def _back(session):
    return redirect(url_for("brand_stories.host", session_id=session.id))


@bp.route("/live/<int:session_id>/host")
@permission_required(HOST)
def host(session_id):
    session = _session(session_id)
    return render_template("brand_stories/host.html", session=session, state=live.state(session),
                           form=ConfirmForm())


def _act(session, action, done_message):
    """Run a console action from a POSTed (CSRF-checked) form; JSON callers get the new state."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return _back(session)
    try:
        action()
    except live.unavailable_errors():  # scale-out with Redis (or the database) unreachable
        db.session.rollback()
        flash(_("The live counts cannot be reached right now. Try again in a moment."), "error")
        return _back(session)
    except live.LiveRefused as refused:
        if request.accept_mimetypes.best == "application/json":
            return {"error": {"status": refused.status, "message": refused.message, "code": refused.code}}, \
                refused.status
        flash(refused.message, "error")
        return _back(session)
    if request.accept_mimetypes.best == "application/json":
        return live.state(session)
    flash(done_message() if callable(done_message) else done_message, "success")
    return _back(session)


@bp.route("/live/<int:session_id>/host/open/<int:slot_id>", methods=["POST"])
@permission_required(HOST)
def host_open(session_id, slot_id):
    session = _session(session_id)
    slot = get_or_404(Slot, slot_id)
    return _act(session, lambda: live.open_window(session, slot, current_user),
                _("Likes are open for %(title)s.", title=slot.entry.title))


@bp.route("/live/<int:session_id>/host/next", methods=["POST"])
@permission_required(HOST)
def host_next(session_id):
    session = _session(session_id)
    return _act(session, lambda: live.next_window(session, current_user), lambda: _on_stage_message(session))


def _on_stage_message(session):
    if session.current_entry is None:
        return _("Likes are closed: the running order is finished.")
    return _("Likes are open for %(title)s.", title=session.current_entry.title)


@bp.route("/live/<int:session_id>/host/close", methods=["POST"])
@permission_required(HOST)
def host_close(session_id):
    session = _session(session_id)
    return _act(session, lambda: live.close_window(session, current_user), _("Likes are closed."))


@bp.route("/live/<int:session_id>/host/end", methods=["POST"])
@permission_required(HOST)
def host_end(session_id):
    session = _session(session_id)
    return _act(session, lambda: live.end_session(session, current_user), _("The session has ended."))
