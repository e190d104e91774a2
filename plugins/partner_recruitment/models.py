"""Tables of the partner_recruitment plugin.

A programme has a landing page, a draft form (FormField rows the builder edits) and
immutable published form versions (FormVersion, a JSON snapshot). Every application
keeps the version it was made with, so later edits never change it. Statuses are
per programme; the history of an application (status changes, assignments, notes)
is one list of events.
"""
from flask_babel import gettext as _

from core.extensions import db
from core.users.models import utcnow

programme_managers = db.Table(
    "partner_recruitment_managers",
    db.Column("programme_id", db.ForeignKey("partner_recruitment_programmes.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("user_id", db.ForeignKey("core_users.id", ondelete="CASCADE"), primary_key=True),
)


class Programme(db.Model):
    __tablename__ = "partner_recruitment_programmes"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), unique=True, nullable=False)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")
    # Plain text, one item per line (escaped when shown).
    advantages = db.Column(db.Text, nullable=False, default="")
    conditions = db.Column(db.Text, nullable=False, default="")
    contact = db.Column(db.Text, nullable=False, default="")
    hotline = db.Column(db.String(60), nullable=False, default="")
    published = db.Column(db.Boolean, nullable=False, default=False)
    open_for_applications = db.Column(db.Boolean, nullable=False, default=True)
    allow_anonymous = db.Column(db.Boolean, nullable=False, default=True)
    one_per_organisation = db.Column(db.Boolean, nullable=False, default=False)
    retention_days = db.Column(db.Integer, nullable=False, default=730)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    steps = db.relationship("ProcessStep", order_by="ProcessStep.position", cascade="all, delete-orphan",
                            back_populates="programme")
    statuses = db.relationship("Status", order_by="Status.position", cascade="all, delete-orphan",
                               back_populates="programme")
    draft_fields = db.relationship("FormField", order_by="FormField.position", cascade="all, delete-orphan",
                                   back_populates="programme")
    versions = db.relationship("FormVersion", order_by="FormVersion.number", cascade="all, delete-orphan",
                               back_populates="programme")
    managers = db.relationship("User", secondary=programme_managers, order_by="User.email")

    def lines(self, attribute):
        return [line.strip() for line in (getattr(self, attribute) or "").splitlines() if line.strip()]

    @property
    def current_version(self):
        return self.versions[-1] if self.versions else None

    def status(self, key):
        return next((status for status in self.statuses if status.key == key), None)

    def status_label(self, key):
        status = self.status(key)
        return status.label if status else key

    def is_manager(self, user):
        return any(manager.id == user.id for manager in self.managers)


class ProcessStep(db.Model):
    """One step of the programme's development process, shown as a timeline."""

    __tablename__ = "partner_recruitment_steps"
    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.ForeignKey("partner_recruitment_programmes.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")

    programme = db.relationship("Programme", back_populates="steps")


class Status(db.Model):
    """A status of the review pipeline; ``shared`` statuses are told to the applicant."""

    # Labels show only on pages the cache never keeps (admin, the status link, mail).
    __pagecache_ignore__ = True
    __tablename__ = "partner_recruitment_statuses"
    __table_args__ = (db.UniqueConstraint("programme_id", "key"),)
    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.ForeignKey("partner_recruitment_programmes.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    key = db.Column(db.String(40), nullable=False)
    label = db.Column(db.String(120), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    shared = db.Column(db.Boolean, nullable=False, default=True)

    programme = db.relationship("Programme", back_populates="statuses")


class FormField(db.Model):
    """A field of the draft form. ``key`` never changes once created; publishing copies the
    draft into a new FormVersion."""

    __pagecache_ignore__ = True  # the draft shows only in the builder; visitors see FormVersion
    __tablename__ = "partner_recruitment_fields"
    __table_args__ = (db.UniqueConstraint("programme_id", "key"),)
    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.ForeignKey("partner_recruitment_programmes.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    key = db.Column(db.String(40), nullable=False)
    type = db.Column(db.String(20), nullable=False)
    label = db.Column(db.String(300), nullable=False)
    help_text = db.Column(db.String(500), nullable=False, default="")
    required = db.Column(db.Boolean, nullable=False, default=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    # Type-specific settings: options, min, max, max_length, kinds, default; and show_if.
    settings = db.Column(db.JSON, nullable=False, default=dict)

    programme = db.relationship("Programme", back_populates="draft_fields")

    def as_spec(self):
        return {"key": self.key, "type": self.type, "label": self.label, "help": self.help_text,
                "required": bool(self.required), **(self.settings or {})}


class FormVersion(db.Model):
    """A published form: never changed after it is written."""

    __tablename__ = "partner_recruitment_form_versions"
    __table_args__ = (db.UniqueConstraint("programme_id", "number"),)
    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.ForeignKey("partner_recruitment_programmes.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    fields = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)

    programme = db.relationship("Programme", back_populates="versions")


class Application(db.Model):
    __pagecache_ignore__ = True  # no cached page shows applications
    __tablename__ = "partner_recruitment_applications"
    # One application per organisation where the programme says so: org_key is org_hash then.
    __table_args__ = (db.UniqueConstraint("programme_id", "org_key"),)
    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.ForeignKey("partner_recruitment_programmes.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    form_version_id = db.Column(db.ForeignKey("partner_recruitment_form_versions.id", ondelete="RESTRICT"),
                                nullable=False, index=True)
    reference = db.Column(db.String(20), unique=True, nullable=False)
    token = db.Column(db.String(64), unique=True, nullable=False)  # the secret status link
    user_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)
    organisation_id = db.Column(db.ForeignKey("core_organisations.id", ondelete="SET NULL"), index=True)
    org_key = db.Column(db.String(40))
    # The applicant's organisation as a keyed hash (applications.organisation_hash), set whenever
    # there is one, kept after anonymisation: the one-per-organisation rule can be turned on
    # later and still holds for anonymised applications.
    org_hash = db.Column(db.String(40), index=True)
    title = db.Column(db.String(300), nullable=False, default="")  # who applied, for lists
    contact_email = db.Column(db.String(254))
    data = db.Column(db.JSON, nullable=False, default=dict)
    status_key = db.Column(db.String(40), nullable=False, index=True)
    assignee_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    deletion_requested_at = db.Column(db.DateTime)
    anonymised_at = db.Column(db.DateTime)

    programme = db.relationship("Programme")
    form_version = db.relationship("FormVersion")
    user = db.relationship("User", foreign_keys=[user_id])
    organisation = db.relationship("Organisation")
    assignee = db.relationship("User", foreign_keys=[assignee_id])
    files = db.relationship("ApplicationFile", cascade="all, delete-orphan", back_populates="application",
                            order_by="ApplicationFile.id")
    events = db.relationship("ApplicationEvent", cascade="all, delete-orphan", back_populates="application",
                             order_by="ApplicationEvent.id")

    @property
    def status_label(self):
        return self.programme.status_label(self.status_key)

    def shared_status_label(self):
        """The last status the applicant was told about."""
        for event in reversed(self.events):
            if event.kind in ("submitted", "status") and event.shared:
                return self.programme.status_label(event.to_status)
        return _("Received")  # every status so far is internal


class ApplicationFile(db.Model):
    __pagecache_ignore__ = True
    __tablename__ = "partner_recruitment_files"
    id = db.Column(db.Integer, primary_key=True)
    application_id = db.Column(db.ForeignKey("partner_recruitment_applications.id", ondelete="CASCADE"),
                               nullable=False, index=True)
    field_key = db.Column(db.String(40), nullable=False)
    media_id = db.Column(db.ForeignKey("core_media.id", ondelete="CASCADE"), nullable=False, index=True)

    application = db.relationship("Application", back_populates="files")
    media = db.relationship("Media")


class ApplicationEvent(db.Model):
    """History: submitted, status, assigned, note, deletion_requested, anonymised."""

    __pagecache_ignore__ = True
    __tablename__ = "partner_recruitment_events"
    id = db.Column(db.Integer, primary_key=True)
    application_id = db.Column(db.ForeignKey("partner_recruitment_applications.id", ondelete="CASCADE"),
                               nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)
    from_status = db.Column(db.String(40))
    to_status = db.Column(db.String(40))
    note = db.Column(db.Text, nullable=False, default="")
    shared = db.Column(db.Boolean, nullable=False, default=False)  # the applicant was told
    actor_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)
    actor_label = db.Column(db.String(254))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    application = db.relationship("Application", back_populates="events")
    actor = db.relationship("User")


class UsedChallenge(db.Model):
    """The nonce of a spam challenge that was answered (spam.py); kept until spam.MAX_AGE."""

    __pagecache_ignore__ = True
    __tablename__ = "partner_recruitment_used_challenges"
    id = db.Column(db.Integer, primary_key=True)
    nonce = db.Column(db.String(32), unique=True, nullable=False)
    used_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
