"""What the live finals add to a final's results: scoring likes per entry as its votes, read
from the database (the flusher has written Redis's journal there first in scale-out).

An entry's likes "reached" their count when the last batch that scored for it was
accepted: between equal counts, 最佳人气奖 goes to the entry that got there first.
"""
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from core.extensions import db

from .anomalies import voided_viewers
from .models import LikeBatchRecord, LikeTotal, LiveFinal
from .runtime import get_runtime

EPOCH = datetime(1970, 1, 1)
VOTE_NAME = _l("scoring likes")


def final_of(competition):
    return db.session.scalar(db.select(LiveFinal).where(LiveFinal.competition_id == competition.id))


def vote_tallies(competition):
    """(entry id, scoring likes, reached_at) for each entry of the final with scoring likes."""
    final = final_of(competition)
    if final is None:
        return []
    get_runtime().flush_now(strict=False)  # Redis down: the database has all but the last second
    session_ids = [session.id for session in final.sessions]
    if not session_ids:
        return []
    counts = dict(db.session.execute(
        db.select(LikeTotal.entry_id, db.func.sum(LikeTotal.scoring))
        .where(LikeTotal.session_id.in_(session_ids)).group_by(LikeTotal.entry_id)).all())
    reached = {}
    voided = voided_viewers(session_ids)  # their batches did not bring anyone to the count
    for entry_id, session_id, viewer, at_ms in db.session.execute(
            db.select(LikeBatchRecord.entry_id, LikeBatchRecord.session_id, LikeBatchRecord.viewer,
                      db.func.max(LikeBatchRecord.at_ms))
            .where(LikeBatchRecord.session_id.in_(session_ids), LikeBatchRecord.scoring > 0)
            .group_by(LikeBatchRecord.entry_id, LikeBatchRecord.session_id, LikeBatchRecord.viewer)):
        if (session_id, viewer) not in voided:
            reached[entry_id] = max(reached.get(entry_id, at_ms), at_ms)
    return [(entry_id, int(count), _moment(reached.get(entry_id)))
            for entry_id, count in sorted(counts.items()) if count]


def vote_name(competition):
    return VOTE_NAME if final_of(competition) is not None else None


def _moment(at_ms):
    return None if at_ms is None else EPOCH + timedelta(milliseconds=int(at_ms))
