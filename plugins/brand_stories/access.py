"""Permissions of live finals. Ids in URLs are checked as the competitions plugin checks them."""
from flask import abort

from core.permissions import user_has_permission
from plugins.competitions.access import MAX_ID, get_or_404  # noqa: F401  (used by the views)

MANAGE = "brand_stories.manage"  # set up finals, sessions, running orders and finalists
HOST = "brand_stories.host"  # run a session from the host console


def can(user, permission):
    return user is not None and user.is_authenticated and user_has_permission(user, permission)


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
