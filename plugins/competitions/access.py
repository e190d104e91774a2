"""Who may see and do what in the competitions plugin, beyond the route declarations.

Routes declare their permission with core.permissions; these helpers answer
the per-object questions: which organisations a member acts for, whether a
judge may open an entry (assigned and free of conflicts), what a screener sees.
"""
from flask import abort
from flask_login import current_user

from core.extensions import db
from core.permissions import user_has_permission
from core.users.models import Membership
from plugins.competitions.models import Assignment, Competition, Conflict, Entry

MANAGE = "competitions.manage"
SCREEN = "competitions.screen"
JUDGE = "competitions.judge"
# Ids that no table reaches; larger numbers in a URL are refused before a query.
MAX_ID = 2**31 - 1


def member_organisation_ids(user):
    """The organisations ``user`` may submit and follow entries for (active memberships)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [membership.organisation_id for membership in user.memberships if membership.organisation.active]


def can(permission, user=None):
    user = current_user if user is None else user
    return bool(getattr(user, "is_authenticated", False)) and user_has_permission(user, permission)


def is_judge(user):
    return can(JUDGE, user)


def get_or_404(model, object_id):
    if not 0 < object_id <= MAX_ID:
        abort(404)
    return db.get_or_404(model, object_id)


def competition_by_slug_or_404(slug, *, listed_only=True):
    competition = db.session.scalar(db.select(Competition).where(Competition.slug == slug))
    if competition is None or (listed_only and not competition.listed and not can(SCREEN)):
        abort(404)
    return competition


def member_entry_or_404(entry_id, user=None):
    """An entry of one of the user's organisations; 404 for anything else, so ids reveal nothing."""
    user = current_user if user is None else user
    entry = db.session.get(Entry, entry_id) if 0 < entry_id <= MAX_ID else None
    if entry is None or entry.organisation_id not in member_organisation_ids(user):
        abort(404)
    return entry


# -- conflicts of interest ---------------------------------------------------


def judge_organisation_ids(judge):
    """Every organisation the judge belongs to, active or not: a past tie is still a tie."""
    return set(db.session.scalars(db.select(Membership.organisation_id).where(Membership.user_id == judge.id)))


def conflict_sets(competition_id, judge):
    """(entry ids, organisation ids) the judge may not judge in this competition."""
    entry_ids, organisation_ids = set(), judge_organisation_ids(judge)
    for conflict in db.session.scalars(
        db.select(Conflict).where(Conflict.competition_id == competition_id, Conflict.judge_id == judge.id)
    ):
        if conflict.entry_id is not None:
            entry_ids.add(conflict.entry_id)
        if conflict.organisation_id is not None:
            organisation_ids.add(conflict.organisation_id)
    return entry_ids, organisation_ids


def has_conflict(judge, entry):
    entry_ids, organisation_ids = conflict_sets(entry.competition_id, judge)
    return entry.id in entry_ids or entry.organisation_id in organisation_ids


def judge_assignment_or_404(assignment_id, judge=None):
    """The judge's own assignment, never one in conflict; 404 otherwise (ids reveal nothing)."""
    judge = current_user if judge is None else judge
    assignment = db.session.get(Assignment, assignment_id) if 0 < assignment_id <= MAX_ID else None
    if assignment is None or assignment.judge_id != judge.id or has_conflict(judge, assignment.entry):
        abort(404)
    return assignment
