"""/live: what the audience and the venue's big screen see, and the like endpoint.

The SSE stream (``/live/<id>/events``) follows bench/sse_lab's findings: the event text
is built once per version (broadcast.Channel), every stream waits on one shared Event,
one heartbeat thread per process wakes them all, and the generator holds no database
session. A (re)connecting client gets the current snapshot at once when its
Last-Event-ID is older (or missing).
"""
import json

from flask import Response, abort, current_app, render_template, request
from flask_babel import LazyString
from flask_login import current_user

from core import pagecache
from core.extensions import db, limiter
from core.permissions import public

from plugins.brand_stories import live, stage
from plugins.brand_stories.access import HOST, MANAGE, MAX_ID, can, shown_to
from plugins.brand_stories.broadcast import parse_last_event_id, sse_heartbeat
from plugins.brand_stories.models import ENDED, LIVE, SESSION_STATUSES, LiveSession
from plugins.brand_stories.runtime import get_runtime
from plugins.brand_stories.views import bp

RETRY_MS = 2000


@bp.context_processor
def statuses():
    return {"session_statuses": SESSION_STATUSES}


@bp.route("/live")
@public
def index():
    pagecache.skip()  # statuses change with the host's console, not with published content
    sessions = db.session.scalars(
        db.select(LiveSession).order_by(LiveSession.status != LIVE, LiveSession.status == ENDED,
                                        LiveSession.starts_at.desc().nulls_last(), LiveSession.position,
                                        LiveSession.id)
    ).all()
    return render_template("brand_stories/index.html",
                           sessions=[session for session in sessions if shown_to(current_user, session)])


def _stage(session_id):
    """The session as the public pages show it (stage.py), or 404."""
    found = stage.stage(session_id) if 0 < session_id <= MAX_ID else None
    if found is None or not (found.listed or can(current_user, HOST) or can(current_user, MANAGE)):
        abort(404)
    return found


@bp.route("/live/<int:session_id>")
@pagecache.never
@public
def audience(session_id):
    session = _stage(session_id)
    token = None
    needs_sign_in = not current_user.is_authenticated and not session.allows_devices
    if not current_user.is_authenticated and session.allows_devices:
        token = request.cookies.get(live.DEVICE_COOKIE)
        if live.device_id(token) is None:
            token = live.new_device_token()
    response = current_app.make_response(render_template(
        "brand_stories/audience.html", session=session, state=live.state(session, live.page_snapshot(session)),
        needs_sign_in=needs_sign_in, can_host=can(current_user, HOST), device_token=token))
    if token and token != request.cookies.get(live.DEVICE_COOKIE):
        response.set_cookie(live.DEVICE_COOKIE, token, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/live/<int:session_id>/board")
@pagecache.never
@public
def board(session_id):
    session = _stage(session_id)
    return render_template("brand_stories/board.html", session=session,
                           state=live.state(session, live.page_snapshot(session)))


@bp.route("/live/<int:session_id>/likes", methods=["POST"])
@public
@limiter.exempt
def like(session_id):
    """Taps from the audience page: JSON ``{"entry_id", "count", "batch_id"}`` with the CSRF
    token in ``X-CSRFToken``; the viewer is the signed-in member or the device cookie."""
    return like_response(session_id, request.cookies.get(live.DEVICE_COOKIE))


def like_response(session_id, device_token):
    """Shared by this view and the API: count one batch and answer JSON."""
    member_id = current_user.id if current_user.is_authenticated else None
    # Give back the pool connection this request may hold (a member's user was loaded) before
    # taking others: a crowd of taps, each holding one and waiting for a second, exhausts the pool.
    db.session.rollback()
    status, payload, headers = batch_answer(session_id, member_id, device_token, live.request_address(),
                                            request.get_json(silent=True))
    return current_app.response_class(json.dumps(payload, separators=(",", ":"), default=str) + "\n",
                                      status=status, headers=headers, mimetype="application/json")


RETRY_AFTER = {429: "5", 503: "2"}


def batch_answer(session_id, member_id, device_token, address, payload):
    """(status, JSON payload, headers) for one like batch: the hot path of a live final, shared by
    the like views and the API's lean route. No ORM object, no pool connection held while the
    ledger commits; messages stay lazy until the answer is written, in the visitor's language."""
    settings = live.like_settings(session_id) if 0 < session_id <= MAX_ID else None
    try:
        if settings is None:
            raise live.LiveRefused("bad_session", 404)
        viewer = live.viewer_for(settings, member_id, device_token)
        live.check_rates(settings, viewer, address)
        outcome = live.record_likes(settings, viewer, payload, address)
    except live.LiveRefused as refused:
        headers = {"Retry-After": RETRY_AFTER[refused.status]} if refused.status in RETRY_AFTER else {}
        message = LazyString(lambda error: error.message, refused)
        return refused.status, {"error": {"status": refused.status, "message": message, "code": refused.code}}, headers
    return 200, outcome.to_dict(), {}


@bp.route("/live/<int:session_id>/events")
@pagecache.never
@public
@limiter.exempt
def events(session_id):
    """The leaderboard's Server-Sent Events: ``event: snapshot`` with ``id: <version>`` and the
    snapshot JSON; ``: heartbeat`` comments every 15 s."""
    session = _stage(session_id)
    runtime = get_runtime()
    channel = runtime.fanout.channel(session.id)
    if channel.version < 0:
        runtime.fanout.publish(live.snapshot(session))
    last = parse_last_event_id(request.headers.get("Last-Event-ID"))
    last = -1 if last is None else last
    # The generator runs after the request's app context is gone (no stream_with_context):
    # a stream open for hours holds no database session or connection.

    def stream(last=last):
        runtime.stream_opened()
        try:
            yield f"retry: {RETRY_MS}\n\n".encode()
            if 0 <= channel.version < last:  # versions restarted (a cleared session): start afresh
                last = -1
            while True:
                version, frame, event = channel.current()
                if version > last:
                    last = version
                    yield frame
                    continue
                event.wait()
                if channel.version <= last:
                    yield sse_heartbeat().encode()
        finally:
            runtime.stream_closed()

    return Response(stream(), mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})
