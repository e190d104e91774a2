"""/admin/live/sessions/<id>/anomalies: the anomaly report of a session's likes; voiding and
restoring one viewer's likes (managers), each with an audit record."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.permissions import permission_required

from plugins.brand_stories import anomalies
from plugins.brand_stories.access import MANAGE, get_or_404
from plugins.brand_stories.forms import ConfirmForm
from plugins.brand_stories.models import LiveSession, Void
from plugins.brand_stories.views import bp


@bp.route("/admin/live/sessions/<int:session_id>/anomalies")
@permission_required(MANAGE)
def admin_anomalies(session_id):
    session = get_or_404(LiveSession, session_id)
    return render_template("brand_stories/admin/anomalies.html", session=session, report=anomalies.report(session),
                           thresholds={"coverage": int(anomalies.NONSTOP_COVERAGE * 100),
                                       "window": anomalies.NONSTOP_MIN_WINDOW_MS // 1000,
                                       "burst": anomalies.BURST_VIEWERS,
                                       "bucket": anomalies.BURST_BUCKET_MS // 1000})


def _back(session):
    return redirect(url_for(".admin_anomalies", session_id=session.id))


@bp.route("/admin/live/sessions/<int:session_id>/void", methods=["POST"])
@permission_required(MANAGE)
def admin_void(session_id):
    session = get_or_404(LiveSession, session_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return _back(session)
    viewers = [viewer for viewer in request.form.getlist("viewer") if viewer][:1000]
    if not viewers:
        flash(_("Choose the viewer whose likes to void."), "error")
        return _back(session)
    done = 0
    for viewer in viewers:
        try:
            anomalies.void_viewer(session, viewer, request.form.get("reason", ""), current_user)
            done += 1
        except anomalies.VoidRefused as refused:
            flash(refused.message, "error")
            break
    if done:
        flash(_("The likes of %(count)d viewer(s) are voided.", count=done), "success")
    return _back(session)


@bp.route("/admin/live/sessions/<int:session_id>/voids/<int:void_id>/restore", methods=["POST"])
@permission_required(MANAGE)
def admin_void_restore(session_id, void_id):
    session = get_or_404(LiveSession, session_id)
    void = get_or_404(Void, void_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return _back(session)
    try:
        anomalies.restore_viewer(session, void, current_user)
    except anomalies.VoidRefused as refused:
        flash(refused.message, "error")
    else:
        flash(_("The viewer's likes count again."), "success")
    return _back(session)
