"""Scale-out: Redis's like journal into the database, following the flush protocol in
ledger_redis's docstring.

One round: lock this stream's ``FlushMark`` row (the first statement writes it, so the
lock is taken at once on SQLite and PostgreSQL alike; a second flusher waits), read the
pending deltas, drop those at or below the stored id (committed by a flusher that died
before acknowledging), add the rest to the counters, store the new id, commit, and
only then acknowledge in Redis. A flush interrupted anywhere before the commit applies
nothing; one interrupted after it is skipped on the next round: nothing counts twice,
nothing acknowledged to a phone is lost.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from core.users.models import utcnow

from .ledger_redis import unapplied
from .models import FlushMark, LikeBatchRecord, LikeTotal, ViewerLikes

marks = FlushMark.__table__
totals = LikeTotal.__table__
viewer_likes = ViewerLikes.__table__
batches = LikeBatchRecord.__table__

ROUND_SIZE = 1000
MAX_ROUNDS = 50  # one call drains up to 50,000 deltas; the next poke takes the rest


def _lock_mark(conn, stream: str) -> str:
    for _attempt in range(2):
        found = conn.execute(update(marks).where(marks.c.stream == stream)
                             .values(last_applied_id=marks.c.last_applied_id)).rowcount
        if found:
            return conn.execute(select(marks.c.last_applied_id).where(marks.c.stream == stream)).scalar()
        try:
            with conn.begin_nested():
                conn.execute(insert(marks).values(stream=stream, last_applied_id="0-0"))
        except IntegrityError:  # another flusher created it first: lock it on the next pass
            continue
    return conn.execute(select(marks.c.last_applied_id).where(marks.c.stream == stream)).scalar()


def _upserts(dialect: str):
    """(totals, viewers, batch records): statements for executemany, built once per dialect. The
    counters add to an existing row or create it; a batch id Redis has forgotten (after its
    day-long memory) may come back: its first record stays."""
    found = _UPSERTS.get(dialect)
    if found is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statements = []
        for table, key in ((totals, ["session_id", "entry_id"]), (viewer_likes, ["session_id", "entry_id", "viewer"])):
            add = dialect_insert(table)
            statements.append(add.on_conflict_do_update(index_elements=key, set_={
                "hearts": table.c.hearts + add.excluded.hearts, "scoring": table.c.scoring + add.excluded.scoring}))
        statements.append(dialect_insert(batches).on_conflict_do_nothing(
            index_elements=[batches.c.session_id, batches.c.viewer, batches.c.batch_id]))
        found = _UPSERTS[dialect] = tuple(statements)
    return found


_UPSERTS: dict = {}


def apply_deltas(conn, deltas) -> None:
    """Add the deltas to the counters: one executemany per table, the counters summed per row first."""
    if not deltas:
        return
    by_entry, by_viewer = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for delta in deltas:
        for sums in (by_entry[(delta.session_id, delta.entry_id)],
                     by_viewer[(delta.session_id, delta.entry_id, delta.viewer)]):
            sums[0] += delta.hearts
            sums[1] += delta.scoring
    add_totals, add_viewers, record_batches = _upserts(conn.dialect.name)
    # Rows in key order: two transactions touching the same rows take their locks in the same order.
    conn.execute(add_totals, [{"session_id": sid, "entry_id": eid, "hearts": hearts, "scoring": scoring}
                              for (sid, eid), (hearts, scoring) in sorted(by_entry.items())])
    conn.execute(add_viewers, [{"session_id": sid, "entry_id": eid, "viewer": viewer, "hearts": hearts,
                                "scoring": scoring} for (sid, eid, viewer), (hearts, scoring) in sorted(by_viewer.items())])
    conn.execute(record_batches, [
        {"session_id": delta.session_id, "entry_id": delta.entry_id, "viewer": delta.viewer, "batch_id": delta.batch_id,
         "count": delta.hearts, "hearts": delta.hearts, "scoring": delta.scoring, "version": delta.version,
         "at_ms": delta.at_ms, "network": delta.network} for delta in deltas])


def flush_round(engine, ledger, consumer: str, *, before_commit=None) -> tuple[int, int]:
    """One round of the protocol; returns (deltas read, deltas applied).

    ``before_commit`` is for tests: called inside the transaction after the deltas
    are applied (raise there to simulate a flusher killed half-way)."""
    with engine.begin() as conn:
        last_applied = _lock_mark(conn, ledger.stream)
        deltas = ledger.pending_deltas(consumer, ROUND_SIZE)
        if not deltas:
            return 0, 0
        to_apply, last = unapplied(deltas, last_applied)
        apply_deltas(conn, to_apply)
        conn.execute(update(marks).where(marks.c.stream == ledger.stream)
                     .values(last_applied_id=last, flushed_at=utcnow()))
        if before_commit is not None:
            before_commit(to_apply)
    ledger.ack([delta.id for delta in deltas])
    return len(deltas), len(to_apply)


def flush(engine, ledger, consumer: str) -> int:
    """Drain the journal (bounded); returns the number of deltas applied.

    Rounds go on until one reads nothing: a round that found pending deltas (a dead
    flusher's, or its own after a failed ack) reads only those, never the new ones
    behind them, so "fewer than a full round" does not mean the journal is drained."""
    applied = 0
    for _round in range(MAX_ROUNDS):
        read, done = flush_round(engine, ledger, consumer)
        applied += done
        if read == 0:
            break
    return applied
