"""What the live pages show of a session besides the counts: its titles, settings and running
order, as plain data.

The audience page and the big screen are opened by a whole hall at once, and in scale-out a
worker also carries thousands of event streams: every database round trip of a page waits
behind a fan-out. So the pages read a ``Stage`` that each process loads in two queries and
keeps for STAGE_SECONDS (the host's own changes in this process drop it at once), and take the
counts from the snapshot the streams already hold.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from core.extensions import db
from core.users.models import Organisation
from plugins.competitions.models import Competition, Entry

from .models import DEVICES, LiveFinal, LiveSession, Slot
from .runtime import get_runtime

STAGE_SECONDS = 1.0
MAX_STAGES = 1000


@dataclass(frozen=True)
class StageSlot:
    entry_id: int
    number: str
    title: str
    organisation: str
    presenter: str
    position: int
    presented: bool


@dataclass(frozen=True)
class Stage:
    id: int
    title: str
    status: str
    version: int
    current_entry_id: int | None
    likes_cap: int
    allows_devices: bool
    max_batch: int
    listed: bool
    competition_title: str
    slots: tuple[StageSlot, ...]

    @classmethod
    def of(cls, session: LiveSession) -> Stage:
        """The stage of a session already loaded (the host's console, the API)."""
        final = session.final
        slots = tuple(StageSlot(slot.entry_id, slot.entry.number, slot.entry.title,
                                slot.entry.organisation.name if slot.entry.organisation else "",
                                slot.presenter, slot.position, slot.opened_at is not None)
                      for slot in session.slots)
        return cls(session.id, session.title, session.status, session.version, session.current_entry_id,
                   final.likes_cap, final.viewers == DEVICES, final.max_batch, final.competition.listed,
                   final.competition.title, slots)


def stage(session_id: int) -> Stage | None:
    """The session's stage, at most STAGE_SECONDS old; None for no such session."""
    runtime = get_runtime()
    cache = runtime.stage_cache
    found = cache.get(session_id)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    with runtime.stage_lock:  # a hall opening the page at once makes one query, not one each
        found = cache.get(session_id)
        now = time.monotonic()
        if found is not None and found[0] > now:
            return found[1]
        loaded = _load(session_id)
        if len(cache) >= MAX_STAGES:
            cache.clear()
        cache[session_id] = (now + STAGE_SECONDS, loaded)
        return loaded


def forget(session_id: int) -> None:
    get_runtime().stage_cache.pop(session_id, None)


def _load(session_id: int) -> Stage | None:
    with db.engine.connect() as conn:
        head = conn.execute(
            select(LiveSession.id, LiveSession.title, LiveSession.status, LiveSession.version,
                   LiveSession.current_entry_id, LiveFinal.likes_cap, LiveFinal.viewers, LiveFinal.max_batch,
                   Competition.listed, Competition.title.label("competition_title"))
            .join(LiveFinal, LiveFinal.id == LiveSession.final_id)
            .join(Competition, Competition.id == LiveFinal.competition_id)
            .where(LiveSession.id == session_id)).first()
        if head is None:
            return None
        rows = conn.execute(
            select(Slot.entry_id, Entry.number, Entry.title, Organisation.name, Slot.presenter, Slot.position,
                   Slot.opened_at)
            .join(Entry, Entry.id == Slot.entry_id)
            .outerjoin(Organisation, Organisation.id == Entry.organisation_id)
            .where(Slot.session_id == session_id).order_by(Slot.position, Slot.id)).all()
    slots = tuple(StageSlot(row.entry_id, row.number, row.title, row.name or "", row.presenter, row.position,
                            row.opened_at is not None) for row in rows)
    return Stage(head.id, head.title, head.status, head.version, head.current_entry_id, head.likes_cap,
                 head.viewers == DEVICES, head.max_batch, bool(head.listed), head.competition_title, slots)
