"""The live final as the views use it: viewers, rate limits, likes, presentation windows,
and what the audience page, the leaderboard and the API show.

The rules of a like are likes.py's, applied by the process's ledger (runtime.py).
Every refusal is a ``LiveRefused`` with an HTTP status, a stable English code (the
API's ``error``) and a translated message for people.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from sqlalchemy import select

from core import metrics
from core.audit import audit
from core.extensions import db, limiter
from core.users.models import utcnow
from plugins.competitions.models import Competition

from .likes import LikeBatch, LikeRefused, Snapshot, device_viewer, member_viewer, network_of
from .models import DEVICES, ENDED, LIVE, SCHEDULED, LikeTotal, LiveFinal, LiveSession, Slot
from .runtime import get_runtime

DEVICE_COOKIE = "bs_device"
DEVICE_HEADER = "X-Device-Token"
DEVICE_SALT = "brand_stories.device"

MESSAGES = {
    "bad_session": _l("This live session does not exist."),
    "bad_entry": _l("Choose the entry being presented."),
    "bad_viewer": _l("Your device could not be recognised. Reload the page."),
    "bad_count": _l("A batch holds between 1 and %(max)d likes."),
    "bad_batch_id": _l("The batch id must be 8 to 64 letters, digits, '-' or '_'."),
    "bad_payload": _l("Send a JSON object with entry_id, count and batch_id."),
    "batch_conflict": _l("This batch id was already used for other likes."),
    "window_closed": _l("Likes are closed: no presentation is open right now."),
    "not_current_entry": _l("Likes count only for the entry on stage now."),
    "sign_in": _l("Sign in as a member to like: this final counts members' likes only."),
    "viewer_rate": _l("You are liking faster than this final allows. Wait a moment."),
    "ip_rate": _l("Too many likes come from your network right now. Wait a moment."),
    "unavailable": _l("Likes are paused for a moment. Your taps are kept on your phone; try again shortly."),
    "ended": _l("This session has ended."),
    "not_in_order": _l("That entry is not in this session's running order."),
}


class LiveRefused(Exception):
    def __init__(self, code: str, status: int, **params):
        self.code = code
        self.status = status
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])

    def to_dict(self) -> dict:
        return {"error": self.code, "message": self.message}

    @classmethod
    def from_like(cls, refused: LikeRefused, settings=None) -> LiveRefused:
        params = {"max": settings.max_batch if settings else 200} if refused.code == "bad_count" else {}
        return cls(refused.code, refused.status, **params)


# -- what the like endpoint needs, without the ORM ----------------------------------


@dataclass(frozen=True)
class LikeSettings:
    """A session's like settings, as the like endpoint needs them on every tap: read with one
    query on a connection of its own and kept for SETTINGS_SECONDS, so that a tap touches no ORM
    object and holds no pool connection while the ledger commits."""

    session_id: int
    final_id: int
    allows_devices: bool
    max_batch: int
    viewer_batches_per_minute: int
    ip_batches_per_minute: int


SETTINGS_SECONDS = 2.0  # a change in the final's settings reaches the like endpoint this much later


def like_settings(session_id: int) -> LikeSettings | None:
    """The settings of a session (None for no such session), at most SETTINGS_SECONDS old."""
    runtime = get_runtime()
    cache = runtime.settings_cache
    found = cache.get(session_id)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    with runtime.settings_lock:  # one query when a crowd of taps finds the cache empty, not one each
        found = cache.get(session_id)
        now = time.monotonic()
        if found is not None and found[0] > now:
            return found[1]
        return _load_like_settings(session_id, cache, now)


def _load_like_settings(session_id, cache, now):
    """A session of a final not listed on the site takes no likes (its pages are hidden too)."""
    finals, sessions_table, competitions = LiveFinal.__table__, LiveSession.__table__, Competition.__table__
    with db.engine.connect() as conn:
        row = conn.execute(
            select(finals.c.id, finals.c.viewers, finals.c.max_batch, finals.c.viewer_batches_per_minute,
                   finals.c.ip_batches_per_minute)
            .join(sessions_table, sessions_table.c.final_id == finals.c.id)
            .join(competitions, competitions.c.id == finals.c.competition_id)
            .where(sessions_table.c.id == session_id, competitions.c.listed.is_(True))).first()
    settings = None if row is None else LikeSettings(session_id, row.id, row.viewers == DEVICES, row.max_batch,
                                                     row.viewer_batches_per_minute, row.ip_batches_per_minute)
    if len(cache) > 10_000:
        cache.clear()
    cache[session_id] = (now + SETTINGS_SECONDS, settings)
    return settings


# -- viewers -----------------------------------------------------------------------


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def new_device_token() -> str:
    return _device_serializer().dumps({"d": secrets.token_urlsafe(16)})


def device_id(token: str | None) -> str | None:
    """The device id a signed token carries, or None. A phone sends its token with every batch:
    tokens verified once are remembered (per app, since the key is the app's)."""
    if not token or len(token) > 200:
        return None
    verified = get_runtime().device_tokens
    if token in verified:
        return verified[token]
    try:
        data = _device_serializer().loads(token)
    except BadSignature:
        return None
    found = data.get("d") if isinstance(data, dict) else None
    found = found if isinstance(found, str) and 8 <= len(found) <= 64 else None
    if found is not None:
        if len(verified) >= 100_000:
            verified.clear()
        verified[token] = found
    return found


def viewer_for(settings: LikeSettings, member_id: int | None, token: str | None) -> str:
    """The viewer key: a signed-in member, else (if the final allows) a device with a signed token."""
    if member_id is not None:
        return member_viewer(member_id)
    if not settings.allows_devices:
        raise LiveRefused("sign_in", 401)
    found = device_id(token)
    if found is None:
        raise LiveRefused("bad_viewer", 401)
    return device_viewer(found)


def check_rates(settings: LikeSettings, viewer: str, address: str) -> None:
    """Per-viewer and per-IP budgets of like batches per minute; beyond them, refused (429)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    storage = limiter.storage
    if type(storage) is MemoryStorage:  # the limits' storage is this process's: count here (budgets.py)
        budgets = get_runtime().budgets
        if not budgets.hit(("bs-viewer", settings.final_id, viewer), settings.viewer_batches_per_minute):
            raise LiveRefused("viewer_rate", 429)
        if not budgets.hit(("bs-ip", settings.final_id, address), settings.ip_batches_per_minute):
            raise LiveRefused("ip_rate", 429)
        return
    strategy = _like_budgets(storage)
    try:
        final = str(settings.final_id)
        if not strategy.hit(RateLimitItemPerMinute(settings.viewer_batches_per_minute), "bs-viewer", final, viewer):
            raise LiveRefused("viewer_rate", 429)
        if not strategy.hit(RateLimitItemPerMinute(settings.ip_batches_per_minute), "bs-ip", final, address):
            raise LiveRefused("ip_rate", 429)
    except _storage_errors() as error:
        # The limits' storage is Redis in scale-out: with Redis down the ledger refuses the batch
        # (503 "unavailable") right after; a 500 from here would tell the phone nothing.
        current_app.logger.warning("brand_stories: like rate limits skipped, storage unavailable: %s", error)


_budget_strategy = None


def _like_budgets(storage):
    """Counters over a sliding window in the limits' storage (Redis, shared by the workers): constant
    work per tap, where the site-wide moving window keeps one timestamp per request (a venue's shared
    address makes tens of thousands a minute)."""
    global _budget_strategy
    strategy = _budget_strategy
    if strategy is None or strategy.storage is not storage:
        strategy = _budget_strategy = SlidingWindowCounterRateLimiter(storage)
    return strategy


# -- likes ----------------------------------------------------------------------------


def record_likes(settings: LikeSettings, viewer: str, payload, address: str = ""):
    """Count one batch; returns the ledger's Outcome. Refusals raise LiveRefused."""
    try:
        batch = LikeBatch.from_payload(settings.session_id, viewer, payload, max_batch=settings.max_batch,
                                       network=network_of(address))
    except LikeRefused as refused:
        raise LiveRefused.from_like(refused, settings) from None
    runtime = get_runtime()
    try:
        outcome = runtime.ledger.record(batch)
    except LikeRefused as refused:
        raise LiveRefused.from_like(refused, settings) from None
    except unavailable_errors() as error:
        current_app.logger.warning("brand_stories: like refused, ledger unavailable: %s", error)
        raise LiveRefused("unavailable", 503) from None
    if not outcome.duplicate:
        metrics.likes_accepted(outcome.accepted_hearts)
        runtime.changed(settings.session_id)
    return outcome


def _redis_errors():
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)


def unavailable_errors():
    """What a ledger raises when Redis or the database cannot be reached."""
    from sqlalchemy.exc import OperationalError

    return (*_redis_errors(), OperationalError)


def _storage_errors():
    from limits.errors import StorageError

    return (*_redis_errors(), StorageError)


# -- the host's console ---------------------------------------------------------------


def slot_of(session: LiveSession, entry_id: int) -> Slot | None:
    return next((slot for slot in session.slots if slot.entry_id == entry_id), None)


def open_window(session: LiveSession, slot: Slot, actor):
    """Open ``slot``'s presentation window (closing another one that is open)."""
    if session.status == ENDED:
        raise LiveRefused("ended", 409)
    if slot.session_id != session.id:
        raise LiveRefused("not_in_order", 404)
    runtime = get_runtime()
    previous = session.current_entry_id
    snapshot = runtime.ledger.open_window(session.id, slot.entry_id, cap=session.final.likes_cap)
    now = utcnow()
    if previous is not None and previous != slot.entry_id:
        _closed(session, previous, now)
    if session.status == SCHEDULED:
        session.status, session.started_at = LIVE, now
    session.current_entry_id = slot.entry_id
    if slot.opened_at is None:
        slot.opened_at = now
    slot.closed_at = None
    audit("brand_stories.window_opened", _target(session), actor=actor, entry=slot.entry_id,
          number=slot.entry.number)
    db.session.commit()
    runtime.flush_now()
    return _published(runtime, snapshot)


def close_window(session: LiveSession, actor):
    runtime = get_runtime()
    previous = session.current_entry_id
    snapshot = runtime.ledger.close_window(session.id)
    if previous is not None:
        _closed(session, previous, utcnow())
        audit("brand_stories.window_closed", _target(session), actor=actor, entry=previous)
    session.current_entry_id = None
    db.session.commit()
    runtime.flush_now()  # scale-out: the closed window's likes are in the database now
    return _published(runtime, snapshot)


def next_window(session: LiveSession, actor):
    """Close the open window and open the next finalist's in the running order."""
    slots = list(session.slots)
    current = slot_of(session, session.current_entry_id) if session.current_entry_id else None
    if current is None:
        upcoming = [slot for slot in slots if slot.opened_at is None]
    else:
        upcoming = slots[slots.index(current) + 1:]
    if not upcoming:
        return close_window(session, actor)
    return open_window(session, upcoming[0], actor)


def end_session(session: LiveSession, actor):
    if session.current_entry_id is not None:
        close_window(session, actor)
    session.status, session.ended_at = ENDED, utcnow()
    audit("brand_stories.session_ended", _target(session), actor=actor)
    db.session.commit()
    runtime = get_runtime()
    runtime.flush_now()
    return _published(runtime, runtime.ledger.snapshot(session.id))


def _closed(session, entry_id, now):
    slot = slot_of(session, entry_id)
    if slot is not None:
        slot.closed_at = now


def _published(runtime, snapshot):
    runtime.stage_cache.pop(snapshot.session_id, None)  # the host's change shows on this process's pages at once
    if runtime.remote is not None:
        runtime.remote.publish(snapshot)
    runtime.fanout.publish(snapshot)
    return snapshot


def _target(session):
    return f"live session {session.id}: {session.title}"


# -- reading -----------------------------------------------------------------------------


def snapshot(session):
    """The ledger's snapshot (``session``: a LiveSession or a Stage). Scale-out with Redis
    unreachable: the database's counts (flushed at least once a second and at every window
    change) and the session row's open window, so the pages keep serving; likes are refused
    meanwhile (record_likes: 503 "unavailable")."""
    try:
        return get_runtime().ledger.snapshot(session.id)
    except _redis_errors() as error:
        current_app.logger.warning("brand_stories: live counts from the database, Redis unavailable: %s", error)
        return Snapshot(session.id, session.version, session.current_entry_id, database_counts([session.id]))


def page_snapshot(stage):
    """For the pages: in scale-out the snapshot this worker's streams hold (kept current through
    Redis pub/sub, no round trip), else the ledger's."""
    runtime = get_runtime()
    if runtime.scale_out:
        held = runtime.fanout.channel(stage.id).snapshot
        if held is not None:
            return held
    return snapshot(stage)


def database_counts(session_ids) -> dict[int, tuple[int, int]]:
    """(hearts, scoring likes) per entry over these sessions, from the database."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        db.select(LikeTotal.entry_id, db.func.sum(LikeTotal.hearts), db.func.sum(LikeTotal.scoring))
        .where(LikeTotal.session_id.in_(list(session_ids))).group_by(LikeTotal.entry_id))
    return {entry_id: (int(hearts or 0), int(scoring or 0)) for entry_id, hearts, scoring in rows}


def state(session, snap=None) -> dict:
    """What the API's GET answers and the pages start from: the presenter and counts per entry
    (the snapshot's, so Redis's live numbers in scale-out), ranked by scoring likes.
    ``session``: a LiveSession or its stage.Stage."""
    from .stage import Stage

    stage = session if isinstance(session, Stage) else Stage.of(session)
    snap = snap or snapshot(stage)
    entries = []
    for slot in stage.slots:
        hearts, scoring = snap.counts.get(slot.entry_id, (0, 0))
        entries.append({
            "entry_id": slot.entry_id,
            "number": slot.number,
            "title": slot.title,
            "organisation": slot.organisation,
            "presenter": slot.presenter,
            "position": slot.position,
            "hearts": hearts,
            "scoring_likes": scoring,
            "presented": slot.presented,
        })
    current = next((item for item in entries if item["entry_id"] == snap.current_entry_id), None)
    return {
        "session_id": stage.id,
        "title": stage.title,
        "status": stage.status,
        "version": snap.version,
        "window_open": snap.current_entry_id is not None,
        "current": current,
        "likes_cap": stage.likes_cap,
        "entries": entries,
        "ranking": ranking(entries),
    }


def ranking(entries: list[dict]) -> list[dict]:
    """The entries by scoring likes, then hearts, each with its ``rank``; equal numbers share one."""
    ordered = sorted(entries, key=lambda item: (-item["scoring_likes"], -item["hearts"], item["position"]))
    previous, rank = None, 0
    for index, item in enumerate(ordered, start=1):
        key = (item["scoring_likes"], item["hearts"])
        if key != previous:
            rank, previous = index, key
        item["rank"] = rank
    return ordered


def request_address() -> str:
    return request.remote_addr or "unknown"
