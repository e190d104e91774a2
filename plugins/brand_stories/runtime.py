"""The per-process machinery of live finals: which ledger counts, how snapshots fan out,
and the few background jobs that exist only while they have work.

Embedded (no ``REDIS_URL``): ``DbLedger`` (each like committed before the answer) and
an in-process ``MemoryBroadcaster``. Scale-out (``REDIS_URL`` set): ``RedisLedger``
(counters and caps in Redis), ``RedisBroadcaster`` (pub/sub between workers) and the
flusher (flusher.py) that writes Redis's journal into the database at least once a
second while likes arrive.

Background jobs are ``Coalescer`` timers: a like "pokes" its session; the job runs once
for everything that arrived in its interval (a snapshot to the streams at most every
0.25 s; a flush at most every second), and no thread lingers when nothing happens.
The SSE heartbeat thread runs only while this process has streams open.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid

from flask import current_app

from core import metrics
from core.extensions import db

from .broadcast import MemoryBroadcaster, RedisBroadcaster
from .budgets import SlidingBudgets
from .ledger_db import DbLedger

log = logging.getLogger(__name__)

PUBLISH_INTERVAL = 0.25  # at most four snapshots a second per session and process
FLUSH_INTERVAL = 1.0  # Redis journal to the database at least once a second
HEARTBEAT_SECONDS = 15.0
EXTENSION = "brand_stories"


class Coalescer:
    """Run ``job(key)`` soon after ``poke(key)``, at most once per ``interval`` per key;
    pokes that arrive while a run is pending are served by that run."""

    def __init__(self, interval: float, job, name: str) -> None:
        self.interval = interval
        self.job = job
        self.name = name
        self._lock = threading.Lock()
        self._pending: set = set()
        self._last: dict = {}

    def poke(self, key) -> None:
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
            delay = max(0.0, self._last.get(key, 0.0) + self.interval - time.monotonic())
        timer = threading.Timer(delay, self._run, args=(key,))
        timer.name = f"{self.name}-{key}"
        timer.daemon = True
        timer.start()

    def _run(self, key) -> None:
        with self._lock:
            self._pending.discard(key)  # a poke from now on schedules the next run
            self._last[key] = time.monotonic()
        try:
            self.job(key)
        except Exception:  # logged, and the next poke tries again
            log.exception("brand_stories: %s for %r failed", self.name, key)


class LiveRuntime:
    def __init__(self, app) -> None:
        self.app = app
        self.fanout = MemoryBroadcaster()
        self.redis = None
        self.remote: RedisBroadcaster | None = None
        redis_url = app.config.get("REDIS_URL")
        if redis_url:
            import redis

            from .ledger_redis import RedisLedger

            prefix = app.config.get("BRAND_STORIES_REDIS_PREFIX", "guildhall:bs")
            self.redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=1)
            self.ledger = RedisLedger(self.redis, prefix)
            self.remote = RedisBroadcaster(self.redis, prefix, local=self.fanout, resync=self.ledger.snapshot)
            self.consumer = f"{uuid.uuid4().hex[:12]}"
            self.flusher = Coalescer(FLUSH_INTERVAL, self._flush, "brand-stories-flush")
        else:
            with app.app_context():
                self.engine = db.engine
            self.ledger = DbLedger(self.engine)
            self.flusher = None
        self.publisher = Coalescer(PUBLISH_INTERVAL, self.publish_now, "brand-stories-publish")
        self.settings_cache: dict = {}  # session id -> (valid until, live.LikeSettings): the like endpoint's
        self.device_tokens: dict = {}  # signed device token -> device id, verified once
        self.budgets = SlidingBudgets()  # like budgets while the rate limits' storage is in memory (live.py)
        self.stage_cache: dict = {}  # session id -> (valid until, stage.Stage): what the live pages show
        self.stage_lock = threading.Lock()
        self.settings_lock = threading.Lock()
        self._streams = 0
        self._streams_lock = threading.Lock()
        self._listen_lock = threading.Lock()
        self._heartbeat: threading.Thread | None = None
        self._watcher: threading.Thread | None = None
        metrics.register_sampler(app, "guildhall_live_like_queue", "Like batches not yet written to the database",
                                 lambda: self.ledger.backlog() if self.scale_out else len(self.ledger._queue))

    @property
    def scale_out(self) -> bool:
        return self.redis is not None

    # -- after a change ----------------------------------------------------

    def changed(self, session_id: int) -> None:
        """A like was accepted: streams and (scale-out) the database follow shortly."""
        self.publisher.poke(session_id)
        if self.flusher is not None:
            self.flusher.poke("all")

    def publish_now(self, session_id: int):
        snapshot = self.ledger.snapshot(session_id)
        if self.remote is not None:
            self.remote.publish(snapshot)  # every worker, this one included, hears it back
        self.fanout.publish(snapshot)  # this process at once (and when Redis pub/sub lags)
        return snapshot

    def _flush(self, _key) -> None:
        from .flusher import flush

        with self.app.app_context():
            flush(db.engine, self.ledger, self.consumer)

    def flush_now(self, *, strict: bool = True) -> int:
        """Scale-out: apply Redis's journal to the database now (window close, results). Returns
        the number of deltas applied; 0 in the embedded mode, where there is nothing to flush.

        ``strict=False`` is for readers (results, reports) that should still answer while Redis is
        unreachable: the database then has every like up to the last flush (at most a second
        before Redis went away); the error is logged and 0 returned."""
        if self.flusher is None:
            return 0
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        from .flusher import flush

        try:
            return flush(db.engine, self.ledger, self.consumer)
        except (RedisConnectionError, RedisTimeoutError) as error:
            if strict:
                raise
            log.warning("brand_stories: read without a flush, Redis unavailable: %s", error)
            return 0

    # -- streams -------------------------------------------------------------

    def stream_opened(self) -> None:
        metrics.sse_opened()
        with self._streams_lock:
            self._streams += 1
            if self._heartbeat is None:
                self._heartbeat = threading.Thread(target=self._beat, name="brand-stories-heartbeat", daemon=True)
                self._heartbeat.start()
            if self.remote is None and self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="brand-stories-watch", daemon=True)
                self._watcher.start()
        self._listen()

    def _listen(self) -> None:
        """Start the pub/sub listener (scale-out). With Redis unreachable the stream still serves
        this process's snapshots and heartbeats; the heartbeat thread tries again every beat."""
        if self.remote is None:
            return
        with self._listen_lock:  # one listener, however many streams open at once
            try:
                self.remote.start()  # nothing to do when it runs
            except Exception as error:
                log.warning("brand_stories: live updates from other workers paused, Redis unavailable: %s", error)

    def stream_closed(self) -> None:
        metrics.sse_closed()
        with self._streams_lock:
            self._streams -= 1

    def _beat(self) -> None:
        while True:
            time.sleep(HEARTBEAT_SECONDS)
            self.fanout.wake_all()
            self._listen()
            with self._streams_lock:
                if self._streams <= 0:
                    self._heartbeat = None
                    return


    def _watch(self) -> None:
        """Embedded mode: follow likes and windows that another process wrote (the simulator, a
        second worker on the same database). Every PUBLISH_INTERVAL, while streams are open here,
        one query reads the versions of the sessions they watch; a newer one is published."""
        from sqlalchemy import select

        from .models import LiveSession

        table = LiveSession.__table__
        while True:
            time.sleep(PUBLISH_INTERVAL)
            with self._streams_lock:
                if self._streams <= 0:
                    self._watcher = None
                    return
            watched = self.fanout.active_sessions()
            if not watched:
                continue
            try:
                with self.engine.connect() as conn:
                    versions = conn.execute(select(table.c.id, table.c.version).where(table.c.id.in_(watched))).all()
                for session_id, version in versions:
                    if version > self.fanout.channel(session_id).version:
                        # Through the coalescer: a like counted here is also behind the channel until
                        # its own publish, and publishing it twice would double the frames streamed.
                        self.publisher.poke(session_id)
            except Exception:  # logged; the next round tries again
                log.exception("brand_stories: watching the database for live changes failed")


_creating = threading.Lock()


def get_runtime(app=None) -> LiveRuntime:
    app = app or current_app._get_current_object()
    runtime = app.extensions.get(EXTENSION)
    if runtime is None:
        with _creating:  # two first requests at once must not make two runtimes (two fan-outs)
            runtime = app.extensions.get(EXTENSION)
            if runtime is None:
                runtime = app.extensions[EXTENSION] = LiveRuntime(app)
    return runtime
