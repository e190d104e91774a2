"""In-process like ledger: the rules of ``likes`` behind one lock.

For one process (tests, the simulator, and as the reference that ``RedisLedger``
must agree with; the embedded SQLite deployment will keep its counts in the
database, with this interface). Nothing survives a restart.

Interface shared with ``ledger_redis.RedisLedger``::

    open_window(session_id, entry_id, *, cap=1) -> Snapshot
    close_window(session_id) -> Snapshot
    record(batch, now=None) -> Outcome          # raises likes.LikeRefused
    snapshot(session_id) -> Snapshot
    journal(session_id) -> list[Delta]          # accepted deltas, oldest first
    clear_session(session_id) -> None

Batch ids are remembered per (session, viewer) for the life of the session
(until ``clear_session``).
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from .likes import Delta, LikeBatch, Outcome, Snapshot, check_duplicate, check_window, score_batch, validate_cap


@dataclass
class _Session:
    version: int = 0
    current: int | None = None
    cap: int = 1
    hearts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    scoring: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    used: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    # (viewer, batch_id) -> (entry_id, count, outcome)
    batches: dict[tuple[str, str], tuple[int, int, Outcome]] = field(default_factory=dict)
    journal: list[Delta] = field(default_factory=list)


class MemoryLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[int, _Session] = {}
        self._seq = 0

    def _session(self, session_id: int) -> _Session:
        state = self._sessions.get(session_id)
        if state is None:
            state = self._sessions[session_id] = _Session()
        return state

    def _snapshot(self, session_id: int, state: _Session) -> Snapshot:
        counts = {entry: (hearts, state.scoring.get(entry, 0)) for entry, hearts in state.hearts.items()}
        return Snapshot(session_id, state.version, state.current, counts)

    # -- windows ---------------------------------------------------------

    def open_window(self, session_id: int, entry_id: int, *, cap: int = 1) -> Snapshot:
        """Open ``entry_id``'s window with per-viewer cap K=``cap``; a window open for
        another entry closes in the same step (one version). Re-opening the open
        entry changes nothing but the cap."""
        validate_cap(cap)
        with self._lock:
            state = self._session(session_id)
            state.cap = cap
            if state.current != entry_id:
                state.current = entry_id
                state.version += 1
            return self._snapshot(session_id, state)

    def close_window(self, session_id: int) -> Snapshot:
        with self._lock:
            state = self._session(session_id)
            if state.current is not None:
                state.current = None
                state.version += 1
            return self._snapshot(session_id, state)

    # -- likes -----------------------------------------------------------

    def record(self, batch: LikeBatch, now: float | None = None) -> Outcome:
        at_ms = int((time.time() if now is None else now) * 1000)
        with self._lock:
            state = self._session(batch.session_id)
            key = (batch.viewer, batch.batch_id)
            duplicate = check_duplicate(state.batches.get(key), batch)
            if duplicate is not None:
                return duplicate
            check_window(state.current, batch.entry_id)
            used_key = (batch.entry_id, batch.viewer)
            outcome = score_batch(batch.count, state.cap, state.used[used_key])
            state.hearts[batch.entry_id] += outcome.accepted_hearts
            state.scoring[batch.entry_id] += outcome.accepted_scoring
            state.used[used_key] += outcome.accepted_scoring
            state.version += 1
            state.batches[key] = (batch.entry_id, batch.count, outcome)
            self._seq += 1
            state.journal.append(
                Delta(
                    id=f"{self._seq}-0",
                    session_id=batch.session_id,
                    entry_id=batch.entry_id,
                    viewer=batch.viewer,
                    hearts=outcome.accepted_hearts,
                    scoring=outcome.accepted_scoring,
                    batch_id=batch.batch_id,
                    version=state.version,
                    at_ms=at_ms,
                    network=batch.network,
                )
            )
            return outcome

    # -- reading ---------------------------------------------------------

    def snapshot(self, session_id: int) -> Snapshot:
        with self._lock:
            state = self._sessions.get(session_id)
            return Snapshot.empty(session_id) if state is None else self._snapshot(session_id, state)

    def journal(self, session_id: int) -> list[Delta]:
        with self._lock:
            state = self._sessions.get(session_id)
            return [] if state is None else list(state.journal)

    def clear_session(self, session_id: int) -> None:
        """Forget a session entirely (counts, caps, batch ids): after its results are final."""
        with self._lock:
            self._sessions.pop(session_id, None)
