"""Entries and their screening: every rule a member's or a screener's action must pass.

Views collect the input; this module decides. Each action checks everything first
and raises EntryRefused (a translated message, and the form field it belongs to if
any) before it changes a single attribute, then writes and commits once.

Member rules: the call for entries must be open (before: not yet; after: late);
at most ``entry_limit_per_org`` submitted entries per organisation; no two live
entries of one organisation with the same title (case and spacing ignored); a
submission must be complete (required fields, required attachments); categories
of other competitions are refused. Status, screening, number, organisation and
dates are never taken from input.

Materials: a category may require groups of material (category.materials), each met by
one attachment of one of its kinds or, for an ``or_text`` group, by the entry's text
(an essay as text or as a document; a speech's slides and its video). A category's
``max_video_seconds`` caps its videos: uploads are measured by core storage, and a
submitted entry has no video over the limit or of unknown length (which catches files
uploaded under another category).

Entry numbers ("SS-007") are given on the first submission: the category code and
a three-digit sequence within the competition and category. A concurrent
submission taking the same number trips the unique constraint and is retried.

Screening: only submitted entries; reject needs a reason; a passed entry with
judge assignments cannot be rejected or reset until its assignments are removed;
no decisions once the results are published. A member cannot move an entry with
judge assignments to another category (its number and panel would go stale).
"""
import statistics

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core.audit import AuditEntry, audit
from core.extensions import db
from core.users.models import utcnow
from plugins.competitions.models import (
    DRAFT,
    PASSED,
    PENDING,
    REJECTED,
    SUBMISSION,
    SUBMITTED,
    WITHDRAWN,
    Assignment,
    Category,
    Entry,
    EntryAttachment,
    Result,
    Score,
)

TITLE_MAX = 200
TEAM_MAX = 5000
SUMMARY_MAX = 20000
BODY_MAX = 20000
REASON_MAX = 1000
NUMBER_RETRIES = 5
# The fields a member's form may set; everything else on an entry is decided here.
MEMBER_FIELDS = ("title", "category_id", "team_members", "summary", "body")
# Text fields a competition switches off, optional or required (entry_fields).
TEXT_FIELDS = ("team_members", "summary", "body")
# How one attachment of a kind is named in "what an entry needs" lists.
MATERIAL_KIND_NAMES = {"pdf": _l("a PDF file"), "document": _l("an Office document"), "video": _l("a video"),
                       "image": _l("an image")}


class EntryRefused(Exception):
    """An action that was refused; ``message`` is translated, ``field`` names the form field if any."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message, self.field = str(message), field


# -- helpers -----------------------------------------------------------------


def normalised_title(title):
    return " ".join((title or "").split()).casefold()


def audit_target(entry):
    return f"entry:{entry.id}"


def title_label(competition):
    return competition.entry_setting("title_label") or _("Project title")


def max_attachments(competition):
    try:
        return max(0, int(competition.entry_setting("max_attachments")))
    except (TypeError, ValueError):
        return 0


def attachment_kinds(competition):
    return list(competition.entry_setting("attachment_kinds") or [])


def stage_refusal(competition, now=None):
    """Why members may not create or change entries now, or None while the call for entries is open."""
    now = now or utcnow()
    stage = competition.stage(SUBMISSION)
    if stage is None:
        return _("This competition does not take entries.")
    if now < stage.opens_at:
        return _("The call for entries has not opened yet.")
    if stage.has_closed(now):
        return _("The call for entries has closed; late entries and changes are not accepted.")
    return None


def editable(entry, now=None):
    return stage_refusal(entry.competition, now) is None


def check_stage(competition):
    message = stage_refusal(competition)
    if message:
        raise EntryRefused(message)


def clean_data(data):
    """Only the member fields, stripped; anything else in ``data`` is dropped."""
    cleaned = {key: data.get(key) for key in MEMBER_FIELDS if key in data}
    for key in ("title", *TEXT_FIELDS):
        if key in cleaned:
            value = cleaned[key] or ""
            if key == "team_members":  # one name per line, blank lines dropped
                value = "\n".join(line.strip() for line in str(value).splitlines() if line.strip())
            else:
                value = str(value).strip()
            cleaned[key] = value
    return cleaned


def submitted_count(competition_id, organisation_id, exclude_id=None):
    query = db.select(db.func.count(Entry.id)).where(
        Entry.competition_id == competition_id, Entry.organisation_id == organisation_id, Entry.status == SUBMITTED
    )
    if exclude_id is not None:
        query = query.where(Entry.id != exclude_id)
    return db.session.scalar(query)


def duplicate_of(competition_id, organisation_id, title, exclude_id=None):
    wanted = normalised_title(title)
    query = db.select(Entry).where(
        Entry.competition_id == competition_id, Entry.organisation_id == organisation_id, Entry.status != WITHDRAWN
    )
    if exclude_id is not None:
        query = query.where(Entry.id != exclude_id)
    return next((other for other in db.session.scalars(query) if normalised_title(other.title) == wanted), None)


# -- checking ------------------------------------------------------------------


def check_entry(competition, organisation_id, values, *, entry=None, submit=False, new_attachments=0,
                new_media=None):
    """Every rule for saving ``values`` (the entry's fields after the change); raises EntryRefused.

    ``entry`` is None for a new entry; ``submit`` asks for final submission (a submitted entry
    being edited is checked as complete as well); ``new_attachments`` files come with it.
    ``new_media`` are those files' Media rows once stored: until then (None) the category's
    material rules wait, and run again when the entry is saved with them.
    """
    check_stage(competition)
    if new_media is not None:
        new_attachments = len(new_media)
    entry_id = entry.id if entry is not None else None
    title = values.get("title") or ""
    if not title:
        raise EntryRefused(_("Enter the %(label)s.", label=title_label(competition)), "title")
    if len(title) > TITLE_MAX:
        raise EntryRefused(_("The title may be at most %(max)d characters.", max=TITLE_MAX), "title")
    category = db.session.get(Category, values.get("category_id")) if values.get("category_id") else None
    if category is None or category.competition_id != competition.id:
        raise EntryRefused(_("Choose one of this competition's categories."), "category_id")
    if entry is not None and category.id != entry.category_id and entry.assignments:
        raise EntryRefused(_("The entry is already assigned to judges: its category can no longer change."),
                           "category_id")
    if len(values.get("team_members") or "") > TEAM_MAX:
        raise EntryRefused(_("The list of team members is too long."), "team_members")
    if len(values.get("summary") or "") > SUMMARY_MAX:
        raise EntryRefused(_("The summary may be at most %(max)d characters.", max=SUMMARY_MAX), "summary")
    if len(values.get("body") or "") > BODY_MAX:
        raise EntryRefused(_("The text may be at most %(max)d characters.", max=BODY_MAX), "body")
    existing = len(entry.attachments) if entry is not None else 0
    if new_attachments and existing + new_attachments > max_attachments(competition):
        raise EntryRefused(_("An entry may have at most %(max)d attachments.", max=max_attachments(competition)),
                           "attachments")
    if duplicate_of(competition.id, organisation_id, title, entry_id) is not None:
        raise EntryRefused(_("Your organisation already has an entry titled \u201c%(title)s\u201d in this "
                             "competition.", title=title), "title")
    becomes_submitted = submit and (entry is None or entry.status != SUBMITTED)
    if submit or (entry is not None and entry.status == SUBMITTED):
        media = [attachment.media for attachment in entry.attachments] if entry is not None else []
        pending = new_media is None and new_attachments > 0
        missing = missing_for_submission(competition, values, existing + new_attachments,
                                         media=None if pending else [*media, *(new_media or [])],
                                         category=category)
        if missing:
            raise EntryRefused(_("The entry is not complete: %(missing)s.", missing=", ".join(missing)))
        refusal = video_length_refusal(category, [*media, *(new_media or [])])
        if refusal:
            raise EntryRefused(refusal, "attachments")
    if becomes_submitted:
        limit = competition.entry_limit_per_org
        if limit is not None and submitted_count(competition.id, organisation_id, entry_id) >= limit:
            raise EntryRefused(_("Your organisation has already submitted %(limit)d entries, the most this "
                                 "competition accepts.", limit=limit))


def missing_for_submission(competition, values, attachment_count, *, media=None, category=None):
    """What a submission still lacks, as translated phrases. ``media`` (the entry's files, Media rows
    or anything with a ``kind``) is needed for the category's material rules; None skips them."""
    missing = []
    if not values.get("title"):
        missing.append(title_label(competition))
    if competition.entry_setting("team_members") == "required" and not values.get("team_members"):
        missing.append(_("team members"))
    if competition.entry_setting("summary") == "required" and not values.get("summary"):
        missing.append(_("project summary"))
    if competition.entry_setting("body") == "required" and not values.get("body"):
        missing.append(_("the text of the entry"))
    if competition.entry_setting("attachments") == "required" and attachment_count < 1:
        missing.append(_("at least one attachment"))
    if media is not None and category is not None:
        missing.extend(missing_materials(category, values, media))
    return missing


# -- materials of a category -----------------------------------------------------


def material_groups(category):
    """The category's requirement groups, cleaned: [{"kinds": [...], "or_text": bool, "label": str}]."""
    groups = []
    for group in (category.materials or []) if category is not None else []:
        if not isinstance(group, dict):
            continue
        kinds = [kind for kind in group.get("kinds") or [] if kind in MATERIAL_KIND_NAMES]
        or_text = bool(group.get("or_text"))
        if kinds or or_text:
            groups.append({"kinds": kinds, "or_text": or_text, "label": str(group.get("label") or "").strip()})
    return groups


def material_text(group):
    """What meets a group, e.g. "a PDF file, an Office document, or the text of the entry"."""
    options = [str(MATERIAL_KIND_NAMES[kind]) for kind in group["kinds"]]
    if group["or_text"]:
        options.append(_("the text of the entry"))
    return format_list(options, style="or", locale=get_locale())


def material_name(group):
    """A group as named in a "missing" message: its label and what meets it."""
    if group["label"]:
        return _("%(label)s (%(options)s)", label=group["label"], options=material_text(group))
    return material_text(group)


def group_met(group, values, media):
    if group["or_text"] and (values.get("body") or "").strip():
        return True
    return any(item.kind in group["kinds"] for item in media)


def missing_materials(category, values, media):
    return [material_name(group) for group in material_groups(category) if not group_met(group, values, media)]


def video_length_refusal(category, media):
    """Why these files break the category's video length limit, or None."""
    limit = category.max_video_seconds if category is not None else None
    if not limit:
        return None
    from core.storage.uploads import format_duration

    for item in media:
        if item.kind != "video":
            continue
        if item.duration is None:
            return _("The length of the video \u201c%(name)s\u201d cannot be read, and videos in this category "
                     "may be at most %(limit)s long. Remove it and upload the video again.",
                     name=item.original_name, limit=format_duration(limit))
        if round(item.duration) > limit:
            return _("The video \u201c%(name)s\u201d is %(length)s long; videos in this category may be at most "
                     "%(limit)s long.", name=item.original_name, length=format_duration(item.duration),
                     limit=format_duration(limit))
    return None


def category_needs(category):
    """What an entry of ``category`` must bring, as sentences for the entry form."""
    from core.storage.uploads import format_duration

    lines = []
    for group in material_groups(category):
        if group["label"]:
            lines.append(_("%(label)s: %(options)s", label=group["label"], options=material_text(group)))
        else:
            lines.append(_("Required: %(options)s", options=material_text(group)))
    if category is not None and category.max_video_seconds:
        lines.append(_("Videos may be at most %(limit)s long.", limit=format_duration(category.max_video_seconds)))
    return lines


def upload_options(competition, category):
    """The save_upload arguments for a file attached to an entry of ``category``."""
    return {"kinds": attachment_kinds(competition),
            "max_video_seconds": category.max_video_seconds if category is not None else None}


def current_values(entry):
    return {key: getattr(entry, key) for key in MEMBER_FIELDS}


def merged_values(competition, entry, data):
    """The entry's member fields after applying ``data``; fields switched off are kept empty."""
    values = current_values(entry) if entry is not None else {"title": "", "category_id": None,
                                                              "team_members": "", "summary": "", "body": ""}
    values.update(clean_data(data))
    for name in TEXT_FIELDS:
        if competition.entry_setting(name) == "off":
            values[name] = ""
    return values


# -- writing -------------------------------------------------------------------


def next_number(entry):
    category = db.session.get(Category, entry.category_id)
    code = (category.code or "").strip() or "E"
    prefix = f"{code}-"
    numbers = db.session.scalars(
        db.select(Entry.number).where(Entry.competition_id == entry.competition_id,
                                      Entry.number.like(prefix.replace("%", r"\%").replace("_", r"\_") + "%",
                                                        escape="\\"))
    )
    highest = 0
    for number in numbers:
        tail = number[len(prefix):]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return f"{prefix}{highest + 1:03d}"


def _commit(write):
    """Run ``write`` and commit; on a taken entry number roll back, re-run and retry."""
    for attempt in range(NUMBER_RETRIES):
        try:
            write()
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt == NUMBER_RETRIES - 1:
                raise EntryRefused(_("The entry could not be saved at this moment. Please try again."))


def save_entry(competition, organisation_id, user, data, *, entry=None, submit=False, media=()):
    """Create (entry None) or update an entry, optionally submitting it, with new attachment ``media``.

    Returns the entry. Raises EntryRefused and leaves the database as it was.
    """
    values = merged_values(competition, entry, data)
    check_entry(competition, organisation_id, values, entry=entry, submit=submit, new_media=list(media))
    creating = entry is None
    if creating:
        entry = Entry(competition_id=competition.id, organisation_id=organisation_id, created_by_id=user.id,
                      status=DRAFT, screening=PENDING)
    was = entry.status
    original = {key: getattr(entry, key) for key in ("status", "number", "submitted_at", "withdrawn_at")}
    recategorised = not creating and values["category_id"] != entry.category_id

    def write():
        if creating:
            db.session.add(entry)
        for key, value in original.items():  # a retry starts from the state before the first try
            setattr(entry, key, value)
        for key, value in values.items():
            setattr(entry, key, value)
        entry.competition = competition
        start = max((a.position for a in entry.attachments), default=0)
        for offset, item in enumerate(media, start=1):
            if all(a.media is not item for a in entry.attachments):
                entry.attachments.append(EntryAttachment(media=item, position=start + offset))
        if recategorised:  # numbers carry the category code: a new category, a new number
            entry.number = None
        if submit and entry.status != SUBMITTED:
            _mark_submitted(entry)
        if entry.status == SUBMITTED and not entry.number:
            entry.number = next_number(entry)
        db.session.flush()
        if entry.status == SUBMITTED and was != SUBMITTED:
            audit("competitions.entry_submitted", audit_target(entry), actor=user, number=entry.number,
                  title=entry.title)

    _commit(write)
    return entry


def _mark_submitted(entry):
    entry.status = SUBMITTED
    entry.withdrawn_at = None
    if entry.submitted_at is None:
        entry.submitted_at = utcnow()


def submit_entry(entry, user):
    if entry.status == SUBMITTED:
        raise EntryRefused(_("This entry has already been submitted."))
    return save_entry(entry.competition, entry.organisation_id, user, {}, entry=entry, submit=True)


def withdraw_entry(entry, user):
    check_stage(entry.competition)
    if entry.status == WITHDRAWN:
        raise EntryRefused(_("This entry has already been withdrawn."))
    entry.status = WITHDRAWN
    entry.withdrawn_at = utcnow()
    audit("competitions.entry_withdrawn", audit_target(entry), actor=user, number=entry.number, title=entry.title)
    db.session.commit()
    return entry


def check_attachment_room(entry, count=1):
    check_stage(entry.competition)
    limit = max_attachments(entry.competition)
    if entry.competition.entry_setting("attachments") == "off" or limit == 0:
        raise EntryRefused(_("This competition does not take attachments."), "attachments")
    if len(entry.attachments) + count > limit:
        raise EntryRefused(_("An entry may have at most %(max)d attachments.", max=limit), "attachments")


def add_attachments(entry, user, media):
    return save_entry(entry.competition, entry.organisation_id, user, {}, entry=entry, media=media)


def remove_attachment(entry, attachment, user):
    """Detach and delete a file; a submitted entry keeps what a submission requires."""
    check_stage(entry.competition)
    if entry.status == SUBMITTED and entry.competition.entry_setting("attachments") == "required" \
            and len(entry.attachments) <= 1:
        raise EntryRefused(_("A submitted entry needs at least one attachment. Add another file first."))
    if entry.status == SUBMITTED:
        remaining = [other.media for other in entry.attachments if other is not attachment]
        missing = missing_materials(entry.category, current_values(entry), remaining)
        if missing:
            raise EntryRefused(_("A submitted entry needs %(missing)s. Add another file first.",
                                 missing=", ".join(missing)))
    media = attachment.media
    entry.attachments.remove(attachment)
    db.session.flush()
    return media


# -- what members see ------------------------------------------------------------


def published_result(entry):
    if not entry.competition.results_published:
        return None
    return db.session.scalar(db.select(Result).where(Result.entry_id == entry.id))


def shared_feedback(entry):
    """(comments, criterion means) a member may read: only once results are published, and only
    what the competition shares. Judges are anonymised as "Judge 1, 2, ..." by sheet order."""
    competition = entry.competition
    if not competition.results_published or not (competition.share_comments or competition.share_scores):
        return [], []
    sheets = db.session.scalars(
        db.select(Assignment).where(Assignment.entry_id == entry.id, Assignment.submitted_at.is_not(None))
        .order_by(Assignment.id)
    ).all()
    comments, means = [], []
    if competition.share_comments:
        for number, sheet in enumerate(sheets, start=1):
            notes = [(score.criterion.label, score.comment) for score in
                     sorted(sheet.scores, key=lambda s: (s.criterion.position, s.criterion.id)) if score.comment]
            if sheet.comment or notes:
                comments.append({"judge": _("Judge %(number)d", number=number), "comment": sheet.comment,
                                 "notes": notes})
    if competition.share_scores and sheets:
        values = {}
        for score in db.session.scalars(db.select(Score).where(Score.assignment_id.in_([s.id for s in sheets]))):
            values.setdefault(score.criterion_id, []).append(score.value)
        for criterion in competition.criteria:
            if values.get(criterion.id):
                means.append((criterion.label, round(statistics.fmean(values[criterion.id]), 2)))
    return comments, means


# -- screening -------------------------------------------------------------------

ACTIONS = {"pass": PASSED, "reject": REJECTED, "reset": PENDING}


def published_refusal():
    return _("The results are published: screening decisions can no longer change.")


def screening_refusal(entry, result):
    """Why ``entry`` cannot take screening ``result`` now, or None."""
    if entry.competition.results_published_at is not None:
        return published_refusal()
    if entry.status != SUBMITTED:
        return _("%(entry)s has not been submitted; only submitted entries are screened.",
                 entry=entry.number or entry.title)
    if result != PASSED and entry.screening == PASSED and entry.assignments:
        return _("%(entry)s is already being judged; remove its judge assignments before changing its "
                 "screening.", entry=entry.number or entry.title)
    return None


def screen_entries(entries, action, reason, actor):
    """Pass, reject or reset screening of every entry in ``entries``, all or none."""
    result = ACTIONS.get(action)
    if result is None:
        raise EntryRefused(_("Choose pass, reject or reset."), "action")
    reason = (reason or "").strip()
    if result == REJECTED and not reason:
        raise EntryRefused(_("Give the reason for not admitting the entry."), "reason")
    if len(reason) > REASON_MAX:
        raise EntryRefused(_("The reason may be at most %(max)d characters.", max=REASON_MAX), "reason")
    if not entries:
        raise EntryRefused(_("Select at least one entry."))
    if any(entry.competition.results_published_at is not None for entry in entries):
        raise EntryRefused(published_refusal())
    refusals = [message for message in (screening_refusal(entry, result) for entry in entries) if message]
    if refusals:
        raise EntryRefused(" ".join(refusals))
    now = utcnow()
    for entry in entries:
        previous = entry.screening
        entry.screening = result
        entry.screening_reason = reason if result != PENDING else ""
        entry.screened_by_id = actor.id if result != PENDING else None
        entry.screened_at = now if result != PENDING else None
        audit("competitions.entry_screened", audit_target(entry), actor=actor, result=result, previous=previous,
              reason=reason, number=entry.number)
    db.session.commit()


def history_labels():
    return {
        "competitions.entry_submitted": _("Submitted"),
        "competitions.entry_withdrawn": _("Withdrawn"),
        "competitions.entry_screened": _("Screening decision"),
    }


def entry_history(entry):
    return db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.target == audit_target(entry)).order_by(AuditEntry.at, AuditEntry.id)
    ).all()


def category_counts(competition):
    """[(category, submitted, passed, rejected)] and the totals, as on the screening page's head."""
    rows = db.session.execute(
        db.select(Entry.category_id, Entry.screening, db.func.count(Entry.id))
        .where(Entry.competition_id == competition.id, Entry.status == SUBMITTED)
        .group_by(Entry.category_id, Entry.screening)
    ).all()
    tally = {}
    for category_id, screening, count in rows:
        tally.setdefault(category_id, {})[screening] = count
    counts = []
    for category in competition.categories:
        by = tally.get(category.id, {})
        counts.append({"category": category, "submitted": sum(by.values()), "passed": by.get(PASSED, 0),
                       "rejected": by.get(REJECTED, 0), "pending": by.get(PENDING, 0)})
    totals = {key: sum(row[key] for row in counts) for key in ("submitted", "passed", "rejected", "pending")}
    return counts, totals
