"""A competition's configuration: the checks the admin forms run, defaults for a new
competition, and copying last year's competition.

The checks return translated messages (call them during a request) and never write;
the views run every check first and write only when all pass, in one commit.
Ranking rules themselves stay in scoring.py / scoring_awards.py: here they are only
used to confirm that what a manager configures is something they accept.
"""
import math
import re
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.users.models import utcnow
from plugins.competitions import scoring, scoring_awards
from plugins.competitions.models import (
    DEFAULT_ENTRY_FIELDS,
    JUDGING,
    MATERIAL_KINDS,
    RESULTS,
    SCREENING,
    STAGE_KINDS,
    SUBMISSION,
    VOTING,
    Assignment,
    AwardTier,
    Category,
    Competition,
    Criterion,
    Entry,
    Score,
    SpecialAward,
    Stage,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 120
KEY_RE = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
KEY_MAX = 40
# Path words of the plugin's own pages (and a few that would confuse people) are never slugs.
RESERVED_SLUGS = frozenset({
    "new", "edit", "copy", "admin", "api", "static", "results", "vote", "enter", "entries", "judging",
    "index", "me", "all", "search", "feed", "rss", "atom",
})
NAMED_TIE_BREAKS = ("first_places", "full_marks", "earlier_submission", "votes")
MAX_JUDGES_PER_ENTRY = 15
MAX_VOTES_PER_DAY = 100
MATERIAL_GROUPS = 4  # requirement groups per category the set-up form offers
MATERIAL_LABEL_MAX = 100
MAX_VIDEO_SECONDS = 36000  # ten hours

DEFAULT_CRITERIA = (
    # key, label (stored in the language of the manager who creates the competition), weight
    ("innovation", _l("Innovation"), 0.4),
    ("results", _l("Results and benefits"), 0.4),
    ("presentation", _l("Presentation"), 0.2),
)
# Default schedule of a new competition, in days from now: (kind, opens, closes).
DEFAULT_SCHEDULE = ((SUBMISSION, 0, 30), (SCREENING, 30, 37), (JUDGING, 37, 51), (RESULTS, 51, 51 + 365))


def is_finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# -- slugs ------------------------------------------------------------------


def slug_is_wellformed(slug):
    return isinstance(slug, str) and 0 < len(slug) <= SLUG_MAX and bool(SLUG_RE.match(slug))


def slug_errors(slug, competition=None):
    """Messages against using ``slug`` for ``competition`` (None: a new one)."""
    if not slug_is_wellformed(slug):
        return [_("Use lowercase letters a-z, digits and single hyphens (at most %(max)s characters).",
                  max=SLUG_MAX)]
    if slug in RESERVED_SLUGS:
        return [_("The address \"%(slug)s\" is reserved; choose another.", slug=slug)]
    query = db.select(Competition.id).where(Competition.slug == slug)
    if competition is not None and competition.id is not None:
        query = query.where(Competition.id != competition.id)
    if db.session.scalar(query) is not None:
        return [_("Another competition already uses the address \"%(slug)s\".", slug=slug)]
    return []


# -- stages -----------------------------------------------------------------


def stage_errors(times):
    """Check a schedule. ``times`` maps kind -> (opens_at, closes_at) or None (stage left out).

    Returns {kind: [messages]}; empty when the schedule is acceptable.
    """
    errors = {}

    def add(kind, message):
        errors.setdefault(kind, []).append(message)

    for kind in STAGE_KINDS:
        window = times.get(kind)
        if window is None or (window[0] is None and window[1] is None):
            if kind != VOTING:
                add(kind, _("Every stage except the public vote needs an opening and a closing time."))
            continue
        opens, closes = window
        if opens is None or closes is None:
            add(kind, _("Give both an opening and a closing time, or neither for no public vote.")
                if kind == VOTING else _("Every stage except the public vote needs an opening and a closing time."))
            continue
        if closes <= opens:
            add(kind, _("A stage must close after it opens."))
    if errors:
        return errors

    submission, screening, judging, results = (times[kind] for kind in (SUBMISSION, SCREENING, JUDGING, RESULTS))
    voting = times.get(VOTING)
    if voting is not None and voting[0] is None:
        voting = None
    if screening[0] < submission[0]:
        add(SCREENING, _("Screening cannot open before the call for entries opens."))
    if judging[0] < submission[1]:
        add(JUDGING, _("Judging cannot open before the call for entries closes."))
    if judging[0] < screening[0]:
        add(JUDGING, _("Judging cannot open before screening opens."))
    if results[0] < judging[1]:
        add(RESULTS, _("Results cannot open before judging closes."))
    if voting is not None:
        if voting[0] < submission[1]:
            add(VOTING, _("The public vote cannot open before the call for entries closes."))
        if voting[1] > results[0]:
            add(VOTING, _("The public vote must close before the results open."))
    return errors


def current_stage(competition, now=None):
    """(stage, state): the open stage (earliest in the workflow when several overlap) and "open";
    else the next one to open and "upcoming"; else the last stage and "finished"; (None, None) without stages."""
    now = now or utcnow()
    stages = {stage.kind: stage for stage in competition.stages}
    for kind in STAGE_KINDS:
        stage = stages.get(kind)
        if stage is not None and stage.is_open(now):
            return stage, "open"
    upcoming = [stage for stage in competition.stages if stage.opens_at > now]
    if upcoming:
        return min(upcoming, key=lambda stage: stage.opens_at), "upcoming"
    if competition.stages:
        return max(competition.stages, key=lambda stage: stage.closes_at), "finished"
    return None, None


def ordered_stages(competition):
    return sorted(competition.stages, key=lambda stage: STAGE_KINDS.index(stage.kind))


def next_boundary(competitions, now=None):
    """The next moment one of these competitions changes stage (None: none ahead)."""
    now = now or utcnow()
    moments = [moment for competition in competitions for stage in competition.stages
               for moment in (stage.opens_at, stage.closes_at) if moment > now]
    return min(moments, default=None)


# -- categories, criteria, tiers --------------------------------------------


def category_in_use(category):
    return db.session.scalar(db.select(Entry.id).where(Entry.category_id == category.id).limit(1)) is not None


def criterion_scored(criterion):
    if criterion.id is None:
        return False
    return db.session.scalar(db.select(Score.id).where(Score.criterion_id == criterion.id).limit(1)) is not None


def judging_started(competition):
    """Whether any score sheet of ``competition`` was submitted or any score saved: from then on the
    rubric keeps its criteria (adding or deleting one would leave sheets without a score for it)."""
    if competition.id is None:
        return False
    submitted = db.select(Assignment.id).join(Entry, Assignment.entry_id == Entry.id).where(
        Entry.competition_id == competition.id, Assignment.submitted_at.is_not(None))
    scored = db.select(Score.id).join(Criterion, Score.criterion_id == Criterion.id).where(
        Criterion.competition_id == competition.id)
    return (db.session.scalar(submitted.limit(1)) is not None
            or db.session.scalar(scored.limit(1)) is not None)


def rubric_locked_message():
    return _("Judges have started scoring: criteria can no longer be added or removed. "
             "Labels and descriptions can still be edited.")


def criterion_errors(competition, *, key, weight, min_score, max_score, step, criterion=None):
    """Messages per field name for a criterion ``criterion`` (None: a new one) of ``competition``."""
    errors = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    if not isinstance(key, str) or not key or len(key) > KEY_MAX or not KEY_RE.match(key):
        add("key", _("Use lowercase letters a-z, digits, hyphens or underscores (at most %(max)s characters).",
                     max=KEY_MAX))
    else:
        if any(other.key == key for other in competition.criteria if other is not criterion):
            add("key", _("Another criterion already has the key \"%(key)s\".", key=key))
        if criterion is not None and criterion.key != key and criterion_scored(criterion):
            add("key", _("The key cannot change once judges have scored this criterion."))
    if not is_finite(weight) or weight <= 0:
        add("weight", _("The weight must be a number above 0."))
    if not is_finite(min_score):
        add("min_score", _("Enter a number."))
    if not is_finite(max_score):
        add("max_score", _("Enter a number."))
    elif is_finite(min_score) and min_score >= max_score:
        add("max_score", _("The highest score must be above the lowest score."))
    if not is_finite(step) or step <= 0:
        add("step", _("The step must be a number above 0."))
    elif is_finite(min_score) and is_finite(max_score) and min_score < max_score and step > max_score - min_score:
        add("step", _("The step cannot be larger than the score range."))
    if not errors:
        # The ranking library has the last word; its messages are English, so ours come first.
        criteria = [scoring.Criterion(other.key, other.weight, other.min_score, other.max_score)
                    for other in competition.criteria if other is not criterion]
        try:
            scoring.Rubric([*criteria, scoring.Criterion(key, weight, min_score, max_score)])
        except ValueError:
            add("key", _("This criterion does not fit the rubric."))
    return errors


def tie_break_choices(competition):
    """(name, label) of every tie-break this competition may use, in a sensible default order."""
    choices = [(f"criterion:{criterion.key}", _("Higher score on \"%(criterion)s\"", criterion=criterion.label))
               for criterion in competition.criteria]
    choices += [
        ("first_places", _("More first places among the judges")),
        ("full_marks", _("More full marks")),
        ("earlier_submission", _("Earlier submission")),
        ("votes", _("More public votes")),
    ]
    return choices


def tie_break_errors(names, competition):
    """Messages against a tie-break chain (a list of names) for ``competition``."""
    keys = {criterion.key for criterion in competition.criteria}
    errors = []
    seen = set()
    for name in names:
        if name in seen:
            errors.append(_("The tie-break \"%(name)s\" is listed twice.", name=name))
        seen.add(name)
        if name.startswith("criterion:"):
            if name[len("criterion:"):] not in keys:
                errors.append(_("The tie-break \"%(name)s\" names no criterion of this rubric.", name=name))
        elif name not in NAMED_TIE_BREAKS:
            errors.append(_("Unknown tie-break \"%(name)s\".", name=name))
    if not errors:
        try:
            scoring.tie_break_chain(names)
        except ValueError:
            errors.append(_("This tie-break chain is not valid."))
    return errors


def tier_errors(competition, *, name, quota, min_score, tier=None):
    errors = {}
    if not name:
        errors.setdefault("name", []).append(_("This field is required."))
    elif any(other.name == name for other in competition.tiers if other is not tier):
        errors.setdefault("name", []).append(_("Another award tier is already called \"%(name)s\".", name=name))
    if quota is not None and (not isinstance(quota, int) or quota < 0):
        errors.setdefault("quota", []).append(_("The quota must be a whole number of 0 or more, or empty."))
    if min_score is not None and not is_finite(min_score):
        errors.setdefault("min_score", []).append(_("Enter a number, or leave it empty."))
    if not errors:
        try:
            scoring_awards.AwardTier(name=name, quota=quota, min_score=min_score)
        except ValueError:
            errors.setdefault("name", []).append(_("This award tier is not valid."))
    return errors


def special_award_errors(competition, *, name, award=None):
    if not name:
        return {"name": [_("This field is required.")]}
    if any(other.name == name for other in competition.special_awards if other is not award):
        return {"name": [_("Another special award is already called \"%(name)s\".", name=name)]}
    return {}


def category_errors(competition, *, name, code, category=None):
    errors = {}
    if not name:
        errors.setdefault("name", []).append(_("This field is required."))
    elif any(other.name == name for other in competition.categories if other is not category):
        errors.setdefault("name", []).append(_("Another category is already called \"%(name)s\".", name=name))
    if code and any(other.code == code for other in competition.categories if other is not category):
        errors.setdefault("code", []).append(_("Another category already uses the code \"%(code)s\".", code=code))
    return errors


def materials_errors(competition, materials, max_video_seconds):
    """Messages per form field ("materials", "max_video_seconds") against a category's material rules.

    ``materials`` is a list of {"kinds": [...], "or_text": bool, "label": str}. Kinds must be core
    storage kinds the competition accepts as attachments; the text can stand in only when the
    entry form asks for it.
    """
    errors = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    if not isinstance(materials, list) or len(materials) > MATERIAL_GROUPS:
        add("materials", _("A category can require at most %(max)d kinds of material.", max=MATERIAL_GROUPS))
        materials = []
    accepted = set(competition.entry_setting("attachment_kinds") or [])
    attachments_off = competition.entry_setting("attachments") == "off"
    for group in materials:
        if not isinstance(group, dict):
            add("materials", _("This material rule is not valid."))
            continue
        kinds, label = group.get("kinds") or [], group.get("label") or ""
        if not isinstance(kinds, list) or not isinstance(label, str) or not isinstance(group.get("or_text", False),
                                                                                        bool):
            add("materials", _("This material rule is not valid."))
            continue
        unknown = [str(kind) for kind in kinds if kind not in MATERIAL_KINDS]
        if unknown:
            add("materials", _("Unknown kind of material: %(kinds)s.", kinds=", ".join(unknown)))
        if not kinds and not group.get("or_text"):
            add("materials", _("Each required material needs at least one kind of file, or the text."))
        if len(label) > MATERIAL_LABEL_MAX:
            add("materials", _("The name of a material may be at most %(max)d characters.", max=MATERIAL_LABEL_MAX))
        refused = [kind for kind in kinds if kind in MATERIAL_KINDS and (attachments_off or kind not in accepted)]
        if refused:
            add("materials", _("The entry form does not accept these attachments: %(kinds)s. Change the accepted "
                               "attachments in the settings first.", kinds=", ".join(refused)))
        if group.get("or_text") and competition.entry_setting("body") == "off":
            add("materials", _("The entry form does not ask for the text of the entry. Turn on \"Text of the "
                               "entry\" in the settings first."))
    whole = isinstance(max_video_seconds, int) and not isinstance(max_video_seconds, bool)
    if max_video_seconds is not None and (not whole or not 1 <= max_video_seconds <= MAX_VIDEO_SECONDS):
        add("max_video_seconds", _("Enter a number of seconds from 1 to %(max)s.", max=MAX_VIDEO_SECONDS))
    return errors


def clean_materials(materials):
    """The stored form of material groups: kinds in a fixed order, without repeats."""
    return [{"kinds": [kind for kind in MATERIAL_KINDS if kind in (group.get("kinds") or [])],
             "or_text": bool(group.get("or_text")), "label": (group.get("label") or "").strip()}
            for group in materials]


def renumber(items):
    for position, item in enumerate(items, start=1):
        item.position = position


def move(items, item, offset):
    """Move ``item`` by ``offset`` places among ``items`` (ordered) and renumber them; False at an end."""
    items = list(items)
    index = items.index(item)
    target = index + offset
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    renumber(items)
    return True


# -- new competitions and copies ----------------------------------------------


def new_competition(*, title, slug, year, summary="", now=None):
    """A competition usable at once: a schedule from now, one category, a three-criterion rubric.

    The caller adds it to the session, audits and commits.
    """
    now = (now or utcnow()).replace(second=0, microsecond=0)
    competition = Competition(title=title, slug=slug, year=year, summary=summary, description="", listed=False,
                              entry_fields=dict(DEFAULT_ENTRY_FIELDS), tie_breaks=[])
    competition.stages = [Stage(kind=kind, opens_at=now + timedelta(days=opens), closes_at=now + timedelta(days=closes))
                          for kind, opens, closes in DEFAULT_SCHEDULE]
    competition.categories = [Category(name=_("General"), code="", position=1)]
    competition.criteria = [
        Criterion(key=key, label=str(label), weight=weight, min_score=0.0, max_score=10.0, step=0.5, position=position)
        for position, (key, label, weight) in enumerate(DEFAULT_CRITERIA, start=1)
    ]
    return competition


SETTINGS = (
    "summary", "description", "entry_limit_per_org", "judges_per_entry", "aggregation_method",
    "normalise_judges", "vote_weight", "vote_basis", "quota_policy", "tiers_per_category", "share_comments", "share_scores",
    "votes_per_day", "vote_members_only", "hide_vote_counts",
)


def copy_competition(source, *, title, slug, year, shift):
    """A new, unlisted competition configured like ``source`` with its schedule moved by ``shift``.

    Copies settings, categories (with their material rules and video length limits), criteria,
    tiers, special awards and stages, never entries, scores, votes, panels or results. The caller
    checks the slug, adds, audits and commits.
    """
    copy = Competition(title=title, slug=slug, year=year, listed=False, copied_from_id=source.id,
                       results_published_at=None)
    for name in SETTINGS:
        setattr(copy, name, getattr(source, name))
    copy.entry_fields = {**DEFAULT_ENTRY_FIELDS, **dict(source.entry_fields or {})}
    copy.entry_fields["attachment_kinds"] = list(copy.entry_fields.get("attachment_kinds") or [])
    copy.tie_breaks = list(source.tie_breaks or [])
    copy.stages = [Stage(kind=stage.kind, opens_at=stage.opens_at + shift, closes_at=stage.closes_at + shift)
                   for stage in source.stages]
    copy.categories = [Category(name=c.name, code=c.code, position=c.position,
                                materials=[dict(group, kinds=list(group.get("kinds") or []))
                                           for group in c.materials or [] if isinstance(group, dict)],
                                max_video_seconds=c.max_video_seconds)
                       for c in source.categories]
    copy.criteria = [Criterion(key=c.key, label=c.label, description=c.description, weight=c.weight,
                               min_score=c.min_score, max_score=c.max_score, step=c.step, position=c.position)
                     for c in source.criteria]
    copy.tiers = [AwardTier(name=t.name, quota=t.quota, min_score=t.min_score,
                            recommended_onward=t.recommended_onward, position=t.position) for t in source.tiers]
    copy.special_awards = [SpecialAward(name=a.name, description=a.description, basis=a.basis, winners=a.winners,
                                        per_category=a.per_category, position=a.position)
                           for a in source.special_awards]
    return copy
