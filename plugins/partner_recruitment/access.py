"""Who may see what: applications only to the managers listed on their programme.

Routes declare the site-wide permission (REVIEW for applications, MANAGE for setting
programmes up); on top of that a programme's applications are shown only to the users on
its manager list, whatever their role, and anything else answers 404 so ids reveal nothing.
"""
from flask import abort
from flask_login import current_user

from core.extensions import db
from core.permissions import user_has_permission
from plugins.partner_recruitment.models import Application, Programme, programme_managers

MANAGE = "partner_recruitment.manage"
REVIEW = "partner_recruitment.review"
MAX_ID = 2**31 - 1


def can(permission, user=None):
    user = current_user if user is None else user
    return bool(getattr(user, "is_authenticated", False)) and user_has_permission(user, permission)


def managed_programme_ids(user=None):
    user = current_user if user is None else user
    if not can(REVIEW, user):
        return []
    return list(db.session.scalars(db.select(programme_managers.c.programme_id)
                                   .where(programme_managers.c.user_id == user.id)))


def get_or_404(model, object_id):
    if not 0 < object_id <= MAX_ID:
        abort(404)
    return db.get_or_404(model, object_id)


def reviewed_programme_or_404(programme_id):
    programme = get_or_404(Programme, programme_id)
    if programme.id not in managed_programme_ids():
        abort(404)
    return programme


def reviewed_application_or_404(application_id):
    application = get_or_404(Application, application_id)
    if application.programme_id not in managed_programme_ids():
        abort(404)
    return application
