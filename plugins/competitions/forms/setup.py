"""Forms of the competition set-up screens. Field checks live here; checks that need the
database or the whole configuration are in configuration.py and run from the views."""
import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import choice, strip
from core.storage.models import KINDS
from plugins.competitions.configuration import (
    KEY_MAX,
    MATERIAL_GROUPS,
    MATERIAL_LABEL_MAX,
    MAX_JUDGES_PER_ENTRY,
    MAX_VIDEO_SECONDS,
    MAX_VOTES_PER_DAY,
    SLUG_MAX,
)
from plugins.competitions.models import FIELD_MODES, MATERIAL_KINDS, SPECIAL_BASES, STAGE_KINDS, STAGE_LABELS
from plugins.competitions.scoring import AGGREGATION_METHODS, VOTE_BASES
from plugins.competitions.scoring_awards import QUOTA_POLICIES

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

FIELD_MODE_LABELS = {"off": _l("Not asked"), "optional": _l("Optional"), "required": _l("Required")}


def field_modes():
    return [choice(mode, FIELD_MODE_LABELS[mode]) for mode in FIELD_MODES]

AGGREGATION_LABELS = {"mean": _l("Mean of the judges' scores"),
                      "trimmed_mean": _l("Trimmed mean (drop the highest and the lowest score)")}
VOTE_BASIS_LABELS = {"relative": _l("Relative to the most votes in the category"),
                     "rank_points": _l("Rank points: by place in votes within the category")}
QUOTA_POLICY_LABELS = {"ties_take_higher_tier": _l("Entries tied at a quota boundary all take the higher tier"),
                       "strict_quota": _l("Quotas are strict: a tie at the boundary is broken or left out")}
ATTACHMENT_KIND_LABELS = {"pdf": _l("PDF files"), "document": _l("Office documents"), "video": _l("Videos"),
                          "image": _l("Images")}
BASIS_LABELS = {"manual": _l("Chosen by the managers"), "votes": _l("Most public votes")}
YEAR_RANGE = (1900, 2999)


def lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


def finite(form, field):
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


def plausible_date(form, field):
    # Far-off years would overflow when converted to UTC, and are typing mistakes anyway.
    if field.data and not 1900 <= field.data.year <= 2999:
        raise ValidationError(_l("Enter a date between the years 1900 and 2999."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewCompetitionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Address"), filters=[lower_strip], validators=[DataRequired(), Length(max=SLUG_MAX)],
                       description=_l("Part of the web address: lowercase letters, digits and hyphens, "
                                      "e.g. quality-exchange-2021."))
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(*YEAR_RANGE)])
    summary = StringField(_l("Summary"), filters=[strip], validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Create"))


class CopyCompetitionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Address"), filters=[lower_strip], validators=[DataRequired(), Length(max=SLUG_MAX)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(*YEAR_RANGE)])
    shift_days = IntegerField(_l("Move the schedule by (days)"), default=365,
                              validators=[InputRequired(), NumberRange(-3650, 3650)],
                              description=_l("Every stage opens and closes this many days later than in the "
                                             "original."))
    submit = SubmitField(_l("Copy"))


class CompetitionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Address"), filters=[lower_strip], validators=[DataRequired(), Length(max=SLUG_MAX)],
                       description=_l("Part of the web address: lowercase letters, digits and hyphens."))
    summary = StringField(_l("Summary"), filters=[strip], validators=[Optional(), Length(max=500)],
                          description=_l("One or two sentences for lists."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=50000)],
                                description=_l("HTML is allowed; scripts and styles are removed."))
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(*YEAR_RANGE)])
    listed = BooleanField(_l("Shown on the public site"))

    title_label = StringField(_l("Label of the title field"), filters=[strip],
                              validators=[Optional(), Length(max=100)],
                              description=_l("Leave empty for \"Project title\"."))
    team_members = SelectField(_l("Team members"), choices=field_modes())
    entry_summary = SelectField(_l("Summary of the entry"), choices=field_modes())
    entry_body = SelectField(_l("Text of the entry"), choices=field_modes(), default="off",
                             description=_l("A long plain text, such as an essay. A category can accept it in "
                                            "place of a document."))
    attachments = SelectField(_l("Attachments"), choices=field_modes())
    max_attachments = IntegerField(_l("Most attachments per entry"), default=5,
                                   validators=[InputRequired(), NumberRange(1, 20)])
    attachment_kinds = MultiCheckboxField(_l("Accepted attachments"),
                                          choices=[choice(kind, ATTACHMENT_KIND_LABELS[kind]) for kind in KINDS])
    entry_limit_per_org = IntegerField(_l("Most entries per organisation"), validators=[Optional(),
                                                                                        NumberRange(1, 10000)],
                                       description=_l("Leave empty for no limit."))

    judges_per_entry = IntegerField(_l("Judges per entry"),
                                    validators=[InputRequired(), NumberRange(1, MAX_JUDGES_PER_ENTRY)])
    aggregation_method = SelectField(_l("Aggregation"),
                                     choices=[choice(m, AGGREGATION_LABELS[m]) for m in AGGREGATION_METHODS])
    normalise_judges = BooleanField(_l("Normalise each judge's scores (against lenient or strict judges)"))
    vote_weight = FloatField(_l("Weight of the public vote"), default=0.0,
                             validators=[InputRequired(), finite, NumberRange(0, 1)],
                             description=_l("0 to 1: the votes' share of the final score (a public vote stage, "
                                            "or votes another plugin adds, such as live likes)."))
    vote_basis = SelectField(_l("How votes become a score"),
                             choices=[choice(basis, VOTE_BASIS_LABELS[basis]) for basis in VOTE_BASES])
    tie_breaks = SelectMultipleField(_l("Tie-breaks, in order"), validate_choice=False)
    quota_policy = SelectField(_l("Ties at a quota boundary"),
                               choices=[choice(p, QUOTA_POLICY_LABELS[p]) for p in QUOTA_POLICIES])
    tiers_per_category = BooleanField(_l("Award tiers per category (otherwise across all categories)"))
    share_comments = BooleanField(_l("Show judges' comments to the entrants once results are published"))
    share_scores = BooleanField(_l("Show scores to the entrants once results are published"))

    votes_per_day = IntegerField(_l("Votes per voter, entry and day"), default=1,
                                 validators=[InputRequired(), NumberRange(1, MAX_VOTES_PER_DAY)])
    vote_members_only = BooleanField(_l("Only verified members may vote (otherwise any registered user)"))
    hide_vote_counts = BooleanField(_l("Hide vote counts until the vote closes"))
    submit = SubmitField(_l("Save"))

    def validate_title(self, field):
        if not field.data:
            raise ValidationError(_l("This field is required."))

    def validate_tie_breaks(self, field):
        field.data = [name.strip() for name in (field.data or []) if name and name.strip()]


def stages_form_class():
    """A form with opens/closes fields per stage kind (voting optional)."""

    class StagesForm(FlaskForm):
        submit = SubmitField(_l("Save"))

    for kind in STAGE_KINDS:
        validators = [Optional(), plausible_date]
        setattr(StagesForm, f"{kind}_opens", DateTimeLocalField(_l("Opens"), format=DATETIME_FORMATS,
                                                                validators=list(validators)))
        setattr(StagesForm, f"{kind}_closes", DateTimeLocalField(_l("Closes"), format=DATETIME_FORMATS,
                                                                 validators=list(validators)))
    StagesForm.labels = STAGE_LABELS
    return StagesForm


StagesForm = stages_form_class()


MATERIAL_KIND_LABELS = {"pdf": _l("PDF file"), "document": _l("Office document (Word, PowerPoint, Excel)"),
                        "video": _l("Video"), "image": _l("Image")}


class KindsField(MultiCheckboxField):
    """Kinds of material; a kind that is not offered is refused with a message that names it."""

    def pre_validate(self, form):
        unknown = [value for value in self.data or [] if value not in MATERIAL_KINDS]
        if unknown:
            raise ValidationError(_l("Unknown kind of material: %(kinds)s.", kinds=", ".join(unknown)))


def category_form_class():
    """The category form with MATERIAL_GROUPS requirement groups (kinds, or the entry's text, a label)."""

    class CategoryForm(FlaskForm):
        name = StringField(_l("Category name"), filters=[strip], validators=[DataRequired(), Length(max=100)])
        code = StringField(_l("Code"), filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
                           validators=[Optional(), Length(max=10)],
                           description=_l("Prefix of entry numbers, e.g. LS."))
        max_video_seconds = IntegerField(
            _l("Longest video (seconds)"),
            validators=[Optional(), NumberRange(1, MAX_VIDEO_SECONDS,
                                                message=_l("Enter a number of seconds from 1 to %(max)s.",
                                                           max=MAX_VIDEO_SECONDS))],
            description=_l("Videos attached to entries of this category are measured at upload; longer ones "
                           "are refused. Leave empty for no limit."))
        submit = SubmitField(_l("Save"))

        def validate_code(self, field):
            if field.data and not all(c.isascii() and c.isalnum() for c in field.data):
                raise ValidationError(_l("Use letters A-Z and digits only."))

        def material_groups(self):
            """The groups as entered: [{"kinds", "or_text", "label"}], empty groups left out."""
            groups = []
            for number in range(1, MATERIAL_GROUPS + 1):
                kinds = list(self[f"group{number}_kinds"].data or [])
                or_text = bool(self[f"group{number}_text"].data)
                label = self[f"group{number}_label"].data or ""
                if kinds or or_text:
                    groups.append({"kinds": kinds, "or_text": or_text, "label": label})
            return groups

        def set_material_groups(self, groups):
            for number in range(1, MATERIAL_GROUPS + 1):
                group = groups[number - 1] if number <= len(groups) else {}
                self[f"group{number}_kinds"].data = list(group.get("kinds") or [])
                self[f"group{number}_text"].data = bool(group.get("or_text"))
                self[f"group{number}_label"].data = group.get("label") or ""

    for number in range(1, MATERIAL_GROUPS + 1):
        setattr(CategoryForm, f"group{number}_kinds", KindsField(
            _l("Required material %(number)d: one of", number=number),
            choices=[choice(kind, MATERIAL_KIND_LABELS[kind]) for kind in MATERIAL_KINDS]))
        setattr(CategoryForm, f"group{number}_text", BooleanField(_l("or the text of the entry")))
        setattr(CategoryForm, f"group{number}_label", StringField(
            _l("Name of this material"), filters=[strip], validators=[Optional(), Length(max=MATERIAL_LABEL_MAX)],
            description=_l("e.g. Slides; shown to entrants. Optional.")))
    CategoryForm.group_numbers = range(1, MATERIAL_GROUPS + 1)
    return CategoryForm


CategoryForm = category_form_class()


class CriterionForm(FlaskForm):
    key = StringField(_l("Key"), filters=[lower_strip], validators=[DataRequired(), Length(max=KEY_MAX)],
                      description=_l("A short fixed name such as innovation; cannot change once scored."))
    label = StringField(_l("Label"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Optional(), Length(max=1000)])
    weight = FloatField(_l("Weight"), default=1.0, validators=[InputRequired(), finite])
    min_score = FloatField(_l("Lowest score"), default=0.0, validators=[InputRequired(), finite])
    max_score = FloatField(_l("Highest score"), default=10.0, validators=[InputRequired(), finite])
    step = FloatField(_l("Step"), default=0.5, validators=[InputRequired(), finite])
    submit = SubmitField(_l("Save"))


class TierForm(FlaskForm):
    name = StringField(_l("Tier name"), filters=[strip], validators=[DataRequired(), Length(max=100)])
    quota = IntegerField(_l("Quota"), validators=[Optional()],
                         description=_l("How many entries receive it (per category when tiers are per category); "
                                        "empty for no limit."))
    min_score = FloatField(_l("Lowest final score"), validators=[Optional(), finite],
                           description=_l("Empty for no threshold."))
    recommended_onward = BooleanField(_l("Recommended to the next round"))
    submit = SubmitField(_l("Save"))


class SpecialAwardForm(FlaskForm):
    name = StringField(_l("Award name"), filters=[strip], validators=[DataRequired(), Length(max=100)])
    description = StringField(_l("Description"), filters=[strip], validators=[Optional(), Length(max=500)])
    basis = SelectField(_l("Decided by"), choices=[choice(b, BASIS_LABELS[b]) for b in SPECIAL_BASES])
    winners = IntegerField(_l("Winners"), default=1, validators=[InputRequired(), NumberRange(1, 1000)])
    per_category = BooleanField(_l("In each category"))
    submit = SubmitField(_l("Save"))
