"""The committee's own tables: events and registrations, demonstration bases, volunteers.

Pages, news (activities), photos and search come from the core; see content.py.
"""
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.users.models import utcnow

# -- events -----------------------------------------------------------------------

EVENT_KINDS = {
    "talk": _l("Talk"),
    "base_visit": _l("Base visit"),
    "training": _l("Training"),
    "other": _l("Other"),
}

PENDING, CONFIRMED, WAITING, CANCELLED = "pending", "confirmed", "waiting", "cancelled"
REGISTRATION_STATUSES = {
    PENDING: _l("Awaiting e-mail confirmation"),
    CONFIRMED: _l("Confirmed"),
    WAITING: _l("On the waiting list"),
    CANCELLED: _l("Cancelled"),
}


class Event(db.Model):
    __tablename__ = "youth_committee_events"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    kind = db.Column(db.String(20), nullable=False, default="talk")
    area = db.Column(db.String(40), nullable=False, index=True)  # a key of content.AREAS
    description = db.Column(db.Text, nullable=False, default="")  # plain text
    location = db.Column(db.String(300), nullable=False, default="")
    starts_at = db.Column(db.DateTime, nullable=False, index=True)  # UTC
    ends_at = db.Column(db.DateTime, nullable=False)
    capacity = db.Column(db.Integer, nullable=False)
    # Confirmed seats. Only ever changed by one conditional UPDATE (registration.py), never read-modify-write.
    seats_taken = db.Column(db.Integer, nullable=False, default=0)
    guests_allowed = db.Column(db.Boolean, nullable=False, default=True)
    registration_open = db.Column(db.Boolean, nullable=False, default=True)
    published = db.Column(db.Boolean, nullable=False, default=True, index=True)
    base_id = db.Column(db.ForeignKey("youth_committee_bases.id", ondelete="SET NULL"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    base = db.relationship("Base")
    registrations = db.relationship("Registration", back_populates="event", cascade="all, delete-orphan",
                                    lazy="dynamic")

    __table_args__ = (
        db.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        db.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    )

    @property
    def kind_label(self):
        return EVENT_KINDS.get(self.kind, self.kind)

    @property
    def seats_left(self):
        return max(self.capacity - self.seats_taken, 0)

    def is_upcoming(self, now=None):
        return self.starts_at > (now or utcnow())

    def waiting_count(self):
        return self.registrations.filter_by(status=WAITING).count()


class Registration(db.Model):
    __tablename__ = "youth_committee_registrations"
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("youth_committee_events.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), index=True)
    # Guests (no account): name, lower-cased e-mail and phone. Members: empty, read from the account.
    guest_name = db.Column(db.String(120))
    guest_email = db.Column(db.String(254))
    guest_phone = db.Column(db.String(40))
    status = db.Column(db.String(16), nullable=False, index=True)
    token_hash = db.Column(db.String(64), unique=True)  # guests' confirm/cancel link (sha256 of the token)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    queued_at = db.Column(db.DateTime)  # when it joined the waiting list: the list's order
    confirmed_at = db.Column(db.DateTime)
    cancelled_at = db.Column(db.DateTime)
    reminded_at = db.Column(db.DateTime)
    checked_in_at = db.Column(db.DateTime)

    event = db.relationship("Event", back_populates="registrations")
    user = db.relationship("User")

    __table_args__ = (
        db.UniqueConstraint("event_id", "user_id", name="uq_youth_committee_registrations_member"),
        db.UniqueConstraint("event_id", "guest_email", name="uq_youth_committee_registrations_guest_email"),
    )

    @property
    def name(self):
        return self.user.name if self.user is not None else self.guest_name

    @property
    def email(self):
        return self.user.email if self.user is not None else self.guest_email

    @property
    def phone(self):
        return self.guest_phone or ""

    @property
    def status_label(self):
        return REGISTRATION_STATUSES.get(self.status, self.status)


# -- demonstration bases ------------------------------------------------------------

BASE_STATUSES = {
    "active": _l("In operation"),
    "preparing": _l("Being prepared"),
    "retired": _l("No longer a base"),
}


class Base(db.Model):
    __tablename__ = "youth_committee_bases"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), unique=True, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    host_organisation = db.Column(db.String(200), nullable=False, default="")
    address = db.Column(db.String(300), nullable=False, default="")
    themes = db.Column(db.String(500), nullable=False, default="")  # comma-separated
    description = db.Column(db.Text, nullable=False, default="")  # plain text
    designated_on = db.Column(db.Date)
    status = db.Column(db.String(16), nullable=False, default="active", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    photos = db.relationship("BasePhoto", back_populates="base", cascade="all, delete-orphan",
                             order_by="BasePhoto.position")

    @property
    def theme_list(self):
        return [theme.strip() for theme in self.themes.replace("，", ",").split(",") if theme.strip()]

    @property
    def status_label(self):
        return BASE_STATUSES.get(self.status, self.status)


class BasePhoto(db.Model):
    __tablename__ = "youth_committee_base_photos"
    id = db.Column(db.Integer, primary_key=True)
    base_id = db.Column(db.ForeignKey("youth_committee_bases.id", ondelete="CASCADE"), nullable=False, index=True)
    media_id = db.Column(db.ForeignKey("core_media.id", ondelete="CASCADE"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)

    base = db.relationship("Base", back_populates="photos")
    media = db.relationship("Media")


# -- volunteers ("五老") ------------------------------------------------------------

BACKGROUNDS = {
    "entrepreneur": _l("Retired entrepreneur"),
    "quality_veteran": _l("Veteran quality worker"),
    "model_worker": _l("Model worker"),
    "other": _l("Other"),
}
VOLUNTEER_STATUSES = {
    "pending": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "rejected": _l("Not approved"),
}
# The fields a volunteer may agree to show on the public roster; everything else stays private.
PUBLIC_FIELDS = ("name", "background", "expertise", "availability", "bio")


class Volunteer(db.Model):
    __tablename__ = "youth_committee_volunteers"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    background = db.Column(db.String(20), nullable=False)
    expertise = db.Column(db.String(500), nullable=False, default="")
    availability = db.Column(db.String(300), nullable=False, default="")
    bio = db.Column(db.Text, nullable=False, default="")
    phone = db.Column(db.String(40), nullable=False, default="")  # never public
    show_name = db.Column(db.Boolean, nullable=False, default=False)
    show_background = db.Column(db.Boolean, nullable=False, default=False)
    show_expertise = db.Column(db.Boolean, nullable=False, default=False)
    show_availability = db.Column(db.Boolean, nullable=False, default=False)
    show_bio = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(16), nullable=False, default="pending", index=True)
    decided_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    user = db.relationship("User")

    @property
    def background_label(self):
        return BACKGROUNDS.get(self.background, self.background)

    @property
    def status_label(self):
        return VOLUNTEER_STATUSES.get(self.status, self.status)

    def public_card(self):
        """Only the fields this volunteer agreed to show; the roster template gets nothing else."""
        card = {}
        for field in PUBLIC_FIELDS:
            if getattr(self, f"show_{field}"):
                card[field] = self.background_label if field == "background" else getattr(self, field)
        return card


class EventVolunteer(db.Model):
    """A volunteer matched to an event (a talk given, a visit guided)."""

    __tablename__ = "youth_committee_event_volunteers"
    event_id = db.Column(db.ForeignKey("youth_committee_events.id", ondelete="CASCADE"), primary_key=True)
    volunteer_id = db.Column(db.ForeignKey("youth_committee_volunteers.id", ondelete="CASCADE"), primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    event = db.relationship("Event", backref=db.backref("volunteer_links", cascade="all, delete-orphan"))
    volunteer = db.relationship("Volunteer", backref=db.backref("event_links", cascade="all, delete-orphan"))
