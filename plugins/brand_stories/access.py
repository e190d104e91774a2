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
