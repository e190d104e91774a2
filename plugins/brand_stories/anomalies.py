"""Before a final's results are final: the anomaly report of a session's likes, and voiding
(or restoring) one viewer's likes, with an audit record.

Two patterns are reported; the manager judges each case (a venue's audience legitimately
shares a few networks, and a keen fan taps a lot):

- **Non-stop tappers**: a viewer who sent a batch in most half-seconds of a presentation
  window of some length, as a script does (a person pauses, looks up, films).
- **Bursts from one network**: many viewers seen for the first time from the same /24
  (IPv4) or /48 (IPv6) within ten seconds, as a farm of devices or a script minting
  device tokens does.

Everything is read from the database (in scale-out the flusher writes Redis's journal
there first), so the report and the final scores agree.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db

from .models import ENDED, LikeBatchRecord, LikeTotal, LiveSession, ViewerLikes, Void
from .runtime import get_runtime

log = logging.getLogger(__name__)

TICK_MS = 500  # the phone page sends at most one batch per half second
NONSTOP_MIN_WINDOW_MS = 10_000  # shorter windows say nothing
NONSTOP_COVERAGE = 0.8  # share of the window's half-seconds with a batch
BURST_BUCKET_MS = 10_000
BURST_VIEWERS = 20  # new viewers from one network within one bucket
REASON_MAX = 500


class VoidRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Tapper:
    viewer: str
    entry_id: int
    entry_title: str
    batches: int
    hearts: int
    scoring: int
    coverage: float  # share of the window's half-seconds in which this viewer sent a batch
    voided: bool


@dataclass
class Burst:
    network: str
    viewers: int  # distinct viewers from this network in the session
    peak: int  # most viewers first seen from it within one ten-second bucket
    peak_at_ms: int
    scoring: int  # their scoring likes
    share: float  # of the session's scoring likes
    viewer_keys: list = field(default_factory=list)


@dataclass
class Report:
    session: LiveSession
    tappers: list
    bursts: list
    voids: list
    total_scoring: int


def report(session: LiveSession) -> Report:
    get_runtime().flush_now(strict=False)
    voided = {void.viewer for void in voids_of(session)}
    titles = {slot.entry_id: slot.entry.title for slot in session.slots}
    return Report(session, _tappers(session, titles, voided), _bursts(session),
                  voids_of(session), _total_scoring(session))


def voids_of(session):
    return db.session.scalars(db.select(Void).where(Void.session_id == session.id).order_by(Void.voided_at)).all()


def _total_scoring(session):
    return int(db.session.scalar(db.select(db.func.coalesce(db.func.sum(LikeTotal.scoring), 0))
                                 .where(LikeTotal.session_id == session.id)))


def _tappers(session, titles, voided):
    windows = {entry_id: (first, last) for entry_id, first, last in db.session.execute(
        db.select(LikeBatchRecord.entry_id, db.func.min(LikeBatchRecord.at_ms), db.func.max(LikeBatchRecord.at_ms))
        .where(LikeBatchRecord.session_id == session.id).group_by(LikeBatchRecord.entry_id))}
    rows = db.session.execute(
        db.select(LikeBatchRecord.entry_id, LikeBatchRecord.viewer, db.func.count(LikeBatchRecord.id),
                  db.func.sum(LikeBatchRecord.hearts), db.func.sum(LikeBatchRecord.scoring))
        .where(LikeBatchRecord.session_id == session.id)
        .group_by(LikeBatchRecord.entry_id, LikeBatchRecord.viewer))
    found = []
    for entry_id, viewer, batches, hearts, scoring in rows:
        first, last = windows[entry_id]
        span = last - first
        if span < NONSTOP_MIN_WINDOW_MS:
            continue
        coverage = min(1.0, batches / (span / TICK_MS + 1))
        if coverage >= NONSTOP_COVERAGE:
            found.append(Tapper(viewer, entry_id, titles.get(entry_id, ""), batches, int(hearts), int(scoring),
                                round(coverage, 2), viewer in voided))
    return sorted(found, key=lambda tapper: (-tapper.coverage, -tapper.hearts, tapper.viewer))


def _bursts(session):
    rows = db.session.execute(
        db.select(LikeBatchRecord.network, LikeBatchRecord.viewer, db.func.min(LikeBatchRecord.at_ms),
                  db.func.sum(LikeBatchRecord.scoring))
        .where(LikeBatchRecord.session_id == session.id, LikeBatchRecord.network != "")
        .group_by(LikeBatchRecord.network, LikeBatchRecord.viewer))
    firsts = defaultdict(list)  # network -> [(first seen ms, viewer)]
    scoring = defaultdict(int)
    for network, viewer, first_at, viewer_scoring in rows:
        firsts[network].append((first_at, viewer))
        scoring[network] += int(viewer_scoring or 0)
    total = sum(scoring.values()) or 1
    found = []
    for network, seen in firsts.items():
        peak, peak_at = _densest(sorted(seen))
        if peak >= BURST_VIEWERS:
            found.append(Burst(network, len(seen), peak, peak_at, scoring[network],
                               round(scoring[network] / total, 3), sorted(viewer for _at, viewer in seen)))
    return sorted(found, key=lambda burst: (-burst.peak, burst.network))


def _densest(seen):
    """The most first sightings within any BURST_BUCKET_MS (a sliding window), and when it began."""
    best, best_at, start = 0, 0, 0
    for end in range(len(seen)):
        while seen[end][0] - seen[start][0] >= BURST_BUCKET_MS:
            start += 1
        if end - start + 1 > best:
            best, best_at = end - start + 1, seen[start][0]
    return best, best_at


# -- voiding ---------------------------------------------------------------------------


def _flush_before_change():
    """A void changes the totals: they must first hold every like (scale-out: Redis's journal)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    try:
        get_runtime().flush_now()
    except (RedisConnectionError, RedisTimeoutError):
        raise VoidRefused(_("The live counts cannot be reached right now. Try again in a moment.")) from None


def _check_can_change(session):
    """Voids change totals that likes also change: only once the session has ended, when no like can
    arrive any more (so a voided viewer cannot add more, and nothing races the change)."""
    if session.status != ENDED:
        raise VoidRefused(_("End the session first: likes can be voided once no more can arrive."))
    if session.final.competition.results_published:
        raise VoidRefused(_("The final's results are published. Withdraw them before changing the likes."))


def void_viewer(session: LiveSession, viewer: str, reason: str, actor) -> Void:
    """Take one viewer's likes in ``session`` out of the totals; refused with a message."""
    reason = (reason or "").strip()
    if not reason:
        raise VoidRefused(_("Give the reason for voiding these likes."))
    if len(reason) > REASON_MAX:
        raise VoidRefused(_("The reason may be at most %(max)d characters.", max=REASON_MAX))
    _check_can_change(session)
    _flush_before_change()
    if db.session.scalar(db.select(Void.id).where(Void.session_id == session.id, Void.viewer == viewer)):
        raise VoidRefused(_("This viewer's likes are already voided."))
    rows = db.session.scalars(db.select(ViewerLikes).where(ViewerLikes.session_id == session.id,
                                                           ViewerLikes.viewer == viewer)).all()
    if not rows:
        raise VoidRefused(_("This viewer has no likes in this session."))
    taken = {row.entry_id: (row.hearts, row.scoring) for row in rows}
    _change_totals(session, taken, -1)
    void = Void(session_id=session.id, viewer=viewer, reason=reason, voided_by_id=getattr(actor, "id", None),
                hearts=sum(h for h, _s in taken.values()), scoring=sum(s for _h, s in taken.values()),
                amounts={str(entry): list(counts) for entry, counts in taken.items()})
    db.session.add(void)
    audit("brand_stories.likes_voided", f"live session {session.id}: {session.title}", actor=actor, viewer=viewer,
          reason=reason, hearts=void.hearts, scoring=void.scoring)
    db.session.commit()
    _follow_live_counts(session, taken, -1)
    return void


def restore_viewer(session: LiveSession, void: Void, actor) -> None:
    """Put back exactly what the void took out."""
    if void.session_id != session.id:
        raise VoidRefused(_("This void belongs to another session."))
    _check_can_change(session)
    taken = {int(entry): (int(hearts), int(scoring)) for entry, (hearts, scoring) in (void.amounts or {}).items()}
    _change_totals(session, taken, +1)
    audit("brand_stories.likes_restored", f"live session {session.id}: {session.title}", actor=actor,
          viewer=void.viewer, hearts=void.hearts, scoring=void.scoring)
    db.session.delete(void)
    db.session.commit()
    _follow_live_counts(session, taken, +1)


def _change_totals(session, amounts, sign):
    """Add or take away counts per entry, and bump the embedded ledger's version so that streams
    follow; in-place updates, so a value read earlier is never written back."""
    for entry_id, (hearts, scoring) in amounts.items():
        db.session.execute(db.update(LikeTotal).where(LikeTotal.session_id == session.id,
                                                      LikeTotal.entry_id == entry_id)
                           .values(hearts=LikeTotal.hearts + sign * hearts,
                                   scoring=LikeTotal.scoring + sign * scoring))
    db.session.execute(db.update(LiveSession).where(LiveSession.id == session.id)
                       .values(version=LiveSession.version + 1))


def _follow_live_counts(session, amounts, sign):
    """The database changed (the truth for results); the live counts follow. Scale-out keeps them in
    Redis: adjust there too (if that fails, the results are still right; the live pages lag)."""
    runtime = get_runtime()
    try:
        if runtime.scale_out:
            for entry_id, (hearts, scoring) in amounts.items():
                runtime.ledger.adjust(session.id, entry_id, sign * hearts, sign * scoring)
        runtime.publish_now(session.id)
    except Exception:
        log.exception("brand_stories: live counts of session %s not adjusted after a void", session.id)


def voided_viewers(session_ids):
    """(session id, viewer) pairs whose likes are voided, for queries that must leave them out."""
    if not session_ids:
        return set()
    return set(db.session.execute(db.select(Void.session_id, Void.viewer).where(Void.session_id.in_(session_ids))))

