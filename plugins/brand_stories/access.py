"""Permissions of live finals."""
from flask import abort

from core.extensions import db
from core.permissions import user_has_permission

MANAGE = "brand_stories.manage"  # set up finals, sessions, running orders and finalists
HOST = "brand_stories.host"  # run a session from the host console
MAX_ID = 2**31 - 1


def can(user, permission):
    return user is not None and user.is_authenticated and user_has_permission(user, permission)


def get_or_404(model, object_id):
    if not 0 < object_id <= MAX_ID:
        abort(404)
    return db.get_or_404(model, object_id)


def shown_to(user, session):
    """Whether the public pages show this session: its final's competition is listed on the site,
    or the user runs or sets up finals (they rehearse before it is)."""
    return session.final.competition.listed or can(user, HOST) or can(user, MANAGE)


def public_session_or_404(user, session_id):
    from .models import LiveSession

    session = get_or_404(LiveSession, session_id)
    if not shown_to(user, session):
        abort(404)
    return session
