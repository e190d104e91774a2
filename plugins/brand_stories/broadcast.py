"""Fan-out of live snapshots to Server-Sent-Event listeners. No Flask views here.

Latest-only semantics: a ``Subscription`` holds one slot, the newest snapshot it
was offered. A slow listener skips intermediate versions (the next snapshot
carries every count anyway) but never receives one older than, or as old as,
one it already received. Versions come from the ledger and rise by one with
every accepted batch and every window change.

``MemoryBroadcaster`` fans out inside one process (embedded deployment).
``RedisBroadcaster`` publishes each snapshot as JSON on a Redis pub/sub channel
per session (``<prefix>:live:<session id>``); one listener thread per process
(pattern subscription ``<prefix>:live:*``) feeds a local ``MemoryBroadcaster``,
so every worker's listeners see every worker's snapshots.

An SSE view is expected to do::

    sub = broadcaster.subscribe(session_id)
    sub.offer(ledger.snapshot(session_id))     # a (re)connecting client is right at once
    try:
        while True:
            snap = sub.get(timeout=15)
            yield sse_event(snap) if snap else sse_heartbeat()
    finally:
        sub.close()

with ``Cache-Control: no-cache`` and ``X-Accel-Buffering: no`` on the response.
The serving model for thousands of streams (not a thread per connection) is
decided with the views; ``subscribe(..., on_update=...)`` lets an event loop be
woken (e.g. ``loop.call_soon_threadsafe``) instead of blocking in ``get``.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .likes import Snapshot

log = logging.getLogger(__name__)


def sse_event(snapshot: Snapshot, *, retry_ms: int | None = None) -> str:
    """One SSE message: ``id: <version>``, ``event: snapshot``, ``data: <json>``."""
    lines = []
    if retry_ms is not None:
        lines.append(f"retry: {int(retry_ms)}")
    lines += [f"id: {snapshot.version}", "event: snapshot", f"data: {snapshot.to_json()}"]
    return "\n".join(lines) + "\n\n"


def sse_heartbeat(text: str = "heartbeat") -> str:
    """An SSE comment: keeps proxies and clients from timing the stream out."""
    return f": {text}\n\n"


def parse_last_event_id(value: str | None) -> int | None:
    """The ``Last-Event-ID`` header of a reconnecting client as a version, or None."""
    try:
        version = int((value or "").strip())
    except ValueError:
        return None
    return version if version >= 0 else None


class Subscription:
    """One listener's single slot holding the newest snapshot offered to it."""

    def __init__(self, session_id: int, on_close: Callable[[Subscription], None] | None = None,
                 on_update: Callable[[], Any] | None = None) -> None:
        self.session_id = session_id
        self._cond = threading.Condition(threading.Lock())
        self._latest: Snapshot | None = None
        self._delivered = -1
        self._closed = False
        self._on_close = on_close
        self._on_update = on_update

    @property
    def delivered_version(self) -> int:
        """Version of the last snapshot handed out (-1 before the first)."""
        return self._delivered

    @property
    def closed(self) -> bool:
        return self._closed

    def offer(self, snapshot: Snapshot) -> bool:
        """Keep ``snapshot`` if it is newer than everything offered so far; True if kept."""
        with self._cond:
            if self._closed or snapshot.session_id != self.session_id:
                return False
            newest = self._latest.version if self._latest is not None else self._delivered
            if snapshot.version <= max(newest, self._delivered):
                return False
            self._latest = snapshot
            self._cond.notify_all()
        if self._on_update is not None:
            self._on_update()
        return True

    def _take(self) -> Snapshot | None:
        snap = self._latest
        if snap is None or snap.version <= self._delivered:
            return None
        self._delivered = snap.version
        self._latest = None
        return snap

    def get_nowait(self) -> Snapshot | None:
        """The newest snapshot not yet delivered, or None."""
        with self._cond:
            return self._take()

    def get(self, timeout: float | None = None) -> Snapshot | None:
        """Wait up to ``timeout`` seconds for a snapshot newer than the last delivered;
        None on timeout or when closed (the caller then sends a heartbeat or stops)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                snap = self._take()
                if snap is not None or self._closed:
                    return snap
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        if self._on_close is not None:
            self._on_close(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Channel:
    """What every SSE stream of one session reads: the newest version, its event text
    (built once per version, not once per viewer) and an Event that is set and swapped
    on every change or heartbeat. A stream reads ``current()`` (event before value, so a
    change between the two is never missed), sends the frame if it is newer than what it
    sent, else waits on the event: no thread, timer or queue per viewer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.version = -1
        self.frame = b""
        self.snapshot: Snapshot | None = None
        self.event = threading.Event()

    def current(self) -> tuple[int, bytes, threading.Event]:
        event = self.event
        return self.version, self.frame, event

    def update(self, snapshot: Snapshot) -> None:
        frame = sse_event(snapshot).encode()
        with self._lock:
            if snapshot.version <= self.version:
                return
            self.version, self.frame, self.snapshot = snapshot.version, frame, snapshot
            event, self.event = self.event, threading.Event()
        event.set()

    def reset(self) -> None:
        """Versions restart (the session's likes were cleared): accept any next snapshot."""
        with self._lock:
            self.version, self.frame, self.snapshot = -1, b"", None
        self.wake()

    def wake(self) -> None:
        with self._lock:
            event, self.event = self.event, threading.Event()
        event.set()


class MemoryBroadcaster:
    """In-process fan-out. Remembers the newest snapshot per session so that a new
    subscriber starts with it; SSE views read the session's ``channel``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[int, set[Subscription]] = defaultdict(set)
        self._latest: dict[int, Snapshot] = {}
        self._channels: dict[int, Channel] = defaultdict(Channel)

    def channel(self, session_id: int) -> Channel:
        with self._lock:
            return self._channels[session_id]

    def wake_all(self) -> None:
        """The shared heartbeat: wake every stream of every session once."""
        with self._lock:
            channels = list(self._channels.values())
        for channel in channels:
            channel.wake()

    def subscribe(self, session_id: int, on_update: Callable[[], Any] | None = None) -> Subscription:
        sub = Subscription(session_id, on_close=self._remove, on_update=on_update)
        with self._lock:
            self._subs[session_id].add(sub)
            latest = self._latest.get(session_id)
        if latest is not None:
            sub.offer(latest)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.session_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.session_id]

    def publish(self, snapshot: Snapshot) -> int:
        """Offer ``snapshot`` to the session's subscribers; returns how many kept it.
        A snapshot older than the newest one published is ignored."""
        with self._lock:
            latest = self._latest.get(snapshot.session_id)
            if latest is not None and latest.version >= snapshot.version:
                return 0
            self._latest[snapshot.session_id] = snapshot
            subs = list(self._subs.get(snapshot.session_id, ()))
            channel = self._channels[snapshot.session_id]
        channel.update(snapshot)
        return sum(sub.offer(snapshot) for sub in subs)

    def latest(self, session_id: int) -> Snapshot | None:
        with self._lock:
            return self._latest.get(session_id)

    def subscriber_count(self, session_id: int | None = None) -> int:
        with self._lock:
            if session_id is not None:
                return len(self._subs.get(session_id, ()))
            return sum(len(s) for s in self._subs.values())

    def active_sessions(self) -> list[int]:
        """Sessions someone here listens to (subscriptions, or SSE streams reading a channel)."""
        with self._lock:
            return sorted(set(self._subs) | set(self._channels))

    def forget(self, session_id: int) -> None:
        """Drop the remembered snapshot (after ``clear_session``: versions restart)."""
        with self._lock:
            self._latest.pop(session_id, None)
            channel = self._channels.get(session_id)
        if channel is not None:
            channel.reset()


class RedisBroadcaster:
    """Cross-worker fan-out through Redis pub/sub.

    ``publish`` sends the snapshot's JSON to ``<prefix>:live:<session id>``; the
    listener thread (``start``/``stop``) receives every session's channel and
    publishes into ``self.local``, whose subscriptions the SSE views read. The
    publishing worker hears its own message back, so there is one path for all.

    Pub/sub drops messages while a connection is down; after reconnecting, the
    listener calls ``resync(session_id) -> Snapshot`` (e.g. ``ledger.snapshot``)
    for every session with local subscribers, so they catch up at once.
    """

    def __init__(self, redis_client, prefix: str = "guildhall:bs", *, local: MemoryBroadcaster | None = None,
                 resync: Callable[[int], Snapshot] | None = None, poll_timeout: float = 1.0) -> None:
        self.redis = redis_client
        self.prefix = prefix
        self.local = local if local is not None else MemoryBroadcaster()
        self.resync = resync
        self.poll_timeout = poll_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pubsub = None

    def channel(self, session_id: int) -> str:
        return f"{self.prefix}:live:{int(session_id)}"

    @property
    def pattern(self) -> str:
        return f"{self.prefix}:live:*"

    # -- sending ----------------------------------------------------------

    def publish(self, snapshot: Snapshot) -> int:
        """Publish to every worker; returns the number of listening processes."""
        return int(self.redis.publish(self.channel(snapshot.session_id), snapshot.to_json()))

    def subscribe(self, session_id: int, on_update: Callable[[], Any] | None = None) -> Subscription:
        return self.local.subscribe(session_id, on_update=on_update)

    # -- listening --------------------------------------------------------

    def _connect(self, timeout: float = 5.0) -> None:
        """Subscribe to the pattern and wait for Redis to confirm it, so that a
        snapshot published after ``start`` returns is never missed."""
        pubsub = self.redis.pubsub()
        pubsub.psubscribe(self.pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.1)
            if message and message["type"] == "psubscribe":
                self._pubsub = pubsub
                return
        pubsub.close()
        raise TimeoutError(f"Redis did not confirm the subscription to {self.pattern}")

    def start(self) -> RedisBroadcaster:
        if self._thread is not None:
            return self
        self._stop.clear()
        self._connect()
        self._thread = threading.Thread(target=self._run, name="brand-stories-broadcast", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        if self._pubsub is not None:
            self._pubsub.close()
            self._pubsub = None

    def __enter__(self) -> RedisBroadcaster:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def handle(self, message: dict[str, Any]) -> None:
        """Feed one pub/sub message to local subscribers (bad messages are logged)."""
        if message.get("type") not in ("message", "pmessage"):
            return
        try:
            snapshot = Snapshot.from_json(message["data"])
        except (ValueError, KeyError, TypeError):
            log.warning("brand_stories: ignored a malformed snapshot on %r", message.get("channel"))
            return
        self.local.publish(snapshot)

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                if self._pubsub is None:
                    self._connect()
                    backoff = 0.1
                    self._resync()
                message = self._pubsub.get_message(timeout=self.poll_timeout)
                if message is not None:
                    self.handle(message)
            except Exception:  # connection lost or Redis restarting: reconnect
                if self._stop.is_set():
                    return
                log.warning("brand_stories: broadcast listener lost Redis; reconnecting", exc_info=True)
                if self._pubsub is not None:
                    try:
                        self._pubsub.close()
                    except Exception:
                        pass
                    self._pubsub = None
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _resync(self) -> None:
        if self.resync is None:
            return
        for session_id in self.local.active_sessions():
            try:
                self.local.publish(self.resync(session_id))
            except Exception:
                log.warning("brand_stories: resync of session %s failed", session_id, exc_info=True)
