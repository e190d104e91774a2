"""The competitions tables: set-up, entries, screening, judging, votes and published results.

One competition row carries its whole configuration (stages, categories,
rubric, aggregation rule, tiers, special awards), so the three programmes of
the association (results exchange, title review, model-market selection) are
rows, not code. Data integrity lives in the schema where it can: one score
per judge, entry and criterion; one assignment per judge and entry; numbered
vote slots per voter, entry and day.
"""
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.users.models import utcnow

# -- configuration ---------------------------------------------------------

SUBMISSION, SCREENING, JUDGING, VOTING, RESULTS = "submission", "screening", "judging", "voting", "results"
STAGE_KINDS = (SUBMISSION, SCREENING, JUDGING, VOTING, RESULTS)
STAGE_LABELS = {
    SUBMISSION: _l("Call for entries"),
    SCREENING: _l("Eligibility screening"),
    JUDGING: _l("Judging"),
    VOTING: _l("Public vote"),
    RESULTS: _l("Results"),
}

# Entry form fields a competition can switch between "off", "optional" and "required".
ENTRY_FIELDS = ("team_members", "summary", "body", "attachments")
FIELD_MODES = ("off", "optional", "required")
DEFAULT_ENTRY_FIELDS = {
    "title_label": "",  # empty: the default "Project title"
    "team_members": "optional",
    "summary": "required",
    "body": "off",  # the entry's own text (an essay), plain, long
    "attachments": "optional",
    "max_attachments": 5,
    "attachment_kinds": ["pdf", "document", "video", "image"],
}


class Competition(db.Model):
    __tablename__ = "competitions_competitions"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), unique=True, nullable=False)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.String(500), nullable=False, default="")  # plain text, for lists and meta tags
    description = db.Column(db.Text, nullable=False, default="")  # sanitised HTML
    year = db.Column(db.Integer)
    listed = db.Column(db.Boolean, nullable=False, default=False)  # shown on the public site

    entry_fields = db.Column(db.JSON, nullable=False, default=lambda: dict(DEFAULT_ENTRY_FIELDS))
    entry_limit_per_org = db.Column(db.Integer)  # None: no limit

    judges_per_entry = db.Column(db.Integer, nullable=False, default=3)
    aggregation_method = db.Column(db.String(20), nullable=False, default="mean")
    normalise_judges = db.Column(db.Boolean, nullable=False, default=False)
    vote_weight = db.Column(db.Float, nullable=False, default=0.0)
    vote_basis = db.Column(db.String(20), nullable=False, default="relative", server_default="relative")
    tie_breaks = db.Column(db.JSON, nullable=False, default=list)  # scoring.tie_break_chain names
    quota_policy = db.Column(db.String(30), nullable=False, default="ties_take_higher_tier")
    tiers_per_category = db.Column(db.Boolean, nullable=False, default=True)
    share_comments = db.Column(db.Boolean, nullable=False, default=False)
    share_scores = db.Column(db.Boolean, nullable=False, default=False)

    votes_per_day = db.Column(db.Integer, nullable=False, default=1)  # per voter and entry
    vote_members_only = db.Column(db.Boolean, nullable=False, default=True)  # else any registered user
    hide_vote_counts = db.Column(db.Boolean, nullable=False, default=True)  # until the vote closes

    results_published_at = db.Column(db.DateTime)
    copied_from_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    stages = db.relationship("Stage", back_populates="competition", cascade="all, delete-orphan",
                             order_by="Stage.opens_at")
    categories = db.relationship("Category", back_populates="competition", cascade="all, delete-orphan",
                                 order_by="(Category.position, Category.id)")
    criteria = db.relationship("Criterion", back_populates="competition", cascade="all, delete-orphan",
                               order_by="(Criterion.position, Criterion.id)")
    tiers = db.relationship("AwardTier", back_populates="competition", cascade="all, delete-orphan",
                            order_by="(AwardTier.position, AwardTier.id)")
    special_awards = db.relationship("SpecialAward", back_populates="competition", cascade="all, delete-orphan",
                                     order_by="(SpecialAward.position, SpecialAward.id)")
    panels = db.relationship("Panel", back_populates="competition", cascade="all, delete-orphan",
                             order_by="(Panel.position, Panel.id)")

    def stage(self, kind):
        return next((stage for stage in self.stages if stage.kind == kind), None)

    def stage_open(self, kind, now=None):
        stage = self.stage(kind)
        return stage is not None and stage.is_open(now)

    def entry_setting(self, name):
        """A setting of the entry form (a field's mode, the attachment limits), with its default."""
        return (self.entry_fields or {}).get(name, DEFAULT_ENTRY_FIELDS[name])

    @property
    def has_vote(self):
        return self.stage(VOTING) is not None

    @property
    def results_published(self):
        return self.results_published_at is not None

    def __repr__(self):
        return f"<Competition {self.id} {self.slug!r}>"


class Stage(db.Model):
    __tablename__ = "competitions_stages"
    __table_args__ = (db.UniqueConstraint("competition_id", "kind"),)
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    opens_at = db.Column(db.DateTime, nullable=False)
    closes_at = db.Column(db.DateTime, nullable=False)

    competition = db.relationship("Competition", back_populates="stages")

    @property
    def label(self):
        return STAGE_LABELS[self.kind]

    def is_open(self, now=None):
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now=None):
        return (now or utcnow()) >= self.closes_at


# What a category's materials may ask for: core storage kinds.
MATERIAL_KINDS = ("pdf", "document", "video", "image")


class Category(db.Model):
    """A category of entries. ``materials`` lists requirement groups an entry must meet before it
    is submitted: ``{"kinds": ["pdf", "document"], "or_text": true, "label": "the essay"}`` is met
    by one attachment of one of those kinds, or (or_text) by the entry's text. ``max_video_seconds``
    caps every video attached to its entries (measured at upload)."""

    __tablename__ = "competitions_categories"
    __table_args__ = (db.UniqueConstraint("competition_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(100), nullable=False)
    code = db.Column(db.String(10), nullable=False, default="")  # prefix of entry numbers, e.g. "LS"
    position = db.Column(db.Integer, nullable=False, default=0)
    materials = db.Column(db.JSON, nullable=False, default=list, server_default=db.text("'[]'"))
    max_video_seconds = db.Column(db.Integer)  # None: videos of any length

    competition = db.relationship("Competition", back_populates="categories")


class Criterion(db.Model):
    """A rubric line. ``key`` is what scores and tie-breaks refer to; it never changes once scores exist."""

    __tablename__ = "competitions_criteria"
    __table_args__ = (db.UniqueConstraint("competition_id", "key"),)
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(40), nullable=False)
    label = db.Column(db.String(200), nullable=False)
    description = db.Column(db.String(1000), nullable=False, default="")
    weight = db.Column(db.Float, nullable=False, default=1.0)
    min_score = db.Column(db.Float, nullable=False, default=0.0)
    max_score = db.Column(db.Float, nullable=False, default=10.0)
    step = db.Column(db.Float, nullable=False, default=0.5)
    position = db.Column(db.Integer, nullable=False, default=0)

    competition = db.relationship("Competition", back_populates="criteria")


class AwardTier(db.Model):
    """An award level, best first by position: a quota, a score threshold, both or neither."""

    __tablename__ = "competitions_award_tiers"
    __table_args__ = (db.UniqueConstraint("competition_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(100), nullable=False)
    quota = db.Column(db.Integer)
    min_score = db.Column(db.Float)
    recommended_onward = db.Column(db.Boolean, nullable=False, default=False)
    position = db.Column(db.Integer, nullable=False, default=0)

    competition = db.relationship("Competition", back_populates="tiers")


SPECIAL_BASES = ("manual", "votes")


class SpecialAward(db.Model):
    """An award decided apart from the tiers: by hand (best on-site presentation) or by most votes."""

    __tablename__ = "competitions_special_awards"
    __table_args__ = (db.UniqueConstraint("competition_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(100), nullable=False)
    description = db.Column(db.String(500), nullable=False, default="")
    basis = db.Column(db.String(20), nullable=False, default="manual")
    winners = db.Column(db.Integer, nullable=False, default=1)
    per_category = db.Column(db.Boolean, nullable=False, default=False)
    position = db.Column(db.Integer, nullable=False, default=0)

    competition = db.relationship("Competition", back_populates="special_awards")
    holders = db.relationship("SpecialAwardWinner", back_populates="award", cascade="all, delete-orphan")


class SpecialAwardWinner(db.Model):
    __tablename__ = "competitions_special_award_winners"
    special_award_id = db.Column(db.ForeignKey("competitions_special_awards.id", ondelete="CASCADE"),
                                 primary_key=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), primary_key=True)
    decided_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    decided_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    award = db.relationship("SpecialAward", back_populates="holders")
    entry = db.relationship("Entry")


# -- entries and screening ---------------------------------------------------

DRAFT, SUBMITTED, WITHDRAWN = "draft", "submitted", "withdrawn"
ENTRY_STATUSES = (DRAFT, SUBMITTED, WITHDRAWN)
PENDING, PASSED, REJECTED = "pending", "passed", "rejected"
SCREENING_RESULTS = (PENDING, PASSED, REJECTED)
ENTRY_STATUS_LABELS = {DRAFT: _l("Draft"), SUBMITTED: _l("Submitted"), WITHDRAWN: _l("Withdrawn")}
SCREENING_LABELS = {PENDING: _l("Awaiting screening"), PASSED: _l("Passed screening"),
                    REJECTED: _l("Not admitted")}


class Entry(db.Model):
    __tablename__ = "competitions_entries"
    __table_args__ = (db.UniqueConstraint("competition_id", "number"),)
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False,
                               index=True)
    category_id = db.Column(db.ForeignKey("competitions_categories.id", ondelete="RESTRICT"), nullable=False,
                            index=True)
    organisation_id = db.Column(db.ForeignKey("core_organisations.id", ondelete="RESTRICT"), nullable=False,
                                index=True)
    created_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)
    number = db.Column(db.String(30))  # given on first submission, e.g. "LS-007"
    title = db.Column(db.String(200), nullable=False)
    team_members = db.Column(db.Text, nullable=False, default="")  # one person per line
    summary = db.Column(db.Text, nullable=False, default="")  # plain text
    body = db.Column(db.Text, nullable=False, default="", server_default="")  # the entry's own text (an essay)
    status = db.Column(db.String(16), nullable=False, default=DRAFT, index=True)
    submitted_at = db.Column(db.DateTime)  # first final submission; the "earlier submission" tie-break
    withdrawn_at = db.Column(db.DateTime)
    screening = db.Column(db.String(16), nullable=False, default=PENDING, index=True)
    screening_reason = db.Column(db.String(1000), nullable=False, default="")
    screened_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    screened_at = db.Column(db.DateTime)
    panel_id = db.Column(db.ForeignKey("competitions_panels.id", ondelete="SET NULL"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    competition = db.relationship("Competition")
    category = db.relationship("Category")
    organisation = db.relationship("Organisation")
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    screened_by = db.relationship("User", foreign_keys=[screened_by_id])
    panel = db.relationship("Panel")
    attachments = db.relationship("EntryAttachment", back_populates="entry", cascade="all, delete-orphan",
                                  order_by="(EntryAttachment.position, EntryAttachment.id)")
    assignments = db.relationship("Assignment", back_populates="entry", cascade="all, delete-orphan")

    @property
    def status_label(self):
        return ENTRY_STATUS_LABELS[self.status]

    @property
    def screening_label(self):
        return SCREENING_LABELS[self.screening]

    @property
    def in_judging(self):
        """Submitted and admitted: the entries judges score and results rank."""
        return self.status == SUBMITTED and self.screening == PASSED

    def shows_on_pages(self):
        """Public pages list submitted entries only: saving a draft that stays a draft changes none
        of them, so it keeps the page cache (core.pagecache.shows_on_pages)."""
        history = db.inspect(self).attrs.status.history
        before = history.deleted[0] if history.deleted else self.status
        return not (self.status == DRAFT and before == DRAFT)

    def __repr__(self):
        return f"<Entry {self.id} {self.number or 'draft'}>"


class EntryAttachment(db.Model):
    __tablename__ = "competitions_entry_attachments"
    __pagecache_ignore__ = True  # never shown on cached public pages
    id = db.Column(db.Integer, primary_key=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    media_id = db.Column(db.ForeignKey("core_media.id", ondelete="CASCADE"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    entry = db.relationship("Entry", back_populates="attachments")
    media = db.relationship("Media")


# -- judging ---------------------------------------------------------------


class Panel(db.Model):
    """A group of judges for one category (or a session across categories when category is empty)."""

    __tablename__ = "competitions_panels"
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False)
    category_id = db.Column(db.ForeignKey("competitions_categories.id", ondelete="SET NULL"))
    name = db.Column(db.String(100), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)

    competition = db.relationship("Competition", back_populates="panels")
    category = db.relationship("Category")
    members = db.relationship("PanelJudge", back_populates="panel", cascade="all, delete-orphan")


class PanelJudge(db.Model):
    __tablename__ = "competitions_panel_judges"
    __pagecache_ignore__ = True  # never shown on cached public pages
    panel_id = db.Column(db.ForeignKey("competitions_panels.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), primary_key=True)

    panel = db.relationship("Panel", back_populates="members")
    user = db.relationship("User")


class Conflict(db.Model):
    """A declared conflict of interest: with one entry, or with every entry of an organisation.

    A judge's own organisations (core memberships) are conflicts without a row.
    """

    __tablename__ = "competitions_conflicts"
    __pagecache_ignore__ = True  # never shown on cached public pages
    __table_args__ = (
        db.CheckConstraint("entry_id IS NOT NULL OR organisation_id IS NOT NULL", name="entry_or_organisation"),
    )
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False,
                               index=True)
    judge_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), nullable=False, index=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"))
    organisation_id = db.Column(db.ForeignKey("core_organisations.id", ondelete="CASCADE"))
    reason = db.Column(db.String(500), nullable=False, default="")
    declared_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    judge = db.relationship("User", foreign_keys=[judge_id])
    entry = db.relationship("Entry")
    organisation = db.relationship("Organisation")


class Assignment(db.Model):
    """A judge's duty to score one entry, and that judge's score sheet for it.

    ``submitted_at`` set means the sheet is locked; only a manager reopens it (audited).
    """

    __tablename__ = "competitions_assignments"
    __pagecache_ignore__ = True  # never shown on cached public pages
    __table_args__ = (db.UniqueConstraint("entry_id", "judge_id"),)
    id = db.Column(db.Integer, primary_key=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    judge_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), nullable=False, index=True)
    assigned_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))  # None: automatic
    assigned_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    comment = db.Column(db.Text, nullable=False, default="")  # the judge's overall comment
    saved_at = db.Column(db.DateTime)
    submitted_at = db.Column(db.DateTime, index=True)

    entry = db.relationship("Entry", back_populates="assignments")
    judge = db.relationship("User", foreign_keys=[judge_id])
    scores = db.relationship("Score", back_populates="assignment", cascade="all, delete-orphan")

    @property
    def locked(self):
        return self.submitted_at is not None


class Score(db.Model):
    __tablename__ = "competitions_scores"
    __pagecache_ignore__ = True  # never shown on cached public pages
    __table_args__ = (db.UniqueConstraint("assignment_id", "criterion_id"),)
    id = db.Column(db.Integer, primary_key=True)
    assignment_id = db.Column(db.ForeignKey("competitions_assignments.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    criterion_id = db.Column(db.ForeignKey("competitions_criteria.id", ondelete="CASCADE"), nullable=False)
    value = db.Column(db.Float, nullable=False)
    comment = db.Column(db.String(2000), nullable=False, default="")

    assignment = db.relationship("Assignment", back_populates="scores")
    criterion = db.relationship("Criterion")


# -- public vote -----------------------------------------------------------


class Vote(db.Model):
    """One vote. ``slot`` numbers a voter's votes for an entry on one day (1..votes_per_day):
    the unique constraint makes the daily limit hold under concurrent requests."""

    __tablename__ = "competitions_votes"
    __pagecache_ignore__ = True  # never shown on cached public pages
    __table_args__ = (db.UniqueConstraint("entry_id", "voter_id", "day", "slot"),)
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False,
                               index=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    voter_id = db.Column(db.ForeignKey("core_users.id", ondelete="CASCADE"), nullable=False, index=True)
    day = db.Column(db.Date, nullable=False)
    slot = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    ip = db.Column(db.String(45))
    voided_at = db.Column(db.DateTime)
    voided_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    void_reason = db.Column(db.String(500), nullable=False, default="")

    entry = db.relationship("Entry")
    voter = db.relationship("User", foreign_keys=[voter_id])


# -- published results -----------------------------------------------------


class Result(db.Model):
    """An entry's place as published: a frozen copy, so later edits cannot move a published result."""

    __tablename__ = "competitions_results"
    id = db.Column(db.Integer, primary_key=True)
    competition_id = db.Column(db.ForeignKey("competitions_competitions.id", ondelete="CASCADE"), nullable=False,
                               index=True)
    entry_id = db.Column(db.ForeignKey("competitions_entries.id", ondelete="CASCADE"), nullable=False, unique=True)
    category_id = db.Column(db.ForeignKey("competitions_categories.id", ondelete="CASCADE"), nullable=False)
    rank = db.Column(db.Integer, nullable=False)
    tied = db.Column(db.Boolean, nullable=False, default=False)
    decided_by = db.Column(db.String(80))
    final_score = db.Column(db.Float, nullable=False)
    expert_score = db.Column(db.Float, nullable=False)
    vote_score = db.Column(db.Float, nullable=False, default=0.0)
    votes = db.Column(db.Integer, nullable=False, default=0)
    judges = db.Column(db.Integer, nullable=False, default=0)
    tier = db.Column(db.String(100))
    recommended_onward = db.Column(db.Boolean, nullable=False, default=False)
    boundary_tie = db.Column(db.Boolean, nullable=False, default=False)
    computed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    special_awards = db.Column(db.JSON, nullable=False, default=list)  # names of special awards won, frozen too

    entry = db.relationship("Entry")
    category = db.relationship("Category")
