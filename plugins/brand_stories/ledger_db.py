"""Like ledger in the database: the embedded deployment's (SQLite, one process), and
any deployment without Redis.

Same interface and rules as ``ledger_memory.MemoryLedger``. Every accepted batch is
committed before ``record`` returns, so a like acknowledged to a phone is on disk.

Group commit: batches that arrive together are applied by one writer thread in ONE
transaction (one lock, one commit, one fsync for all of them), and each caller waits
for that commit. Under load this turns hundreds of small transactions a second into a
few large ones; alone, a batch waits for nobody. Within the group the rules run
batch by batch in arrival order, exactly as they would one transaction at a time; a
refused batch refuses only itself, while a database error fails the whole group
(nothing of it is committed, and every caller hears so).

The first statement of every transaction writes the session row (``version =
version``): on SQLite that takes the database's write lock at once (a read first
would let two transactions deadlock on upgrading), on PostgreSQL the row lock; either
way one session's batches are applied one group at a time, in whichever process.

SQLAlchemy Core on the plugin's tables with statements built once, and connections of
its own from the engine: no app context needed, nothing mixed into a request's session,
and a request never holds a pool connection while it waits. A group's statements run on
the driver's cursor of a pool connection; on SQLite the writer keeps that connection
while it runs (it ends after WRITER_IDLE_SECONDS without work), elsewhere it goes back
to the pool after each group.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update

from .likes import (
    BAD_SESSION,
    Delta,
    LikeBatch,
    LikeRefused,
    Outcome,
    Snapshot,
    check_duplicate,
    check_window,
    score_batch,
    validate_cap,
)
from .models import LikeBatchRecord, LikeTotal, LiveSession, ViewerLikes

NOT_FOUND = 404
MAX_GROUP = 500  # batches in one transaction
WRITER_IDLE_SECONDS = 2.0  # the writer thread ends after this long without work

sessions = LiveSession.__table__
totals = LikeTotal.__table__
viewer_likes = ViewerLikes.__table__
batches = LikeBatchRecord.__table__

LOCK = update(sessions).where(sessions.c.id == bindparam("sid")).values(version=sessions.c.version)
STATE = select(sessions.c.current_entry_id, sessions.c.cap, sessions.c.version).where(
    sessions.c.id == bindparam("sid"))
SEEN = select(batches.c.entry_id, batches.c.count, batches.c.hearts, batches.c.scoring).where(
    batches.c.session_id == bindparam("sid"), batches.c.viewer == bindparam("vid"),
    batches.c.batch_id == bindparam("bid"))


def used_statement(size: int):
    """The scoring likes of ``size`` viewers (bound as v0, v1, ...) for one entry."""
    return select(viewer_likes.c.viewer, viewer_likes.c.scoring).where(
        viewer_likes.c.session_id == bindparam("sid"), viewer_likes.c.entry_id == bindparam("eid"),
        viewer_likes.c.viewer.in_([bindparam(f"v{index}") for index in range(size)]))


ADD_VIEWER = update(viewer_likes).where(
    viewer_likes.c.session_id == bindparam("sid"), viewer_likes.c.entry_id == bindparam("eid"),
    viewer_likes.c.viewer == bindparam("vid")).values(
    hearts=viewer_likes.c.hearts + bindparam("dh"), scoring=viewer_likes.c.scoring + bindparam("ds"))
NEW_VIEWER = insert(viewer_likes).values(session_id=bindparam("sid"), entry_id=bindparam("eid"),
                                         viewer=bindparam("vid"), hearts=bindparam("dh"), scoring=bindparam("ds"))
ADD_TOTAL = update(totals).where(totals.c.session_id == bindparam("sid"), totals.c.entry_id == bindparam("eid")).values(
    hearts=totals.c.hearts + bindparam("dh"), scoring=totals.c.scoring + bindparam("ds"))
NEW_TOTAL = insert(totals).values(session_id=bindparam("sid"), entry_id=bindparam("eid"), hearts=bindparam("dh"),
                                  scoring=bindparam("ds"))
SET_VERSION = update(sessions).where(sessions.c.id == bindparam("sid")).values(version=bindparam("v"))
BATCH_COLUMNS = ("session_id", "entry_id", "viewer", "batch_id", "count", "hearts", "scoring", "version", "at_ms",
                 "network")
NEW_BATCH = insert(batches).values({column: bindparam(column) for column in BATCH_COLUMNS})


class _DriverStatement:
    """A statement compiled once for the engine's dialect and run on the driver's cursor, inside the
    group's transaction: a group runs a dozen statements and a check per batch, and SQLAlchemy's
    per-call work (parameters, result objects) would cost more than the queries."""

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.names = compiled.positiontup if compiled.positional else None

    def _params(self, values: dict):
        return [values[name] for name in self.names] if self.names is not None else values

    def first(self, cursor, values: dict):
        cursor.execute(self.sql, self._params(values))
        return cursor.fetchone()

    def all(self, cursor, values: dict) -> list:
        cursor.execute(self.sql, self._params(values))
        return cursor.fetchall()

    def run(self, cursor, values: dict) -> int:
        """Execute; returns the number of rows it changed."""
        cursor.execute(self.sql, self._params(values))
        return cursor.rowcount

    def run_many(self, cursor, rows: list[dict]) -> None:
        cursor.executemany(self.sql, [self._params(values) for values in rows])


class _Pending:
    """One caller's batch waiting for its group's commit."""

    __slots__ = ("batch", "at_ms", "done", "outcome", "error")

    def __init__(self, batch: LikeBatch, at_ms: int) -> None:
        self.batch = batch
        self.at_ms = at_ms
        self.done = threading.Event()
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None


@dataclass
class _SessionState:
    current: int | None
    cap: int
    version: int
    changed: bool = False


class DbLedger:
    def __init__(self, engine, *, group_commit: bool = True) -> None:
        self.engine = engine
        self.group_commit = group_commit
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._wake = threading.Event()  # set by the batch that finds the queue empty
        self._writer: threading.Thread | None = None
        (self._lock_session, self._state, self._seen, self._add_viewer, self._new_viewer, self._add_total,
         self._new_total, self._new_batch, self._set_version) = (
            _DriverStatement(statement, engine.dialect) for statement in (
                LOCK, STATE, SEEN, ADD_VIEWER, NEW_VIEWER, ADD_TOTAL, NEW_TOTAL, NEW_BATCH, SET_VERSION))
        self._used_statements: dict[int, _DriverStatement] = {}  # by the number of viewers (a power of two)
        self._keep_connection = engine.dialect.name == "sqlite"

    @staticmethod
    def _locked(conn, session_id: int) -> bool:
        """Take the session's write lock; False when there is no such session."""
        return conn.execute(LOCK, {"sid": session_id}).rowcount == 1

    @staticmethod
    def _snapshot(conn, session_id: int) -> Snapshot:
        row = conn.execute(select(sessions.c.version, sessions.c.current_entry_id)
                           .where(sessions.c.id == session_id)).first()
        if row is None:
            return Snapshot.empty(session_id)
        counts = {entry: (hearts, scoring) for entry, hearts, scoring in conn.execute(
            select(totals.c.entry_id, totals.c.hearts, totals.c.scoring).where(totals.c.session_id == session_id))}
        return Snapshot(session_id, row.version, row.current_entry_id, counts)

    # -- windows ---------------------------------------------------------

    def open_window(self, session_id: int, entry_id: int, *, cap: int = 1) -> Snapshot:
        validate_cap(cap)
        with self.engine.begin() as conn:
            if not self._locked(conn, session_id):
                raise LikeRefused(BAD_SESSION, NOT_FOUND, "no such live session")
            current = conn.execute(select(sessions.c.current_entry_id).where(sessions.c.id == session_id)).scalar()
            changes = {"cap": cap}
            if current != entry_id:
                changes.update(current_entry_id=entry_id, version=sessions.c.version + 1)
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(**changes))
            return self._snapshot(conn, session_id)

    def close_window(self, session_id: int) -> Snapshot:
        with self.engine.begin() as conn:
            if not self._locked(conn, session_id):
                raise LikeRefused(BAD_SESSION, NOT_FOUND, "no such live session")
            conn.execute(update(sessions).where(sessions.c.id == session_id,
                                                sessions.c.current_entry_id.is_not(None))
                         .values(current_entry_id=None, version=sessions.c.version + 1))
            return self._snapshot(conn, session_id)

    # -- likes -----------------------------------------------------------

    def record(self, batch: LikeBatch, now: float | None = None) -> Outcome:
        pending = _Pending(batch, int((time.time() if now is None else now) * 1000))
        if not self.group_commit:
            connection = self._apply([pending])
            if connection is not None:
                connection.close()
        else:
            with self._lock:
                self._queue.append(pending)
                first = len(self._queue) == 1  # later ones: the writer is woken already, or busy
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write, name="brand-stories-ledger", daemon=True)
                    self._writer.start()
                    first = False
            if first:
                self._wake.set()
            pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.outcome

    def _write(self) -> None:
        connection = None  # SQLite: the writer keeps its connection while it runs (see _apply)
        try:
            while True:
                # An Event, not a Condition: under gevent (the production worker) an Event is native
                # and its waiter resumes after the greenlets already runnable, whose batches then join
                # the group (bench_live: 9-23 a group, 2-5 with a Condition, which is also Python code
                # over patched locks). With threads either wakes the writer at once.
                self._wake.clear()
                with self._lock:
                    group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
                if group:
                    connection = self._apply(group, connection)
                    continue
                if not self._wake.wait(WRITER_IDLE_SECONDS):
                    with self._lock:
                        if not self._queue:
                            self._writer = None
                            return
        finally:
            if connection is not None:
                connection.close()
            with self._lock:  # interrupted (the process ends): the next batch starts another writer
                if self._writer is threading.current_thread():
                    self._writer = None

    def _apply(self, group: list[_Pending], connection=None):
        """Apply a group in one transaction on a DBAPI connection from the engine's pool (``connection``,
        or one checked out here); each pending gets its outcome or its error. Returns the connection
        for the next group, or None once it is back in the pool: an SQLite connection stays with the
        writer (a checkout, its ping and the check-in cost as much as a small group's statements),
        any other goes back after each group, so that the pool's ping tests it before the next one
        (a server restarted meanwhile costs no group). After an error the connection is discarded."""
        try:
            if connection is None:
                connection = self.engine.raw_connection()
            try:
                self._apply_in(connection, group)
                connection.commit()
            except BaseException:
                connection.invalidate()  # rolls back (if it can) and closes it: the pool makes a new one
                connection = None
                raise
        except BaseException as error:  # nothing of the group was committed: nobody may hear "counted"
            for pending in group:
                pending.outcome, pending.error = None, error if isinstance(error, Exception) else RuntimeError(
                    "the like ledger was interrupted")
            if not isinstance(error, Exception):
                raise
        finally:
            for pending in group:
                pending.done.set()
        if connection is not None and not self._keep_connection:
            connection.close()
            connection = None
        return connection

    def _apply_in(self, connection, group: list[_Pending]) -> None:
        states: dict[int, _SessionState | None] = {}
        seen: dict[tuple[int, str, str], tuple[int, int, Outcome]] = {}
        viewer_deltas: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0])
        total_deltas: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        rows = []
        # Lock every session of the group first, in id order: two processes whose groups hold the
        # same sessions then wait for each other instead of deadlocking.
        cursor = connection.cursor()
        for sid in sorted({pending.batch.session_id for pending in group}):
            states[sid] = None
            if self._lock_session.run(cursor, {"sid": sid}) == 1:
                current, cap, version = self._state.first(cursor, {"sid": sid})
                states[sid] = _SessionState(current, cap, version)
        used = self._used(cursor, group, states)
        stored = set(used)  # viewers whose row exists: an UPDATE adds to it, the others get an INSERT
        for pending in group:
            batch = pending.batch
            sid = batch.session_id
            state = states[sid]
            try:
                if state is None:
                    raise LikeRefused(BAD_SESSION, NOT_FOUND, "no such live session")
                key = (sid, batch.viewer, batch.batch_id)
                original = seen.get(key)
                if original is None:
                    found = self._seen.first(cursor, {"sid": sid, "vid": batch.viewer, "bid": batch.batch_id})
                    if found is not None:
                        original = (found[0], found[1], Outcome(found[2], found[3]))
                duplicate = check_duplicate(original, batch)
                if duplicate is not None:
                    pending.outcome = duplicate
                    continue
                check_window(state.current, batch.entry_id)
                mine = (sid, batch.entry_id, batch.viewer)
                outcome = score_batch(batch.count, state.cap, used.get(mine, 0))
            except LikeRefused as refused:
                pending.error = refused
                continue
            used[mine] = used.get(mine, 0) + outcome.accepted_scoring
            viewer_deltas[mine][0] += outcome.accepted_hearts
            viewer_deltas[mine][1] += outcome.accepted_scoring
            total_deltas[(sid, batch.entry_id)][0] += outcome.accepted_hearts
            total_deltas[(sid, batch.entry_id)][1] += outcome.accepted_scoring
            state.version += 1
            state.changed = True
            seen[key] = (batch.entry_id, batch.count, outcome)
            rows.append({"session_id": sid, "entry_id": batch.entry_id, "viewer": batch.viewer,
                         "batch_id": batch.batch_id, "count": batch.count, "hearts": outcome.accepted_hearts,
                         "scoring": outcome.accepted_scoring, "version": state.version, "at_ms": pending.at_ms,
                         "network": batch.network})
            pending.outcome = outcome
        known, new = [], []
        for (sid, eid, viewer), (hearts, scoring) in viewer_deltas.items():
            values = {"sid": sid, "eid": eid, "vid": viewer, "dh": hearts, "ds": scoring}
            (known if (sid, eid, viewer) in stored else new).append(values)
        if known:
            self._add_viewer.run_many(cursor, known)
        if new:
            self._new_viewer.run_many(cursor, new)
        for (sid, eid), (hearts, scoring) in total_deltas.items():
            values = {"sid": sid, "eid": eid, "dh": hearts, "ds": scoring}
            if self._add_total.run(cursor, values) == 0:
                self._new_total.run(cursor, values)
        if rows:
            self._new_batch.run_many(cursor, rows)
        for sid, state in states.items():
            if state is not None and state.changed:
                self._set_version.run(cursor, {"sid": sid, "v": state.version})
        cursor.close()

    def _used(self, cursor, group: list[_Pending], states) -> dict[tuple[int, int, str], int]:
        """The scoring likes each viewer of the group already gave each entry: one query per entry,
        on the driver's cursor. The viewers are padded (with the last one again) to a power of two,
        so that a few statements, compiled once each, serve every group."""
        wanted: dict[tuple[int, int], set[str]] = defaultdict(set)
        for pending in group:
            batch = pending.batch
            if states.get(batch.session_id) is not None:
                wanted[(batch.session_id, batch.entry_id)].add(batch.viewer)
        used = {}
        for (sid, eid), viewers in wanted.items():
            viewers = sorted(viewers)
            size = 1 << (len(viewers) - 1).bit_length()
            statement = self._used_statements.get(size)
            if statement is None:
                statement = self._used_statements[size] = _DriverStatement(used_statement(size), self.engine.dialect)
            values = {"sid": sid, "eid": eid}
            values.update((f"v{index}", viewer) for index, viewer in enumerate(viewers))
            values.update((f"v{index}", viewers[-1]) for index in range(len(viewers), size))
            for viewer, scoring in statement.all(cursor, values):
                used[(sid, eid, viewer)] = scoring
        return used

    # -- reading ---------------------------------------------------------

    def snapshot(self, session_id: int) -> Snapshot:
        with self.engine.connect() as conn:
            return self._snapshot(conn, session_id)

    def journal(self, session_id: int) -> list[Delta]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(batches).where(batches.c.session_id == session_id).order_by(batches.c.id))
            return [Delta(id=f"{row.id}-0", session_id=row.session_id, entry_id=row.entry_id, viewer=row.viewer,
                          hearts=row.hearts, scoring=row.scoring, batch_id=row.batch_id, version=row.version,
                          at_ms=row.at_ms, network=row.network) for row in rows]

    def clear_session(self, session_id: int) -> None:
        """Forget a session's likes (counts, caps, batch ids) and reset its version."""
        with self.engine.begin() as conn:
            if not self._locked(conn, session_id):
                return
            for table in (batches, viewer_likes, totals):
                conn.execute(delete(table).where(table.c.session_id == session_id))
            conn.execute(update(sessions).where(sessions.c.id == session_id)
                         .values(version=0, current_entry_id=None))

