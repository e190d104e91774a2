"""Retention: applications older than their programme's retention period are anonymised."""
from datetime import timedelta

from core.extensions import db
from core.users.models import utcnow
from plugins.partner_recruitment import pipeline
from plugins.partner_recruitment.models import Application, Programme


def expired(now=None):
    now = now or utcnow()
    found = []
    for programme in db.session.scalars(db.select(Programme)):
        cutoff = now - timedelta(days=programme.retention_days)
        found += db.session.scalars(db.select(Application).where(
            Application.programme_id == programme.id, Application.anonymised_at.is_(None),
            Application.created_at < cutoff)).all()
    return found


def anonymise_expired(now=None):
    """Anonymise every expired application; returns how many. Commits."""
    applications = expired(now)
    keys = []
    for application in applications:
        keys += pipeline.anonymise(application, reason="retention") or []
    db.session.commit()
    pipeline.remove_stored_files(keys)
    return len(applications)
