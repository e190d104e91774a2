"""/api/v1/live: a live session's state and its likes, for scripts and apps.

The API is token-only (core/api/auth.py): a bearer token makes the caller a member
viewer; without one, a final that admits anonymous devices takes a signed device
token in ``X-Device-Token`` (from ``POST /api/v1/live/devices``). The YAML after
'---' in each docstring goes into the OpenAPI document.
"""
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from core.api.errors import ApiError
from core.extensions import limiter
from core.lean import LeanResponse
from core.permissions import public

from plugins.brand_stories import live
from plugins.brand_stories.access import public_session_or_404
from plugins.brand_stories.views import api_bp
from plugins.brand_stories.views.public import batch_answer, like_response

LIKES_PATH = r"/api/v1/live/(?P<session_id>[1-9][0-9]{0,9})/likes"


@api_bp.route("/<int:session_id>")
@public
def session_state(session_id):
    """A live session: who is presenting and the counts.
    ---
    get:
      summary: Live session state
      description: The session's status, whether a presentation window is open and for which
        entry (current), the snapshot version (the SSE event id), and per finalist its hearts
        (every accepted tap) and scoring likes (what counts toward the score, at most the
        final's likes_cap per viewer and entry), with the ranking by scoring likes. The same
        snapshots stream as Server-Sent Events from /live/{session_id}/events.
      security: []
      responses:
        200:
          description: The session's state.
        404:
          description: No such session.
    """
    session = public_session_or_404(current_user, session_id)
    return jsonify(live.state(session))


LIKE_ENDPOINTS = frozenset({"brand_stories_api.session_likes", "brand_stories.like"})


@limiter.request_filter
def _likes_have_budgets_of_their_own():
    """Likes answer to the final's per-viewer and per-network budgets (live.check_rates), not to the
    API-wide budget every /api/ blueprint shares (a venue's phones share one address), and the
    limiter has nothing else to check for them: it skips them at once."""
    return request.endpoint in LIKE_ENDPOINTS


@api_bp.route("/<int:session_id>/likes", methods=["POST"])
@public
def session_likes(session_id):
    """Send a batch of likes for the entry being presented.
    ---
    post:
      summary: Send likes
      description: |
        Body: {"entry_id": int, "count": 1..max_batch, "batch_id": 8-64 characters of
        A-Z a-z 0-9 _ -}. A batch re-sent with the same batch_id counts once and answers the
        original outcome with "duplicate": true. Likes count only for the entry whose
        presentation window is open (409 window_closed or not_current_entry otherwise).
        accepted is the number of taps accepted (hearts); accepted_scoring how many of them
        count toward the score.
        The viewer is the token's user, or an anonymous device (X-Device-Token header) where
        the final admits devices. Per-viewer and per-IP limits answer 429 with Retry-After;
        503 when the like ledger is unreachable (nothing was counted: re-send later).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [entry_id, count, batch_id]
              properties:
                entry_id: {type: integer}
                count: {type: integer, minimum: 1}
                batch_id: {type: string, pattern: "^[A-Za-z0-9_-]{8,64}$"}
      responses:
        200:
          description: Counted (or a duplicate of a counted batch).
          content:
            application/json:
              schema:
                type: object
                properties:
                  accepted: {type: integer}
                  accepted_hearts: {type: integer}
                  accepted_scoring: {type: integer}
                  duplicate: {type: boolean}
        400:
          description: A malformed batch.
        401:
          description: Sign-in (a token) or a valid device token is needed.
        404:
          description: No such session.
        409:
          description: No window open for this entry, or a batch_id reused for other likes.
        429:
          description: Too many batches from this viewer or network.
        503:
          description: Likes are paused (the ledger is unreachable).
    """
    return like_response(session_id, request.headers.get(live.DEVICE_HEADER))


def lean_likes(lean_request):
    """session_likes for anonymous devices (an ``X-Device-Token`` and no bearer token), the bulk of
    a venue's taps, on the core's lean lane; every other caller goes to the view above."""
    token = lean_request.header(live.DEVICE_HEADER)
    payload = lean_request.json()
    if not token or lean_request.header("Authorization") is not None or payload is None:
        return None
    status, answer, headers = batch_answer(int(lean_request.args["session_id"]), None, token,
                                           lean_request.remote_addr, payload)
    return LeanResponse(status, answer, headers)


@api_bp.route("/devices", methods=["POST"])
@public
def new_device():
    """Get a device token for anonymous likes.
    ---
    post:
      summary: New device token
      description: A signed token identifying an anonymous device, to send as X-Device-Token with
        likes where the final admits anonymous devices. Signed-in callers do not need one.
      security: []
      responses:
        201:
          description: The token.
    """
    if current_user.is_authenticated:
        raise ApiError(400, _("You are signed in: your likes count as yours, no device token is needed."))
    return jsonify({"device_token": live.new_device_token()}), 201
