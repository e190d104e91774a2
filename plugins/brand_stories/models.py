"""Tables of the live final: finals, sessions with a running order, and like counts.

A brand-story contest is two competitions of the competitions plugin: the
preliminary round (entries, screening, expert judging per category) and the
final, whose entries are the finalists. ``LiveFinal`` adds what the live final
needs to the final's competition; ``LiveSession`` is one live event (usually one
category's final) with its running order of ``Slot`` rows.

Counts: ``LikeTotal`` per entry and ``ViewerLikes`` per viewer and entry are the
database's truth, from which final scores are computed. ``LikeBatchRecord`` is
one row per accepted batch (the duplicate check of the embedded ledger, and the
journal the anomaly report reads). With Redis, the ledger counts in Redis and
the flusher applies its journal here, remembering in ``FlushMark`` the last
stream id it committed.
"""
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.users.models import utcnow

MEMBERS, DEVICES = "members", "devices"
VIEWER_MODES = {MEMBERS: _l("Signed-in members only"), DEVICES: _l("Members and anonymous devices")}

SCHEDULED, LIVE, ENDED = "scheduled", "live", "ended"
SESSION_STATUSES = {SCHEDULED: _l("Not started yet"), LIVE: _l("Live"), ENDED: _l("Ended")}


class LiveFinal(db.Model):
    __pagecache_ignore__ = True  # the live pages skip the page cache
    __tablename__ = "brand_stories_finals"
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"),
                               nullable=False, unique=True)
    preliminary_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="SET NULL"))
    likes_cap = db.Column(db.Integer, nullable=False, default=1)  # K: scoring likes per viewer per entry
    viewers = db.Column(db.String(20), nullable=False, default=MEMBERS)
    max_batch = db.Column(db.Integer, nullable=False, default=200)  # taps in one batch
    viewer_batches_per_minute = db.Column(db.Integer, nullable=False, default=240)
    ip_batches_per_minute = db.Column(db.Integer, nullable=False, default=60000)  # a venue shares few IPs
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    competition = db.relationship("Competition", foreign_keys=[competition_id])
    preliminary = db.relationship("Competition", foreign_keys=[preliminary_id])
    sessions = db.relationship("LiveSession", back_populates="final", cascade="all, delete-orphan",
                               order_by="LiveSession.position, LiveSession.id")

    @property
    def allows_devices(self):
        return self.viewers == DEVICES


class LiveSession(db.Model):
    __pagecache_ignore__ = True  # the live pages skip the page cache
    __tablename__ = "brand_stories_sessions"
    id = db.Column(db.Integer, primary_key=True)
    final_id = db.Column(db.ForeignKey("brand_stories_finals.id", ondelete="CASCADE"), nullable=False)
    category_id = db.Column(db.ForeignKey("competitions_categories.id", ondelete="SET NULL"))
    title = db.Column(db.String(200), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    starts_at = db.Column(db.DateTime)
    status = db.Column(db.String(20), nullable=False, default=SCHEDULED)
    current_entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="SET NULL"))
    # The embedded ledger's state (Redis keeps its own): the version rises with every accepted batch
    # and window change; cap is the K in force, copied from the final when a window opens.
    version = db.Column(db.Integer, nullable=False, default=0)
    cap = db.Column(db.Integer, nullable=False, default=1)
    started_at = db.Column(db.DateTime)
    ended_at = db.Column(db.DateTime)

    final = db.relationship("LiveFinal", back_populates="sessions")
    category = db.relationship("Category")
    current_entry = db.relationship("Entry", foreign_keys=[current_entry_id])
    slots = db.relationship("Slot", back_populates="session", cascade="all, delete-orphan",
                            order_by="Slot.position, Slot.id")


class Slot(db.Model):
    """A finalist's place in a session's running order, with its presentation window."""

    __tablename__ = "brand_stories_slots"
    __pagecache_ignore__ = True
    __table_args__ = (db.UniqueConstraint("session_id", "entry_id"),)
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("brand_stories_sessions.id", ondelete="CASCADE"), nullable=False)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    presenter = db.Column(db.String(200), nullable=False, default="")  # who is on stage
    opened_at = db.Column(db.DateTime)  # first opening of the window
    closed_at = db.Column(db.DateTime)  # last closing; None while open or never opened

    session = db.relationship("LiveSession", back_populates="slots")
    entry = db.relationship("Entry")


class LikeTotal(db.Model):
    __pagecache_ignore__ = True  # the live pages skip the page cache
    __tablename__ = "brand_stories_like_totals"
    session_id = db.Column(db.ForeignKey("brand_stories_sessions.id", ondelete="CASCADE"), primary_key=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), primary_key=True)
    hearts = db.Column(db.Integer, nullable=False, default=0)
    scoring = db.Column(db.Integer, nullable=False, default=0)


class ViewerLikes(db.Model):
    __pagecache_ignore__ = True  # the live pages skip the page cache
    __tablename__ = "brand_stories_viewer_likes"
    session_id = db.Column(db.ForeignKey("brand_stories_sessions.id", ondelete="CASCADE"), primary_key=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), primary_key=True)
    viewer = db.Column(db.String(210), primary_key=True)
    hearts = db.Column(db.Integer, nullable=False, default=0)
    scoring = db.Column(db.Integer, nullable=False, default=0)


class LikeBatchRecord(db.Model):
    __pagecache_ignore__ = True  # the live pages skip the page cache
    __tablename__ = "brand_stories_like_batches"
    __table_args__ = (db.UniqueConstraint("session_id", "viewer", "batch_id"),
                      db.Index("ix_brand_stories_like_batches_session_entry", "session_id", "entry_id"))
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("brand_stories_sessions.id", ondelete="CASCADE"), nullable=False)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), nullable=False)
    viewer = db.Column(db.String(210), nullable=False)
    batch_id = db.Column(db.String(64), nullable=False)
    count = db.Column(db.Integer, nullable=False)
    hearts = db.Column(db.Integer, nullable=False)
    scoring = db.Column(db.Integer, nullable=False)
    version = db.Column(db.Integer, nullable=False)
    at_ms = db.Column(db.BigInteger, nullable=False)  # when the ledger accepted it, epoch milliseconds
    network = db.Column(db.String(64), nullable=False, default="")  # the sender's /24 (IPv4) or /48 (IPv6)


class Void(db.Model):
    """A viewer whose likes in a session a manager voided (the anomaly report): their counts are
    taken out of the totals, and the rows stay for the record."""

    __tablename__ = "brand_stories_voids"
    __pagecache_ignore__ = True
    __table_args__ = (db.UniqueConstraint("session_id", "viewer"),)
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("brand_stories_sessions.id", ondelete="CASCADE"), nullable=False)
    viewer = db.Column(db.String(210), nullable=False)
    reason = db.Column(db.String(500), nullable=False)
    hearts = db.Column(db.Integer, nullable=False)  # what was taken out of the totals
    scoring = db.Column(db.Integer, nullable=False)
    amounts = db.Column(db.JSON, nullable=False, default=dict)  # entry id -> [hearts, scoring] taken out
    voided_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    voided_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    voided_by = db.relationship("User")


class FlushMark(db.Model):
    """The last Redis stream id whose delta is committed here (the flush protocol of ledger_redis)."""

    __tablename__ = "brand_stories_flush_marks"
    __pagecache_ignore__ = True
    stream = db.Column(db.String(200), primary_key=True)
    last_applied_id = db.Column(db.String(40), nullable=False, default="0-0")
    flushed_at = db.Column(db.DateTime)
