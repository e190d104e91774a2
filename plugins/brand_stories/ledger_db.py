"""Like ledger in the database: the embedded deployment's (SQLite, one process), and
any deployment without Redis.

Same interface and rules as ``ledger_memory.MemoryLedger``; every call is one
transaction, committed before it returns, so a like acknowledged to a phone is on
disk. The first statement of each transaction writes the session row
(``version = version``): on SQLite that takes the database's write lock at once
(a read first would let two transactions deadlock on upgrading), on PostgreSQL
the row lock; either way batches of one session are applied one at a time.

SQLAlchemy Core on the plugin's tables, with its own connections from the
engine: no app context needed (the simulator and the tests call it from plain
threads) and nothing mixed into the caller's ORM session.
"""
from __future__ import annotations

import time

from sqlalchemy import and_, delete, insert, select, update

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

sessions = LiveSession.__table__
totals = LikeTotal.__table__
viewer_likes = ViewerLikes.__table__
batches = LikeBatchRecord.__table__


class DbLedger:
    def __init__(self, engine) -> None:
        self.engine = engine

    @staticmethod
    def _lock(conn, session_id: int) -> bool:
        """Take the session's write lock; False when there is no such session."""
        result = conn.execute(update(sessions).where(sessions.c.id == session_id)
                              .values(version=sessions.c.version))
        return result.rowcount == 1

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
            if not self._lock(conn, session_id):
                raise LikeRefused(BAD_SESSION, NOT_FOUND, "no such live session")
            current = conn.execute(select(sessions.c.current_entry_id).where(sessions.c.id == session_id)).scalar()
            changes = {"cap": cap}
            if current != entry_id:
                changes.update(current_entry_id=entry_id, version=sessions.c.version + 1)
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(**changes))
            return self._snapshot(conn, session_id)

    def close_window(self, session_id: int) -> Snapshot:
        with self.engine.begin() as conn:
            if not self._lock(conn, session_id):
                raise LikeRefused(BAD_SESSION, NOT_FOUND, "no such live session")
            conn.execute(update(sessions).where(sessions.c.id == session_id,
                                                sessions.c.current_entry_id.is_not(None))
                         .values(current_entry_id=None, version=sessions.c.version + 1))
            return self._snapshot(conn, session_id)

    # -- likes -----------------------------------------------------------

    def record(self, batch: LikeBatch, now: float | None = None) -> Outcome:
        at_ms = int((time.time() if now is None else now) * 1000)
        with self.engine.begin() as conn:
            if not self._lock(conn, batch.session_id):
                raise LikeRefused(BAD_SESSION, NOT_FOUND, "no such live session")
            seen = conn.execute(
                select(batches.c.entry_id, batches.c.count, batches.c.hearts, batches.c.scoring)
                .where(batches.c.session_id == batch.session_id, batches.c.viewer == batch.viewer,
                       batches.c.batch_id == batch.batch_id)).first()
            original = None if seen is None else (seen.entry_id, seen.count, Outcome(seen.hearts, seen.scoring))
            duplicate = check_duplicate(original, batch)
            if duplicate is not None:
                return duplicate
            state = conn.execute(select(sessions.c.current_entry_id, sessions.c.cap, sessions.c.version)
                                 .where(sessions.c.id == batch.session_id)).first()
            check_window(state.current_entry_id, batch.entry_id)
            mine = and_(viewer_likes.c.session_id == batch.session_id, viewer_likes.c.entry_id == batch.entry_id,
                        viewer_likes.c.viewer == batch.viewer)
            used = conn.execute(select(viewer_likes.c.scoring).where(mine)).scalar()
            outcome = score_batch(batch.count, state.cap, used or 0)
            self._add(conn, viewer_likes, mine, outcome,
                      session_id=batch.session_id, entry_id=batch.entry_id, viewer=batch.viewer)
            self._add(conn, totals, and_(totals.c.session_id == batch.session_id,
                                         totals.c.entry_id == batch.entry_id), outcome,
                      session_id=batch.session_id, entry_id=batch.entry_id)
            version = state.version + 1
            conn.execute(update(sessions).where(sessions.c.id == batch.session_id).values(version=version))
            conn.execute(insert(batches).values(
                session_id=batch.session_id, entry_id=batch.entry_id, viewer=batch.viewer,
                batch_id=batch.batch_id, count=batch.count, hearts=outcome.accepted_hearts,
                scoring=outcome.accepted_scoring, version=version, at_ms=at_ms, network=batch.network))
            return outcome

    @staticmethod
    def _add(conn, table, where, outcome: Outcome, **key) -> None:
        """Add an outcome to a counter row, creating it (the session lock rules out a racing insert)."""
        result = conn.execute(update(table).where(where).values(
            hearts=table.c.hearts + outcome.accepted_hearts, scoring=table.c.scoring + outcome.accepted_scoring))
        if result.rowcount == 0:
            conn.execute(insert(table).values(hearts=outcome.accepted_hearts, scoring=outcome.accepted_scoring,
                                              **key))

    # -- reading ---------------------------------------------------------

    def snapshot(self, session_id: int) -> Snapshot:
        with self.engine.connect() as conn:
            return self._snapshot(conn, session_id)

    def journal(self, session_id: int) -> list[Delta]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(batches).where(batches.c.session_id == session_id).order_by(batches.c.id))
            return [Delta(id=f"{row.id}-0", session_id=row.session_id, entry_id=row.entry_id, viewer=row.viewer,
                          hearts=row.hearts, scoring=row.scoring, batch_id=row.batch_id, version=row.version,
                          at_ms=row.at_ms) for row in rows]

    def clear_session(self, session_id: int) -> None:
        """Forget a session's likes (counts, caps, batch ids) and reset its version."""
        with self.engine.begin() as conn:
            if not self._lock(conn, session_id):
                return
            for table in (batches, viewer_likes, totals):
                conn.execute(delete(table).where(table.c.session_id == session_id))
            conn.execute(update(sessions).where(sessions.c.id == session_id)
                         .values(version=0, current_entry_id=None))
