"""The audit log: who did what, when, from where."""
from flask import has_request_context, request
from flask_login import current_user

from core.extensions import db
from core.users.models import utcnow


class AuditEntry(db.Model):
    __tablename__ = "core_audit_log"
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    actor_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)
    actor_label = db.Column(db.String(254))  # kept when the actor is deleted
    action = db.Column(db.String(64), nullable=False, index=True)
    target = db.Column(db.String(255))
    detail = db.Column(db.JSON, nullable=False, default=dict)
    ip = db.Column(db.String(45))
    user_agent = db.Column(db.String(255))

    actor = db.relationship("User")


def audit(action, target=None, actor=None, **detail):
    """Record an action in the current transaction; the caller commits."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = AuditEntry(
        action=action,
        target=None if target is None else str(target)[:255],
        detail=detail,
        actor=actor,
        actor_label=getattr(actor, "email", None),
    )
    if has_request_context():
        entry.ip = request.remote_addr
        entry.user_agent = (request.user_agent.string or "")[:255]
    db.session.add(entry)
    return entry
