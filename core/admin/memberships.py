"""Membership changes shared by the user and the organisation pages."""
from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from core.users.models import Membership


def find_membership(user_id, organisation_id):
    return db.session.get(Membership, (user_id, organisation_id))


def add_membership(user, organisation, is_admin=False):
    """Add user to organisation (not committed); returns an error message or None."""
    if find_membership(user.id, organisation.id) is not None:
        return _("%(user)s is already a member of %(organisation)s.", user=user.email, organisation=organisation.name)
    db.session.add(Membership(user=user, organisation=organisation, is_admin=bool(is_admin)))
    audit("membership.added", user.email, organisation=organisation.name, is_admin=bool(is_admin))
    return None


def toggle_admin(membership):
    membership.is_admin = not membership.is_admin
    audit(
        "membership.changed",
        membership.user.email,
        organisation=membership.organisation.name,
        is_admin=membership.is_admin,
    )


def remove_membership(membership):
    audit("membership.removed", membership.user.email, organisation=membership.organisation.name)
    db.session.delete(membership)
