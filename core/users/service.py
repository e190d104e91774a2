"""Operations on people that views, the CLI, the API and the demo loader share."""
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from core.audit import audit
from core.extensions import db
from core.mail import queue_mail
from core.plugins import get_host
from core.users.models import ApiToken, Invitation, Membership, Role, User, normalise_email, utcnow
from core.users.passwords import burn_time, hash_password, password_problem
from core.users.tokens import password_fingerprint, read_token, reset_token, verify_token
from core.users.totp import new_secret, use_code


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


def set_password(user, password, action="user.password_changed"):
    """Set a new password and end every other session of the user."""
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise UserError(str(problem))
    user.password_hash = hash_password(password)
    user.end_other_sessions()
    audit(action, user.email)


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


# -- registration, verification, reset ---------------------------------------


def _mail(recipient, locale, subject, template, **context):
    """Queue a mail rendered in the recipient's language."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return queue_mail(recipient, str(subject), template, **context)


def send_verification(user):
    link = url_for("users.verify_email", token=verify_token(user), _external=True)
    hours = current_app.config["TOKEN_MAX_AGE_VERIFY"] // 3600
    _mail(user.email, user.locale, _l("Confirm your e-mail address"), "mail/verify.txt",
          user=user, link=link, hours=hours)


def register_user(email, name, password, locale=None):
    """Open registration. Returns the new user, or None if the address is taken.

    A taken address gets a notice by mail instead, so that the page shown to
    the visitor is the same either way."""
    existing = find_user(email)
    if existing is not None:
        burn_time(password)  # as long as hashing a new password would take
        _mail(existing.email, existing.locale, _l("Someone tried to register with your address"),
              "mail/register_existing.txt", user=existing,
              login_link=url_for("users.login", _external=True),
              reset_link=url_for("users.reset_request", _external=True))
        return None
    user = create_user(email, name, password, roles=("member",))
    user.locale = locale
    audit("user.registered", user.email, actor=user, mode="open")
    send_verification(user)
    return user


def accept_invitation(invitation, name, password):
    """Create the invited user with the invitation's role and organisation; marks it used."""
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another request used it a moment ago
        raise UserError(_("This invitation has already been used."))
    role = invitation.role.name if invitation.role is not None else "member"
    # The invitation reached this mailbox, which proves the address.
    user = create_user(invitation.email, name, password, roles=(role,), verified=True)
    if invitation.organisation is not None:
        db.session.add(Membership(user=user, organisation=invitation.organisation))
    audit("user.registered", user.email, actor=user, mode="invite", invitation=invitation.id)
    return user


def user_for_verification(token):
    """The user a valid, unexpired verification link is for, or None."""
    payload = read_token("verify", token)
    user = _user_from_payload(payload)
    if user is None or payload.get("e") != user.email:
        return None
    return user


def verify_email(token):
    """Mark the address of a valid verification link as verified; returns the user or None."""
    user = user_for_verification(token)
    if user is None:
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit("user.verified", user.email, actor=user)
    return user


def request_password_reset(email):
    """Mail a reset link if the address belongs to an active user; silent otherwise."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = url_for("users.reset_password", token=reset_token(user), _external=True)
    minutes = current_app.config["TOKEN_MAX_AGE_RESET"] // 60
    _mail(user.email, user.locale, _l("Reset your password"), "mail/reset.txt",
          user=user, link=link, minutes=minutes)


def user_for_reset(token):
    """The active user a reset link is for, while that link is unused and unexpired."""
    payload = read_token("reset", token)
    user = _user_from_payload(payload)
    if user is None or not user.is_active or payload.get("p") != password_fingerprint(user):
        return None
    return user


def reset_password(user, password):
    set_password(user, password, action="user.password_reset")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link reached the mailbox


def _user_from_payload(payload):
    if not payload or not isinstance(payload.get("u"), int):
        return None
    return db.session.get(User, payload["u"])


# -- second factor -------------------------------------------------------------


def start_totp(user):
    """Give the user a new, not yet enabled secret to enrol in an authenticator app."""
    if user.totp_enabled:
        raise UserError(_("Two-step sign-in is already on."))
    user.totp_secret = new_secret()
    user.totp_last_step = None


def enable_totp(user, code):
    if user.totp_enabled or not user.totp_secret:
        raise UserError(_("Start the set-up first."))
    if not use_code(user, code):
        raise UserError(_("That code is not right. Check the time on your phone and try again."))
    user.totp_enabled = True
    user.end_other_sessions()  # sessions opened with the password alone end here
    audit("totp.enabled", user.email)


def totp_required(user):
    required = set(current_app.config["REQUIRE_TOTP_FOR_ROLES"] or ())
    return any(name in required for name in user.role_names)


def disable_totp(user):
    user.totp_enabled = False
    user.totp_secret = None
    audit("totp.disabled", user.email)


# -- personal API tokens ---------------------------------------------------------


def create_api_token(user, name):
    token, raw = ApiToken.issue(user, name.strip())
    db.session.flush()
    audit("token.created", f"{user.email}: {token.name}", token=token.id)
    return token, raw


def revoke_api_token(token):
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit("token.revoked", f"{token.user.email}: {token.name}", token=token.id)


def tokens_of(user):
    return db.session.scalars(
        db.select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    ).all()
