import enum
import hashlib
import secrets
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import func

from core.extensions import db


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


user_roles = db.Table(
    "core_user_roles",
    db.Column("user_id", db.ForeignKey("core_users.id", ondelete="CASCADE"), primary_key=True),
    db.Column("role_id", db.ForeignKey("core_roles.id", ondelete="CASCADE"), primary_key=True),
)

BUILTIN_ROLES = {
    "admin": _l("Administrator"),
    "editor": _l("Editor"),
    "judge": _l("Judge"),
    "member": _l("Member"),
}


class Role(db.Model):
    __tablename__ = "core_roles"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), unique=True, nullable=False)
    title = db.Column(db.String(120), nullable=False)
    builtin = db.Column(db.Boolean, nullable=False, default=False)

    grants = db.relationship("RolePermission", back_populates="role", cascade="all, delete-orphan")

    def display_title(self):
        return str(BUILTIN_ROLES[self.name]) if self.name in BUILTIN_ROLES else self.title


class RolePermission(db.Model):
    """An admin's decision to grant or revoke one permission for a role.

    Without a row, the role has the permission if its declaration names the
    role among its defaults."""

    __tablename__ = "core_role_permissions"
    role_id = db.Column(db.ForeignKey("core_roles.id", ondelete="CASCADE"), primary_key=True)
    permission = db.Column(db.String(120), primary_key=True)
    granted = db.Column(db.Boolean, nullable=False)

    role = db.relationship("Role", back_populates="grants")


class User(UserMixin, db.Model):
    __tablename__ = "core_users"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    email_verified_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)
    # Bumped to end every other session of this user (logout, password change, deactivation).
    session_version = db.Column(db.Integer, nullable=False, default=1)
    totp_secret = db.Column(db.String(64))
    totp_enabled = db.Column(db.Boolean, nullable=False, default=False)
    totp_last_step = db.Column(db.BigInteger)  # the last accepted code's time step: no replays
    locale = db.Column(db.String(10))

    roles = db.relationship("Role", secondary=user_roles, lazy="selectin", order_by="Role.name")
    memberships = db.relationship(
        "Membership", back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self):
        return bool(self.active)

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def end_other_sessions(self):
        self.session_version = (self.session_version or 1) + 1

    def has_role(self, name):
        return any(role.name == name for role in self.roles)

    @property
    def role_names(self):
        return [role.name for role in self.roles]

    @property
    def organisations(self):
        return [m.organisation for m in self.memberships]

    def can(self, permission):
        from core.permissions import user_has_permission

        return user_has_permission(self, permission)

    def __repr__(self):
        return f"<User {self.email}>"


class OrganisationTier(enum.Enum):
    president = "president"
    vice_president = "vice_president"
    standing_council = "standing_council"
    council = "council"
    member = "member"

    @property
    def label(self):
        return str(TIER_LABELS[self])


TIER_LABELS = {
    OrganisationTier.president: _l("President unit"),
    OrganisationTier.vice_president: _l("Vice-president unit"),
    OrganisationTier.standing_council: _l("Standing council unit"),
    OrganisationTier.council: _l("Council unit"),
    OrganisationTier.member: _l("Member unit"),
}


class Organisation(db.Model):
    __tablename__ = "core_organisations"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), unique=True, nullable=False)
    short_name = db.Column(db.String(80))
    tier = db.Column(
        db.Enum(OrganisationTier, name="organisation_tier", native_enum=False, length=32),
        nullable=False,
        default=OrganisationTier.member,
    )
    website = db.Column(db.String(255))
    description = db.Column(db.Text)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    memberships = db.relationship(
        "Membership", back_populates="organisation", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def admins(self):
        return [m.user for m in self.memberships if m.is_admin]

    def __repr__(self):
        return f"<Organisation {self.name}>"


class Membership(db.Model):
    __tablename__ = "core_memberships"
    user_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), primary_key=True)
    organisation_id = db.Column(
        db.ForeignKey("core_organisations.id", ondelete="CASCADE"), primary_key=True
    )
    is_admin = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    user = db.relationship("User", back_populates="memberships")
    organisation = db.relationship("Organisation", back_populates="memberships")


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored; the raw value is shown once."""

    __tablename__ = "core_api_tokens"
    PREFIX = "gh_"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)
    token_hash = db.Column(db.String(64), unique=True, nullable=False)
    hint = db.Column(db.String(12), nullable=False)  # first characters, to tell tokens apart
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)

    user = db.relationship("User")

    @classmethod
    def issue(cls, user, name):
        """Create a token for user; returns (token, raw value to show once)."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, token_hash=hash_token(raw), hint=raw[:10])
        db.session.add(token)
        return token, raw

    @classmethod
    def find_active(cls, raw):
        token = db.session.scalar(db.select(cls).filter_by(token_hash=hash_token(raw)))
        if token is None or token.revoked_at is not None or not token.user.is_active:
            return None
        return token

    @property
    def active(self):
        return self.revoked_at is None


class Invitation(db.Model):
    """An invitation to register, needed when registration is invite-only."""

    __tablename__ = "core_invitations"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, index=True)
    token_hash = db.Column(db.String(64), unique=True, nullable=False)
    role_id = db.Column(db.ForeignKey("core_roles.id", ondelete="SET NULL"))
    organisation_id = db.Column(db.ForeignKey("core_organisations.id", ondelete="SET NULL"))
    created_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False)
    used_at = db.Column(db.DateTime)

    role = db.relationship("Role")
    organisation = db.relationship("Organisation")
    created_by = db.relationship("User")


def normalise_email(value):
    return (value or "").strip().lower()


def count_admins():
    return db.session.scalar(
        db.select(func.count(User.id)).join(User.roles).where(Role.name == "admin", User.active.is_(True))
    )
