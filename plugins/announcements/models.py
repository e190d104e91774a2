"""The announcements table: short notices from the association's secretariat."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.users.models import utcnow


class Announcement(db.Model):
    __tablename__ = "announcements_notices"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)  # plain text; escaped when shown
    link = db.Column(db.String(500))
    pinned = db.Column(db.Boolean, nullable=False, default=False)
    published_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    expires_at = db.Column(db.DateTime, index=True)
    author_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)
    # Kept when the author's account is deleted, like the audit log's actor label.
    author_name = db.Column(db.String(120))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    author = db.relationship("User")

    def is_visible(self, now=None):
        now = now or utcnow()
        return self.published_at <= now and (self.expires_at is None or self.expires_at > now)

    def status(self, now=None):
        now = now or utcnow()
        if self.published_at > now:
            return "scheduled"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "current"

    @property
    def status_label(self):
        return STATUS_LABELS[self.status()]

    @property
    def paragraphs(self):
        """The body split at blank lines; each paragraph is a list of its lines."""
        blocks = self.body.replace("\r\n", "\n").split("\n\n")
        return [block.strip("\n").split("\n") for block in blocks if block.strip()]

    def __repr__(self):
        return f"<Announcement {self.id} {self.title!r}>"


STATUS_LABELS = {
    "scheduled": _l("Scheduled"),
    "current": _l("Current"),
    "expired": _l("Expired"),
}


def visible_query(now=None):
    """Notices the public may read now: pinned first, newest first."""
    now = now or utcnow()
    return (
        db.select(Announcement)
        .where(Announcement.published_at <= now)
        .where(db.or_(Announcement.expires_at.is_(None), Announcement.expires_at > now))
        .order_by(Announcement.pinned.desc(), Announcement.published_at.desc(), Announcement.id.desc())
    )


def latest(limit, pinned_only=False):
    query = visible_query()
    if pinned_only:
        query = query.where(Announcement.pinned.is_(True))
    return db.session.scalars(query.limit(limit)).all()


def unpin_expired(now=None):
    """Unpin notices that have expired; returns how many were unpinned."""
    now = now or utcnow()
    expired = db.session.scalars(
        db.select(Announcement).where(Announcement.pinned.is_(True), Announcement.expires_at <= now)
    ).all()
    for notice in expired:
        notice.pinned = False
    return len(expired)


def purge_expired(older_than_days, now=None):
    """Delete notices that expired more than ``older_than_days`` days ago; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    old = db.session.scalars(db.select(Announcement).where(Announcement.expires_at <= cutoff)).all()
    for notice in old:
        db.session.delete(notice)
    return len(old)
