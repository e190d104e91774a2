"""Operations on people that views, the CLI, the API and the demo loader share."""
from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from core.plugins import get_host
from core.users.models import Role, User, normalise_email, utcnow
from core.users.passwords import hash_password, password_problem


class UserError(ValueError):
    """A user cannot be created or changed; the message says why."""


def get_role(name):
    role = db.session.scalar(db.select(Role).filter_by(name=name))
    if role is None:
        raise UserError(_("There is no role named %(name)s.", name=name))
    return role


def find_user(email):
    return db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))


def create_user(email, name, password, roles=("member",), verified=False, check_password=True):
    """Create a user (flushed, not committed) and tell the plugins."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise UserError(_("Enter a valid e-mail address."))
    if find_user(email) is not None:
        raise UserError(_("A user with this e-mail address already exists."))
    if check_password:
        problem = password_problem(password, email=email, name=name)
        if problem:
            raise UserError(str(problem))
    user = User(email=email, name=name.strip() or email, password_hash=hash_password(password))
    user.roles = [get_role(role) for role in roles]
    if verified:
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    audit("user.created", user.email, roles=list(roles))
    get_host().hook.on_user_created(user=user)
    return user


def set_password(user, password):
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise UserError(str(problem))
    user.password_hash = hash_password(password)
    user.end_other_sessions()
    audit("user.password_changed", user.email)


def delete_user(user):
    get_host().hook.on_user_deleted(user=user)
    audit("user.deleted", user.email)
    db.session.delete(user)


def create_invitation(email, created_by, role=None, organisation=None):
    """Create an invitation (flushed, not committed); returns (invitation, raw token).

    The raw token goes into the e-mailed link and is never stored."""
    import secrets
    from datetime import timedelta

    from flask import current_app

    from core.users.models import Invitation, hash_token

    email = normalise_email(email)
    if not email or "@" not in email:
        raise UserError(_("Enter a valid e-mail address."))
    if find_user(email) is not None:
        raise UserError(_("A user with this e-mail address already exists."))
    raw = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        token_hash=hash_token(raw),
        role=role,
        organisation=organisation,
        created_by=created_by,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit("invitation.created", email, role=getattr(role, "name", None))
    return invitation, raw


def find_invitation(raw):
    """The unused, unexpired invitation for a raw token, or None."""
    from core.users.models import Invitation, hash_token

    invitation = db.session.scalar(db.select(Invitation).filter_by(token_hash=hash_token(raw or "")))
    if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
        return None
    return invitation
