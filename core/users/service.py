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
