"""Judging as a service: panels, assignment, conflicts of interest, score sheets, progress, reminders.

No request objects here: views pass plain values and the acting user, and
commit. Functions raise ``JudgingError`` (a message fit to show) when an
action is refused; nothing is written before every check has passed.

The assignment algorithm is ``plan_assignments``, a pure function on plain
data (tested without a database); ``auto_assign`` and ``reassign_entries``
feed it from the tables.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from core.mail import queue_mail
from core.permissions import user_has_permission
from core.users.models import Organisation, User, utcnow
from plugins.competitions import access
from plugins.competitions.models import (
    JUDGING,
    PASSED,
    SUBMITTED,
    Assignment,
    Competition,
    Conflict,
    Entry,
    Panel,
    PanelJudge,
    Score,
)

MAX_COMMENT = 2000
MAX_OVERALL_COMMENT = 10000
MAX_REASON = 500


class JudgingError(Exception):
    """An action refused; ``str(error)`` is the message for the user."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return str(self.message)


# -- the assignment algorithm (pure) -------------------------------------------


@dataclass(frozen=True)
class EntryRef:
    id: int
    panel_id: int | None
    organisation_id: int


@dataclass
class AssignmentPlan:
    new: list = field(default_factory=list)  # [(entry_id, judge_id)] to create, in creation order
    short: dict = field(default_factory=dict)  # entry_id -> judges it will have (< n)
    load: dict = field(default_factory=dict)  # judge_id -> assignments after the plan


def is_conflicted(judge_id, entry, conflicts: Mapping) -> bool:
    entry_ids, organisation_ids = conflicts.get(judge_id, ((), ()))
    return entry.id in entry_ids or entry.organisation_id in organisation_ids


def plan_assignments(entries: Iterable, panel_judges: Mapping, conflicts: Mapping, existing: Iterable,
                     n: int) -> AssignmentPlan:
    """Bring every entry up to ``n`` judges of its panel, never a conflicted judge, never twice the same.

    entries       EntryRef-like objects (id, panel_id, organisation_id), or (id, panel_id, organisation_id) tuples
    panel_judges  {panel_id: judge ids}
    conflicts     {judge_id: (entry ids, organisation ids)} the judge may not judge
    existing      (entry_id, judge_id) pairs already assigned: kept, and counted in loads and towards n
    n             judges wanted per entry

    Least-loaded judges are chosen first, ties broken by the smaller judge id. Entries with the
    fewest eligible judges are served first (then by id), so scarce judges go where they are needed.
    The same input gives the same plan every run.
    """
    refs = sorted((entry if isinstance(entry, EntryRef) else EntryRef(*entry) for entry in entries),
                  key=lambda entry: entry.id)
    judges_of = defaultdict(set)
    load = defaultdict(int)
    for entry_id, judge_id in existing:
        judges_of[entry_id].add(judge_id)
        load[judge_id] += 1
    for judges in panel_judges.values():
        for judge_id in judges:
            load.setdefault(judge_id, 0)

    def eligible(entry):
        return sorted(judge_id for judge_id in set(panel_judges.get(entry.panel_id, ()))
                      if judge_id not in judges_of[entry.id] and not is_conflicted(judge_id, entry, conflicts))

    candidates = {entry.id: eligible(entry) for entry in refs}
    order = sorted(refs, key=lambda entry: (len(candidates[entry.id]) + len(judges_of[entry.id]), entry.id))
    plan = AssignmentPlan()
    for entry in order:
        missing = n - len(judges_of[entry.id])
        if missing > 0:
            chosen = sorted(candidates[entry.id], key=lambda judge_id: (load[judge_id], judge_id))[:missing]
            for judge_id in sorted(chosen, key=lambda judge_id: (load[judge_id], judge_id)):
                plan.new.append((entry.id, judge_id))
                judges_of[entry.id].add(judge_id)
                load[judge_id] += 1
        if len(judges_of[entry.id]) < n:
            plan.short[entry.id] = len(judges_of[entry.id])
    plan.load = dict(load)
    return plan


# -- reading the tables ----------------------------------------------------------


def judged_entries_query(competition_id):
    return (db.select(Entry)
            .where(Entry.competition_id == competition_id, Entry.status == SUBMITTED, Entry.screening == PASSED)
            .order_by(Entry.number, Entry.id))


def judged_entries(competition):
    return db.session.scalars(judged_entries_query(competition.id)).all()


def panel_judge_ids(competition):
    """{panel_id: [judge ids]} for the competition's panels."""
    result = {panel.id: [] for panel in competition.panels}
    rows = db.session.execute(
        db.select(PanelJudge.panel_id, PanelJudge.user_id).join(Panel)
        .where(Panel.competition_id == competition.id).order_by(PanelJudge.user_id)
    )
    for panel_id, user_id in rows:
        result.setdefault(panel_id, []).append(user_id)
    return result


def conflict_map(competition_id, judges):
    """{judge_id: (entry ids, organisation ids)} through access.conflict_sets."""
    return {judge.id: access.conflict_sets(competition_id, judge) for judge in judges}


def competition_assignments(competition_id):
    return db.session.scalars(
        db.select(Assignment).join(Entry).where(Entry.competition_id == competition_id)
        .order_by(Assignment.id)
    ).all()


def is_judge_user(user):
    return user is not None and user.is_active and user_has_permission(user, access.JUDGE)


def judge_by_email(email):
    """The active user with this e-mail who holds competitions.judge, or a JudgingError."""
    email = (email or "").strip().lower()
    user = db.session.scalar(db.select(User).where(db.func.lower(User.email) == email)) if email else None
    if user is None:
        raise JudgingError(_("No account has the e-mail address %(email)s.", email=email))
    if not is_judge_user(user):
        raise JudgingError(_("%(email)s does not hold the judge permission.", email=user.email))
    return user


def sheet_status(assignment):
    if assignment.submitted_at is not None:
        return "submitted"
    if assignment.saved_at is not None:
        return "saved"
    return "todo"


def sheet_scores(assignment):
    """{criterion key: value} and comments, for audit records."""
    return {
        "scores": {score.criterion.key: score.value for score in assignment.scores},
        "comments": {score.criterion.key: score.comment for score in assignment.scores if score.comment},
        "comment": assignment.comment,
        "saved_at": assignment.saved_at.isoformat() if assignment.saved_at else None,
        "submitted_at": assignment.submitted_at.isoformat() if assignment.submitted_at else None,
    }


# -- panels ------------------------------------------------------------------------


def clean_name(name, limit=100):
    name = " ".join((name or "").split())
    if not name:
        raise JudgingError(_("Enter a name for the panel."))
    if len(name) > limit:
        raise JudgingError(_("The name is too long (at most %(limit)s characters).", limit=limit))
    return name


def create_panel(competition, name, category=None):
    name = clean_name(name)
    if category is not None and category.competition_id != competition.id:
        raise JudgingError(_("Choose a category of this competition."))
    position = max((panel.position for panel in competition.panels), default=0) + 1
    panel = Panel(competition=competition, name=name, category_id=category.id if category else None,
                  position=position)
    db.session.add(panel)
    db.session.flush()
    audit("competitions.panel_created", f"panel:{panel.id}", competition=competition.id, name=name,
          category=category.id if category else None)
    attach_entries_to_panels(competition)
    return panel


def rename_panel(panel, name):
    name = clean_name(name)
    old, panel.name = panel.name, name
    audit("competitions.panel_renamed", f"panel:{panel.id}", competition=panel.competition_id, old=old, new=name)


def delete_panel(panel):
    entries = db.session.scalars(db.select(Entry).where(Entry.panel_id == panel.id)).all()
    for entry in entries:
        entry.panel_id = None
    audit("competitions.panel_deleted", f"panel:{panel.id}", competition=panel.competition_id, name=panel.name,
          judges=[member.user_id for member in panel.members], entries=[entry.id for entry in entries])
    db.session.delete(panel)
    db.session.flush()


def add_panel_judge(panel, user):
    if not is_judge_user(user):
        raise JudgingError(_("%(email)s does not hold the judge permission.", email=user.email))
    if any(member.user_id == user.id for member in panel.members):
        raise JudgingError(_("%(email)s is already on this panel.", email=user.email))
    panel.members.append(PanelJudge(user_id=user.id))
    db.session.flush()
    audit("competitions.panel_judge_added", f"panel:{panel.id}", competition=panel.competition_id,
          judge=user.id)


def remove_panel_judge(panel, user_id):
    member = next((member for member in panel.members if member.user_id == user_id), None)
    if member is None:
        raise JudgingError(_("That judge is not on this panel."))
    panel.members.remove(member)
    db.session.flush()
    audit("competitions.panel_judge_removed", f"panel:{panel.id}", competition=panel.competition_id,
          judge=user_id)


def move_entry(entry, panel):
    if panel is not None and panel.competition_id != entry.competition_id:
        raise JudgingError(_("Choose a panel of this competition."))
    old = entry.panel_id
    entry.panel_id = panel.id if panel else None
    audit("competitions.entry_moved", f"entry:{entry.id}", competition=entry.competition_id, old=old,
          new=entry.panel_id)


def category_panels(competition):
    """{category_id: the first panel of that category}."""
    found = {}
    for panel in competition.panels:
        if panel.category_id is not None:
            found.setdefault(panel.category_id, panel)
    return found


def attach_entries_to_panels(competition):
    """Give every judged entry without a panel its category's panel; returns how many moved."""
    panels = category_panels(competition)
    moved = 0
    for entry in judged_entries(competition):
        if entry.panel_id is None and entry.category_id in panels:
            entry.panel_id = panels[entry.category_id].id
            moved += 1
    if moved:
        db.session.flush()
    return moved


# -- assignment --------------------------------------------------------------------


def _users(ids):
    ids = sorted(set(ids))
    if not ids:
        return []
    return db.session.scalars(db.select(User).where(User.id.in_(ids)).order_by(User.id)).all()


def _apply_plan(plan):
    """Create the planned assignments (assigned_by empty: automatic)."""
    created = [Assignment(entry_id=entry_id, judge_id=judge_id) for entry_id, judge_id in plan.new]
    db.session.add_all(created)
    db.session.flush()
    return created


def conflicted_assignments(competition, assignments):
    """The assignments whose judge is now in conflict with the entry (a conflict declared or a
    membership added after the assignment)."""
    cache = {}
    found = []
    for assignment in assignments:
        if assignment.judge_id not in cache:
            cache[assignment.judge_id] = access.conflict_sets(competition.id, assignment.judge)
        entry_ids, organisation_ids = cache[assignment.judge_id]
        if assignment.entry_id in entry_ids or assignment.entry.organisation_id in organisation_ids:
            found.append(assignment)
    return found


def remove_conflicted_assignments(competition, entries, actor=None):
    """Remove the conflicted assignments of ``entries`` (scores kept in the audit); returns their entry ids."""
    entry_ids = {entry.id for entry in entries}
    assignments = [a for a in competition_assignments(competition.id) if a.entry_id in entry_ids]
    removed = []
    for assignment in conflicted_assignments(competition, assignments):
        audit("competitions.assignment_removed_for_conflict", f"assignment:{assignment.id}", actor=actor,
              conflict=None, entry=assignment.entry_id, judge=assignment.judge_id, **sheet_scores(assignment))
        removed.append(assignment.entry_id)
        db.session.delete(assignment)
    if removed:
        db.session.flush()
    return removed


def auto_assign(competition, actor=None):
    """Top up every judged entry of the competition to judges_per_entry; returns the plan."""
    attach_entries_to_panels(competition)
    entries = judged_entries(competition)
    panels = panel_judge_ids(competition)
    judges = [user for user in _users(judge_id for ids in panels.values() for judge_id in ids)
              if is_judge_user(user)]
    active = {user.id for user in judges}
    panels = {panel_id: [judge_id for judge_id in ids if judge_id in active] for panel_id, ids in panels.items()}
    remove_conflicted_assignments(competition, entries, actor)
    existing = [(a.entry_id, a.judge_id) for a in competition_assignments(competition.id)
                if a.entry_id in {entry.id for entry in entries}]
    plan = plan_assignments([EntryRef(entry.id, entry.panel_id, entry.organisation_id) for entry in entries],
                            panels, conflict_map(competition.id, judges), existing, competition.judges_per_entry)
    _apply_plan(plan)
    audit("competitions.auto_assigned", f"competition:{competition.id}", actor=actor, created=len(plan.new),
          pairs=[list(pair) for pair in plan.new][:500], short=sorted(plan.short))
    return plan


def reassign_entries(competition, entry_ids, actor=None):
    """Top up the given entries to judges_per_entry from their panels; returns the plan."""
    attach_entries_to_panels(competition)
    entries = [entry for entry in judged_entries(competition) if entry.id in set(entry_ids)]
    if not entries:
        return AssignmentPlan()
    panels = panel_judge_ids(competition)
    judges = [user for user in _users(judge_id for ids in panels.values() for judge_id in ids)
              if is_judge_user(user)]
    active = {user.id for user in judges}
    panels = {panel_id: [judge_id for judge_id in ids if judge_id in active] for panel_id, ids in panels.items()}
    remove_conflicted_assignments(competition, entries, actor)
    all_assignments = competition_assignments(competition.id)
    # Loads count the judge's whole competition, so reassignment stays balanced.
    existing = [(a.entry_id, a.judge_id) for a in all_assignments]
    plan = plan_assignments([EntryRef(entry.id, entry.panel_id, entry.organisation_id) for entry in entries],
                            panels, conflict_map(competition.id, judges), existing, competition.judges_per_entry)
    _apply_plan(plan)
    if plan.new:
        audit("competitions.reassigned", f"competition:{competition.id}", actor=actor,
              pairs=[list(pair) for pair in plan.new], short=sorted(plan.short))
    return plan


def assign(entry, judge, actor=None):
    """Assign one judge to one entry by hand."""
    if not entry.in_judging:
        raise JudgingError(_("Only submitted entries that passed screening are judged."))
    if not is_judge_user(judge):
        raise JudgingError(_("%(email)s does not hold the judge permission.", email=judge.email))
    if access.has_conflict(judge, entry):
        raise JudgingError(_("%(judge)s has a conflict of interest with entry %(number)s and cannot judge it.",
                             judge=judge.name, number=entry.number or entry.id))
    if db.session.scalar(db.select(Assignment.id).where(Assignment.entry_id == entry.id,
                                                        Assignment.judge_id == judge.id)):
        raise JudgingError(_("%(judge)s is already assigned to entry %(number)s.",
                             judge=judge.name, number=entry.number or entry.id))
    assignment = Assignment(entry_id=entry.id, judge_id=judge.id,
                            assigned_by_id=getattr(actor, "id", None))
    db.session.add(assignment)
    db.session.flush()
    audit("competitions.assigned", f"assignment:{assignment.id}", actor=actor, entry=entry.id, judge=judge.id)
    return assignment


def unassign(assignment, actor=None):
    if assignment.locked:
        raise JudgingError(_("This score sheet is submitted: reopen it before removing the assignment."))
    audit("competitions.unassigned", f"assignment:{assignment.id}", actor=actor, entry=assignment.entry_id,
          judge=assignment.judge_id, **sheet_scores(assignment))
    db.session.delete(assignment)
    db.session.flush()


# -- conflicts of interest -------------------------------------------------------


def _clean_reason(reason, required=True):
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise JudgingError(_("Give a reason."))
    if len(reason) > MAX_REASON:
        raise JudgingError(_("The reason is too long (at most %(limit)s characters).", limit=MAX_REASON))
    return reason


@dataclass
class ConflictOutcome:
    conflict: Conflict
    removed: list  # entry ids whose assignment with the judge was removed
    plan: AssignmentPlan


def add_conflict(competition, judge, *, entry=None, organisation=None, reason="", actor=None):
    """Record a conflict; remove the judge's assignments it touches (scores kept in the audit) and
    reassign other eligible judges so those entries keep judges_per_entry."""
    if (entry is None) == (organisation is None):
        raise JudgingError(_("Choose either an entry or an organisation."))
    if entry is not None and entry.competition_id != competition.id:
        raise JudgingError(_("Choose an entry of this competition."))
    reason = _clean_reason(reason)
    same = (Conflict.entry_id == entry.id) if entry else (Conflict.organisation_id == organisation.id)
    duplicate = db.session.scalar(db.select(Conflict.id).where(
        Conflict.competition_id == competition.id, Conflict.judge_id == judge.id, same))
    if duplicate:
        raise JudgingError(_("This conflict of interest is already recorded."))
    conflict = Conflict(competition_id=competition.id, judge_id=judge.id,
                        entry_id=entry.id if entry else None,
                        organisation_id=organisation.id if organisation else None,
                        reason=reason, declared_by_id=getattr(actor, "id", None))
    db.session.add(conflict)
    db.session.flush()
    audit("competitions.conflict_added", f"conflict:{conflict.id}", actor=actor, competition=competition.id,
          judge=judge.id, entry=conflict.entry_id, organisation=conflict.organisation_id, reason=reason)
    query = (db.select(Assignment).join(Entry)
             .where(Entry.competition_id == competition.id, Assignment.judge_id == judge.id))
    query = query.where(Entry.id == entry.id) if entry else query.where(Entry.organisation_id == organisation.id)
    removed = []
    for assignment in db.session.scalars(query).all():
        audit("competitions.assignment_removed_for_conflict", f"assignment:{assignment.id}", actor=actor,
              conflict=conflict.id, entry=assignment.entry_id, judge=judge.id, **sheet_scores(assignment))
        removed.append(assignment.entry_id)
        db.session.delete(assignment)
    db.session.flush()
    plan = reassign_entries(competition, removed, actor) if removed else AssignmentPlan()
    return ConflictOutcome(conflict, removed, plan)


def declare_conflict(assignment, judge, reason):
    """A judge declares a conflict with an assigned entry: only while the sheet is open and judging is on;
    afterwards a manager records it (which may remove a submitted sheet)."""
    entry = assignment.entry
    if assignment.locked:
        raise JudgingError(_("Your score sheet for this entry is submitted and locked: ask a competition manager "
                             "to record the conflict of interest."), status=409)
    if not entry.competition.stage_open(JUDGING):
        raise JudgingError(_("The judging stage is not open: ask a competition manager to record the conflict "
                             "of interest."), status=409)
    return add_conflict(entry.competition, judge, entry=entry, reason=reason, actor=judge)


def remove_conflict(conflict, actor=None):
    audit("competitions.conflict_removed", f"conflict:{conflict.id}", actor=actor,
          competition=conflict.competition_id, judge=conflict.judge_id, entry=conflict.entry_id,
          organisation=conflict.organisation_id, reason=conflict.reason)
    db.session.delete(conflict)
    db.session.flush()


def automatic_conflicts(competition):
    """[(judge, organisation)] from memberships, for the panel judges and assigned judges."""
    judge_ids = {judge_id for ids in panel_judge_ids(competition).values() for judge_id in ids}
    judge_ids |= {a.judge_id for a in competition_assignments(competition.id)}
    organisation_ids = set(db.session.scalars(
        db.select(Entry.organisation_id).where(Entry.competition_id == competition.id)))
    rows = []
    for judge in _users(judge_ids):
        for organisation_id in sorted(access.judge_organisation_ids(judge)):
            organisation = db.session.get(Organisation, organisation_id)
            if organisation is not None:
                rows.append((judge, organisation, organisation_id in organisation_ids))
    return rows


def declared_conflicts(competition):
    return db.session.scalars(
        db.select(Conflict).where(Conflict.competition_id == competition.id).order_by(Conflict.id)).all()


# -- score sheets ------------------------------------------------------------------


def _parse_number(raw):
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def check_value(criterion, value):
    """None when the value is acceptable for the criterion, else the message."""
    if not math.isfinite(value):
        return _("Enter a number.")
    if value < criterion.min_score - 1e-9 or value > criterion.max_score + 1e-9:
        return _("Enter a score between %(min)s and %(max)s.", min=_fmt(criterion.min_score),
                 max=_fmt(criterion.max_score))
    if criterion.step and criterion.step > 0:
        steps = (value - criterion.min_score) / criterion.step
        if abs(steps - round(steps)) > 1e-6:
            return _("Scores go in steps of %(step)s.", step=_fmt(criterion.step))
    return None


def _fmt(number):
    return f"{number:g}"


@dataclass
class SheetInput:
    """What a judge sent: raw strings per criterion id, comments per criterion id, overall comment."""

    scores: dict  # {criterion_id: raw text}
    comments: dict  # {criterion_id: text}
    comment: str = ""
    unknown: list = field(default_factory=list)  # criterion ids that are not this competition's


def save_sheet(assignment, data: SheetInput, *, submit=False, now=None):
    """Validate everything, then store the sheet; returns {criterion_id or "__all__": message} of errors.

    Raises JudgingError (status 409) when the sheet is locked or the judging stage is not open.
    Nothing is written when any error is returned or raised.
    """
    entry = assignment.entry
    competition = entry.competition
    if assignment.locked:
        raise JudgingError(_("This score sheet is submitted and locked; nothing was changed."), status=409)
    if not competition.stage_open(JUDGING, now):
        raise JudgingError(_("Scoring is only possible while the judging stage is open; nothing was changed."),
                           status=409)
    errors = {}
    if data.unknown:
        errors["__all__"] = _("The form named a criterion that is not part of this competition's rubric.")
    criteria = list(competition.criteria)
    values = {}
    for criterion in criteria:
        raw = data.scores.get(criterion.id, "")
        value = _parse_number(raw)
        if value is None:
            if submit:
                errors[criterion.id] = _("Score every criterion before submitting.")
            continue
        message = check_value(criterion, value)
        if message:
            errors[criterion.id] = message
        else:
            values[criterion.id] = value
        if len(data.comments.get(criterion.id, "") or "") > MAX_COMMENT:
            errors[criterion.id] = _("The comment is too long (at most %(limit)s characters).", limit=MAX_COMMENT)
    if len(data.comment or "") > MAX_OVERALL_COMMENT:
        errors["comment"] = _("The comment is too long (at most %(limit)s characters).", limit=MAX_OVERALL_COMMENT)
    if errors:
        return errors
    existing = {score.criterion_id: score for score in assignment.scores}
    for criterion in criteria:
        comment = (data.comments.get(criterion.id, "") or "").strip()
        if criterion.id in values:
            score = existing.get(criterion.id)
            if score is None:
                assignment.scores.append(Score(criterion_id=criterion.id, value=values[criterion.id],
                                               comment=comment))
            else:
                score.value, score.comment = values[criterion.id], comment
        elif criterion.id in existing:  # a draft value cleared by the judge
            assignment.scores.remove(existing[criterion.id])
    assignment.comment = (data.comment or "").strip()
    stamp = utcnow()
    assignment.saved_at = stamp
    if submit:
        assignment.submitted_at = stamp
    db.session.flush()
    audit("competitions.sheet_submitted" if submit else "competitions.sheet_saved", f"assignment:{assignment.id}",
          entry=entry.id, scores={c.key: values.get(c.id) for c in criteria})
    return {}


def reopen(assignment, reason, actor=None):
    reason = _clean_reason(reason)
    if not assignment.locked:
        raise JudgingError(_("This score sheet is not submitted, so there is nothing to reopen."))
    audit("competitions.sheet_reopened", f"assignment:{assignment.id}", actor=actor, reason=reason,
          entry=assignment.entry_id, judge=assignment.judge_id, **sheet_scores(assignment))
    assignment.submitted_at = None
    db.session.flush()


def weighted_total(assignment):
    """The judge's weighted total so far (criteria without a score count as nothing)."""
    return math.fsum(score.value * score.criterion.weight for score in assignment.scores)


def max_total(competition):
    return math.fsum(criterion.max_score * criterion.weight for criterion in competition.criteria)


# -- what a judge sees -------------------------------------------------------------


def visible_assignments(judge):
    """The judge's assignments on judged entries, minus any in conflict, by competition and entry number."""
    rows = db.session.scalars(
        db.select(Assignment).join(Entry).join(Competition)
        .where(Assignment.judge_id == judge.id, Entry.status == SUBMITTED, Entry.screening == PASSED)
        .order_by(Competition.id.desc(), Entry.number, Entry.id)
    ).all()
    cache = {}
    visible = []
    for assignment in rows:
        entry = assignment.entry
        if entry.competition_id not in cache:
            cache[entry.competition_id] = access.conflict_sets(entry.competition_id, judge)
        entry_ids, organisation_ids = cache[entry.competition_id]
        if entry.id in entry_ids or entry.organisation_id in organisation_ids:
            continue
        visible.append(assignment)
    return visible


def grouped_by_competition(assignments):
    groups = []
    for assignment in assignments:
        competition = assignment.entry.competition
        if not groups or groups[-1][0].id != competition.id:
            groups.append((competition, []))
        groups[-1][1].append(assignment)
    return groups


def next_open_assignment(judge, current=None):
    """The next unsubmitted assignment after ``current`` (wrapping around), in the judge's list order."""
    items = [a for a in visible_assignments(judge)
             if a.submitted_at is None and a.entry.competition.stage_open(JUDGING)]
    if current is None:
        return items[0] if items else None
    others = [a for a in items if a.id != current.id]
    if not others:
        return None
    everything = [a.id for a in visible_assignments(judge)]
    position = everything.index(current.id) if current.id in everything else -1
    after = [a for a in others if everything.index(a.id) > position]
    return (after or others)[0]


def open_sheet_count(judge):
    return sum(1 for a in visible_assignments(judge) if a.submitted_at is None)


# -- progress and reminders ----------------------------------------------------------


@dataclass
class JudgeProgress:
    judge: object
    assigned: int = 0
    saved: int = 0
    submitted: int = 0

    @property
    def open(self):
        return self.assigned - self.submitted


@dataclass
class EntryProgress:
    entry: object
    assignments: list
    needed: int
    conflicted: set = field(default_factory=set)  # ids of assignments whose judge is now in conflict

    @property
    def assigned(self):
        return sum(1 for a in self.assignments if a.id not in self.conflicted)

    @property
    def submitted(self):
        return sum(1 for a in self.assignments if a.submitted_at is not None and a.id not in self.conflicted)

    @property
    def short(self):
        return self.assigned < self.needed


@dataclass
class PanelProgress:
    panel: object  # None: entries without a panel
    judges: list
    entries: list


def progress(competition):
    entries = judged_entries(competition)
    entry_ids = {entry.id for entry in entries}
    assignments = [a for a in competition_assignments(competition.id) if a.entry_id in entry_ids]
    conflicted = {a.id for a in conflicted_assignments(competition, assignments)}
    by_entry = defaultdict(list)
    for assignment in assignments:
        by_entry[assignment.entry_id].append(assignment)
    judge_rows = {}

    def judge_row(judge):
        if judge.id not in judge_rows:
            judge_rows[judge.id] = JudgeProgress(judge)
        return judge_rows[judge.id]

    for assignment in assignments:
        row = judge_row(assignment.judge)
        if assignment.id in conflicted:  # flagged on the entry, counted nowhere
            continue
        row.assigned += 1
        status = sheet_status(assignment)
        if status == "submitted":
            row.submitted += 1
        elif status == "saved":
            row.saved += 1
    panels = []
    shown_judges = set()
    for panel in list(competition.panels) + [None]:
        panel_id = panel.id if panel else None
        panel_entries = [EntryProgress(entry, sorted(by_entry[entry.id], key=lambda a: a.judge_id),
                                       competition.judges_per_entry, conflicted)
                         for entry in entries if entry.panel_id == panel_id]
        if panel is None:
            members = sorted({a.judge_id for row in panel_entries for a in row.assignments} - shown_judges)
            members += sorted(set(judge_rows) - shown_judges - set(members))
            judges = [judge_rows[judge_id] for judge_id in members if judge_id in judge_rows]
            if not panel_entries and not judges:
                continue
        else:
            judges = [judge_row(member.user) for member in sorted(panel.members, key=lambda m: m.user_id)]
            shown_judges |= {member.user_id for member in panel.members}
        panels.append(PanelProgress(panel, judges, panel_entries))
    short = [row for group in panels for row in group.entries if row.short]
    totals = {
        "entries": len(entries),
        "assignments": len(assignments) - len(conflicted),
        "submitted": sum(1 for a in assignments if a.submitted_at is not None and a.id not in conflicted),
        "short": len(short),
        "conflicted": len(conflicted),
    }
    return panels, short, totals


def send_reminders(competition, actor=None):
    """Queue one outbox message per judge with open sheets in this competition; returns how many."""
    open_by_judge = defaultdict(list)
    for assignment in competition_assignments(competition.id):
        entry = assignment.entry
        if assignment.submitted_at is None and entry.in_judging and not access.has_conflict(assignment.judge,
                                                                                             entry):
            open_by_judge[assignment.judge_id].append(assignment)
    stage = competition.stage(JUDGING)
    sent = []
    for judge in _users(open_by_judge):
        if not judge.is_active:
            continue
        queue_mail(judge.email, _("Reminder: %(count)s score sheets to complete for %(title)s",
                                  count=len(open_by_judge[judge.id]), title=competition.title),
                   "competitions/mail/judging_reminder.txt", judge=judge, competition=competition,
                   assignments=open_by_judge[judge.id], closes_at=stage.closes_at if stage else None)
        sent.append(judge.id)
    audit("competitions.reminders_sent", f"competition:{competition.id}", actor=actor, judges=sent)
    return len(sent)
