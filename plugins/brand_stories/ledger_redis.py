"""Like ledger in Redis, shared by every worker of a scale-out deployment.

Same interface as ``ledger_memory.MemoryLedger``; every ``record`` is ONE Lua
script (EVALSHA through redis-py's ``register_script``, which reloads the script
after a ``NOSCRIPT``), so the duplicate check, the window check, the per-viewer
cap, the counters, the version and the journal entry change together or not at
all. A worker killed after the script ran loses nothing: the like is in Redis and
in the stream; the client, which got no answer, re-sends the batch and learns
the original outcome. (Durability against a Redis crash is Redis's: run it with
``appendonly yes`` and ``appendfsync everysec`` or ``always``.)

Keys (``P`` is the prefix, ``S`` the session id)::

    P:s:S:meta            hash  version, current (entry id or ""), cap
    P:s:S:hearts          hash  entry id -> hearts
    P:s:S:scoring         hash  entry id -> scoring likes
    P:s:S:used:E          hash  viewer -> scoring likes this viewer gave entry E
    P:s:S:b:VIEWER:BATCH  string "hearts|scoring|entry|count", the original outcome,
                          expiring after ``batch_ttl`` seconds (default 1 day,
                          longer than any live final)
    P:deltas              stream, one entry per accepted batch: session, entry,
                          viewer, hearts, scoring, batch, version, at (ms)
                          consumer group ``flush``

Flush protocol (the database side is written with the models; this is its contract)
------------------------------------------------------------------------------------
The database keeps, per stream, one row ``last_applied_id`` next to the counts.
Exactly one flusher runs at a time: it holds that row's lock (``SELECT ... FOR
UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) from reading the deltas
to the commit. Each round, at least once a second and at every window close:

1. ``deltas = ledger.pending_deltas(consumer)``: first everything still pending
   in the group (a dead flusher's entries are claimed with XAUTOCLAIM, then the
   consumer's own pending list is read), and only when nothing is pending, new
   entries (XREADGROUP ``>``). Always in stream-id order.
2. ``to_apply, last = unapplied(deltas, last_applied_id)``: drop ids at or below
   the stored id (they were committed by a flusher that died before its XACK).
3. In ONE database transaction: add each delta's hearts and scoring to its entry
   (and keep what the anomaly report and the tie-break "who reached the count
   first" need: viewer, version, at), set ``last_applied_id = last``, commit.
4. ``ledger.ack(ids of all deltas)``: XACK and XDEL. A crash before 3 commits
   re-delivers the same deltas to the next flusher; a crash after 3 and before 4
   re-delivers them too, and step 2 skips them. No delta is applied twice, none
   is lost.

Why one flusher under a lock: pending entries are always older than new ones,
and a single flusher applies them first, so the applied ids only ever grow and
"skip ids at or below the last one" is exact. Two concurrent flushers could
commit a newer id before an older one and the older deltas would be skipped.

Deltas of a session stay in the stream after ``clear_session``; flush before.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from redis.exceptions import ResponseError

from .likes import (
    BATCH_CONFLICT,
    CONFLICT,
    NOT_CURRENT_ENTRY,
    WINDOW_CLOSED,
    Delta,
    LikeBatch,
    LikeRefused,
    Outcome,
    Snapshot,
    stream_id_key,
    validate_cap,
)

BATCH_TTL = 24 * 3600
GROUP = "flush"

_REFUSALS = {
    "window_closed": (WINDOW_CLOSED, "no presentation window is open"),
    "not_current_entry": (NOT_CURRENT_ENTRY, "likes count only for the entry being presented"),
    "batch_conflict": (BATCH_CONFLICT, "this batch_id was already used for different likes"),
}

# KEYS: meta, hearts, scoring, used, batch, stream
# ARGV: entry, viewer, count, batch_id, session, batch ttl, at ms, network
RECORD_LUA = """
local meta, hearts, scoring, used, bkey, stream = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local entry, viewer, count_s, batch, session, ttl, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local count = tonumber(count_s)
local network = ARGV[8] or ''

local prev = redis.call('GET', bkey)
if prev then
  local h, s, e, c = string.match(prev, '^(%d+)|(%d+)|(%d+)|(%d+)$')
  if e ~= entry or c ~= count_s then
    return {'refused', 'batch_conflict'}
  end
  return {'duplicate', h, s}
end

local current = redis.call('HGET', meta, 'current')
if (not current) or current == '' then
  return {'refused', 'window_closed'}
end
if current ~= entry then
  return {'refused', 'not_current_entry'}
end

local cap = tonumber(redis.call('HGET', meta, 'cap') or '1')
local already = tonumber(redis.call('HGET', used, viewer) or '0')
local scored = math.min(count, cap - already)
if scored < 0 then scored = 0 end

redis.call('HINCRBY', hearts, entry, count)
if scored > 0 then
  redis.call('HINCRBY', scoring, entry, scored)
  redis.call('HINCRBY', used, viewer, scored)
end
local version = redis.call('HINCRBY', meta, 'version', 1)
local id = redis.call('XADD', stream, '*',
  'session', session, 'entry', entry, 'viewer', viewer, 'hearts', count_s,
  'scoring', tostring(scored), 'batch', batch, 'version', tostring(version), 'at', at, 'net', network)
redis.call('SET', bkey, count_s .. '|' .. tostring(scored) .. '|' .. entry .. '|' .. count_s, 'EX', ttl)
return {'ok', count_s, tostring(scored), tostring(version), id}
"""

# KEYS: meta; ARGV: entry ("" closes), cap
WINDOW_LUA = """
local meta, entry, cap = KEYS[1], ARGV[1], ARGV[2]
local current = redis.call('HGET', meta, 'current') or ''
if entry ~= '' then
  redis.call('HSET', meta, 'cap', cap)
end
if current ~= entry then
  redis.call('HSET', meta, 'current', entry)
  return redis.call('HINCRBY', meta, 'version', 1)
end
return tonumber(redis.call('HGET', meta, 'version') or '0')
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(raw: Any) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in (raw or {}).items()}


def unapplied(deltas: Sequence[Delta], last_applied_id: str | None) -> tuple[list[Delta], str | None]:
    """Step 2 of the flush protocol: the deltas newer than ``last_applied_id`` (in
    stream order) and the id to store with them (unchanged when none is newer)."""
    floor = stream_id_key(last_applied_id) if last_applied_id else (-1, -1)
    fresh = sorted((d for d in deltas if stream_id_key(d.id) > floor), key=lambda d: stream_id_key(d.id))
    return fresh, (fresh[-1].id if fresh else last_applied_id)


class RedisLedger:
    def __init__(self, redis_client, prefix: str = "guildhall:bs", *, batch_ttl: int = BATCH_TTL) -> None:
        self.redis = redis_client
        self.prefix = prefix
        self.batch_ttl = int(batch_ttl)
        self.stream = f"{prefix}:deltas"
        self._record = redis_client.register_script(RECORD_LUA)
        self._window = redis_client.register_script(WINDOW_LUA)
        self._group_ready = False

    # -- keys ------------------------------------------------------------

    def _session_key(self, session_id: int) -> str:
        return f"{self.prefix}:s:{int(session_id)}"

    def _keys(self, session_id: int) -> tuple[str, str, str]:
        base = self._session_key(session_id)
        return f"{base}:meta", f"{base}:hearts", f"{base}:scoring"

    # -- windows ---------------------------------------------------------

    def open_window(self, session_id: int, entry_id: int, *, cap: int = 1) -> Snapshot:
        validate_cap(cap)
        meta, _, _ = self._keys(session_id)
        self._window(keys=[meta], args=[str(int(entry_id)), str(cap)])
        return self.snapshot(session_id)

    def close_window(self, session_id: int) -> Snapshot:
        meta, _, _ = self._keys(session_id)
        self._window(keys=[meta], args=["", ""])
        return self.snapshot(session_id)

    # -- likes -----------------------------------------------------------

    def record(self, batch: LikeBatch, now: float | None = None) -> Outcome:
        meta, hearts, scoring = self._keys(batch.session_id)
        base = self._session_key(batch.session_id)
        at_ms = int((time.time() if now is None else now) * 1000)
        reply = self._record(
            keys=[
                meta,
                hearts,
                scoring,
                f"{base}:used:{batch.entry_id}",
                f"{base}:b:{batch.viewer}:{batch.batch_id}",
                self.stream,
            ],
            args=[
                str(batch.entry_id),
                batch.viewer,
                str(batch.count),
                batch.batch_id,
                str(batch.session_id),
                str(self.batch_ttl),
                str(at_ms),
                batch.network,
            ],
        )
        kind = _text(reply[0])
        if kind == "refused":
            code, detail = _REFUSALS[_text(reply[1])]
            raise LikeRefused(code, CONFLICT, detail)
        outcome = Outcome(int(_text(reply[1])), int(_text(reply[2])))
        return outcome.as_duplicate() if kind == "duplicate" else outcome

    def adjust(self, session_id: int, entry_id: int, hearts: int, scoring: int) -> int:
        """Add (or, negative, take away) counts outside the like rules: a manager voided or restored
        a viewer's likes in the database, and the live counts follow. Returns the new version."""
        meta, hearts_key, scoring_key = self._keys(session_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(hearts_key, str(entry_id), hearts)
            pipe.hincrby(scoring_key, str(entry_id), scoring)
            pipe.hincrby(meta, "version", 1)
            *_, version = pipe.execute()
        return int(version)

    # -- reading ---------------------------------------------------------

    def snapshot(self, session_id: int) -> Snapshot:
        """Counts and version read in one MULTI, so the version matches the counts."""
        meta, hearts, scoring = self._keys(session_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(meta, "version", "current")
            pipe.hgetall(hearts)
            pipe.hgetall(scoring)
            (version, current), hearts_raw, scoring_raw = pipe.execute()
        scored = {int(k): int(v) for k, v in _fields(scoring_raw).items()}
        counts = {int(k): (int(v), scored.get(int(k), 0)) for k, v in _fields(hearts_raw).items()}
        current = _text(current) if current is not None else ""
        version = int(_text(version)) if version is not None else 0
        return Snapshot(int(session_id), version, int(current) if current else None, counts)

    def journal(self, session_id: int) -> list[Delta]:
        """Every delta of the session still in the stream (not yet flushed and acked)."""
        wanted = int(session_id)
        deltas = (self._delta(stream_id, raw) for stream_id, raw in self.redis.xrange(self.stream))
        return [d for d in deltas if d is not None and d.session_id == wanted]

    def clear_session(self, session_id: int) -> None:
        """Delete the session's counters, caps and batch ids (its stream deltas stay
        for the flusher)."""
        keys = list(self.redis.scan_iter(match=f"{self._session_key(session_id)}:*", count=500))
        for start in range(0, len(keys), 500):
            self.redis.delete(*keys[start : start + 500])

    # -- flush side (see the module docstring) ----------------------------

    def _delta(self, stream_id: Any, raw: Any) -> Delta | None:
        fields = _fields(raw)
        if not fields:  # an entry deleted while still pending
            return None
        return Delta(
            id=_text(stream_id),
            session_id=int(fields["session"]),
            entry_id=int(fields["entry"]),
            viewer=fields["viewer"],
            hearts=int(fields["hearts"]),
            scoring=int(fields["scoring"]),
            batch_id=fields["batch"],
            version=int(fields["version"]),
            at_ms=int(fields["at"]),
            network=fields.get("net", ""),
        )

    def ensure_group(self) -> None:
        """Create the consumer group from the stream's start (id 0: nothing already in
        the stream is skipped; re-delivered deltas are filtered by ``unapplied``)."""
        if self._group_ready:
            return
        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True

    def _grouped(self, command, *args, **kwargs):
        """Run a consumer-group command, re-creating the group once if Redis lost it (the
        stream key deleted, or Redis restarted without its data) since ``ensure_group``."""
        try:
            return command(*args, **kwargs)
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            self._group_ready = False
            self.ensure_group()
            return command(*args, **kwargs)

    def _read(self, consumer: str, start: str, count: int) -> tuple[list[Delta], list[str]]:
        reply = self._grouped(self.redis.xreadgroup, GROUP, consumer, {self.stream: start}, count=count)
        if isinstance(reply, dict):  # RESP3: {stream: [[(id, fields), ...]]}
            messages = []
            for batch in reply.values():
                messages += batch[0] if batch and isinstance(batch[0], list) else batch
        else:
            messages = [m for _, batch in (reply or []) for m in batch]
        deltas, gone = [], []
        for stream_id, raw in messages:
            delta = self._delta(stream_id, raw)
            if delta is None:
                gone.append(_text(stream_id))
            else:
                deltas.append(delta)
        return deltas, gone

    def claim_stale(self, consumer: str, min_idle_ms: int = 0) -> int:
        """Move every pending entry idle for at least ``min_idle_ms`` (any consumer's,
        e.g. a flusher that died) to ``consumer``; returns how many were claimed.
        With the flush lock held, 0 is right: no one else is mid-flush."""
        self.ensure_group()
        claimed, cursor = 0, "0-0"
        while True:
            # Not JUSTID: redis-py then drops the cursor from the reply.
            reply = self._grouped(self.redis.xautoclaim, self.stream, GROUP, consumer, min_idle_ms,
                                  start_id=cursor, count=500)
            cursor, ids = _text(reply[0]), reply[1]
            claimed += len(ids)
            deleted = reply[2] if len(reply) > 2 else []
            if deleted:
                self.redis.xack(self.stream, GROUP, *deleted)
            if cursor == "0-0":
                return claimed

    def pending_deltas(self, consumer: str, count: int = 1000, *, min_idle_ms: int = 0) -> list[Delta]:
        """Step 1 of the flush protocol: up to ``count`` deltas for ``consumer`` to
        apply, oldest first. Pending entries (claimed from any consumer idle for
        ``min_idle_ms``, then this consumer's own) come before any new entry, and new
        entries are read only when nothing is pending. Call while holding the flush lock."""
        self.ensure_group()
        self.claim_stale(consumer, min_idle_ms)
        deltas, gone = self._read(consumer, "0", count)
        if gone:
            self.redis.xack(self.stream, GROUP, *gone)
        if not deltas:
            deltas, _ = self._read(consumer, ">", count)
        return sorted(deltas, key=lambda d: stream_id_key(d.id))

    def ack(self, ids: Iterable[str]) -> int:
        """Step 4: acknowledge flushed (or skipped) deltas and drop them from the stream."""
        ids = list(ids)
        if not ids:
            return 0
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
            acked, _ = pipe.execute()
        return int(acked)

    def pending_count(self) -> int:
        """Deltas delivered to a flusher and not yet acknowledged."""
        self.ensure_group()
        return int(self._grouped(self.redis.xpending, self.stream, GROUP)["pending"])

    def backlog(self) -> int:
        """Deltas in the stream: pending plus not yet delivered (monitoring)."""
        return int(self.redis.xlen(self.stream))
