"""Which events the public sees."""
from core.extensions import db
from core.users.models import utcnow
from plugins.youth_committee.models import Event


def upcoming(area=None, limit=None):
    query = (db.select(Event).where(Event.published.is_(True), Event.ends_at > utcnow())
             .order_by(Event.starts_at, Event.id))
    if area is not None:
        query = query.where(Event.area == area)
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def past(limit=50):
    return db.session.scalars(
        db.select(Event).where(Event.published.is_(True), Event.ends_at <= utcnow())
        .order_by(Event.starts_at.desc()).limit(limit)
    ).all()
