"""Setting up live finals: finals and their settings, sessions, and running orders.

Every change is checked completely before anything is written; a refusal is a
``SetupRefused`` (a translated message, optionally per form field) and leaves the
database as it was. Changes are audited as ``brand_stories.<verb>``; the views commit.
"""
from __future__ import annotations

from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from plugins.competitions.models import SUBMITTED, Category, Competition, Entry

from .access import MAX_ID
from .models import ENDED, SCHEDULED, LikeTotal, LiveFinal, LiveSession, Slot

SETTINGS = ("likes_cap", "viewers", "max_batch", "viewer_batches_per_minute", "ip_batches_per_minute")
TITLE_MAX = PRESENTER_MAX = 200


class SetupRefused(Exception):
    """A refusal for the manager: ``errors`` maps form field names (or None) to messages."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__("; ".join(message for messages in errors.values() for message in messages))

    @classmethod
    def of(cls, message, field=None):
        return cls({field: [message]})


def _get(model, object_id):
    """The row with this id, or None (also for ids no table holds, which some databases refuse)."""
    if not isinstance(object_id, int) or not 0 < object_id <= MAX_ID:
        return None
    return db.session.get(model, object_id)


def final_target(final):
    return f"live final {final.id}: {final.competition.title}"


def session_target(session):
    return f"live session {session.id}: {session.title}"


# -- finals --------------------------------------------------------------------


def competitions_without_final():
    """Competitions that can become a live final: those without one yet, newest first."""
    taken = db.select(LiveFinal.competition_id)
    return db.session.scalars(
        db.select(Competition).where(Competition.id.not_in(taken))
        .order_by(Competition.year.desc().nulls_last(), Competition.id.desc())
    ).all()


def all_competitions():
    return db.session.scalars(
        db.select(Competition).order_by(Competition.year.desc().nulls_last(), Competition.id.desc())).all()


def _preliminary(competition_id, preliminary_id):
    """The preliminary competition (None for none); refused if missing or the final itself."""
    if not preliminary_id:
        return None
    if preliminary_id == competition_id:
        raise SetupRefused.of(_("The preliminary round must be another competition than the final."),
                              "preliminary_id")
    preliminary = _get(Competition, preliminary_id)
    if preliminary is None:
        raise SetupRefused.of(_("Choose a preliminary competition from the list."), "preliminary_id")
    return preliminary


def create_final(competition_id, preliminary_id, settings, actor):
    competition = _get(Competition, competition_id)
    if competition is None:
        raise SetupRefused.of(_("Choose the final's competition from the list."), "competition_id")
    if db.session.scalar(db.select(LiveFinal.id).where(LiveFinal.competition_id == competition.id)):
        raise SetupRefused.of(_("This competition already has a live final."), "competition_id")
    preliminary = _preliminary(competition.id, preliminary_id)
    final = LiveFinal(competition=competition, preliminary=preliminary,
                      **{name: settings[name] for name in SETTINGS})
    _set_likes_score(competition, settings)
    db.session.add(final)
    db.session.flush()
    audit("brand_stories.final_created", final_target(final), actor=actor, competition=competition.id,
          preliminary=preliminary.id if preliminary else None, **_audited(settings))
    return final


def _set_likes_score(competition, settings):
    """The likes' part of the final score is the final competition's vote weight and basis."""
    if "likes_weight" in settings:
        competition.vote_weight = settings["likes_weight"] / 100
        competition.vote_basis = settings["likes_basis"]


def _audited(settings):
    return {name: settings[name] for name in (*SETTINGS, "likes_weight", "likes_basis") if name in settings}


def update_final(final, preliminary_id, settings, actor):
    preliminary = _preliminary(final.competition_id, preliminary_id)
    final.preliminary = preliminary
    for name in SETTINGS:
        setattr(final, name, settings[name])
    _set_likes_score(final.competition, settings)
    audit("brand_stories.final_updated", final_target(final), actor=actor,
          preliminary=preliminary.id if preliminary else None, **_audited(settings))
    return final


# -- sessions ------------------------------------------------------------------


def _category(final, category_id):
    if not category_id:
        return None
    category = _get(Category, category_id)
    if category is None or category.competition_id != final.competition_id:
        raise SetupRefused.of(_("Choose a category of the final's competition, or none."), "category_id")
    return category


def add_session(final, *, title, category_id, starts_at, actor):
    category = _category(final, category_id)
    position = max((session.position for session in final.sessions), default=-1) + 1
    session = LiveSession(final=final, title=title, category=category, starts_at=starts_at, position=position,
                          cap=final.likes_cap)
    db.session.add(session)
    db.session.flush()
    audit("brand_stories.session_added", session_target(session), actor=actor, final=final.id,
          category=category.id if category else None)
    return session


def update_session(session, *, title, category_id, starts_at, actor):
    category = _category(session.final, category_id)
    if category is not None and category.id != session.category_id:
        wrong = [slot.entry.number or slot.entry.title for slot in session.slots
                 if slot.entry.category_id != category.id]
        if wrong:
            raise SetupRefused.of(_("The running order holds entries of another category (%(entries)s): remove "
                                    "them before choosing this category.", entries=", ".join(wrong)),
                                  "category_id")
    session.title, session.category, session.starts_at = title, category, starts_at
    audit("brand_stories.session_updated", session_target(session), actor=actor,
          category=category.id if category else None)
    return session


def has_likes(session):
    return db.session.scalar(db.select(LikeTotal.entry_id).where(LikeTotal.session_id == session.id)
                             .limit(1)) is not None


def delete_refusal(session):
    """Why ``session`` may not be deleted (a translated message), or None."""
    if session.status != SCHEDULED:
        return _("The session \"%(title)s\" has started: it cannot be deleted.", title=session.title)
    if has_likes(session):
        return _("The session \"%(title)s\" has likes: it cannot be deleted.", title=session.title)
    return None


def delete_session(session, actor):
    refusal = delete_refusal(session)
    if refusal:
        raise SetupRefused.of(refusal)
    final = session.final
    audit("brand_stories.session_deleted", session_target(session), actor=actor, final=final.id)
    final.sessions.remove(session)
    for position, other in enumerate(final.sessions):
        other.position = position


# -- running orders ----------------------------------------------------------------


def candidates(session):
    """Entries that may join ``session``'s running order: submitted entries of the final's
    competition (of the session's category, if it has one) not already in it."""
    query = db.select(Entry).where(Entry.competition_id == session.final.competition_id,
                                   Entry.status == SUBMITTED)
    if session.category_id:
        query = query.where(Entry.category_id == session.category_id)
    taken = {slot.entry_id for slot in session.slots}
    return [entry for entry in db.session.scalars(query.order_by(Entry.number, Entry.id)) if entry.id not in taken]


def renumber(session):
    for position, slot in enumerate(session.slots):
        slot.position = position


def add_slot(session, entry_id, presenter, actor):
    if session.status == ENDED:
        raise SetupRefused.of(_("The session has ended: its running order can no longer change."), "entry_id")
    entry = next((entry for entry in candidates(session) if entry.id == entry_id), None)
    if entry is None:
        raise SetupRefused.of(_("Choose a submitted finalist of this session's category that is not in the "
                                "running order yet."), "entry_id")
    slot = Slot(entry=entry, presenter=presenter or "", position=len(session.slots))
    session.slots.append(slot)
    db.session.flush()
    audit("brand_stories.slot_added", session_target(session), actor=actor, entry=entry.id, number=entry.number,
          position=slot.position)
    return slot


def set_presenter(slot, presenter, actor):
    slot.presenter = presenter or ""
    audit("brand_stories.presenter_set", session_target(slot.session), actor=actor, entry=slot.entry_id,
          presenter=slot.presenter)


def move_slot(slot, offset, actor):
    """Move ``slot`` ``offset`` places in its running order; False at an end."""
    session = slot.session
    slots = list(session.slots)
    index = slots.index(slot)
    target = index + offset
    if not 0 <= target < len(slots):
        return False
    slots[index], slots[target] = slots[target], slots[index]
    for position, item in enumerate(slots):
        item.position = position
    audit("brand_stories.slot_moved", session_target(session), actor=actor, entry=slot.entry_id,
          position=slot.position)
    return True


def remove_slot(slot, actor):
    if slot.opened_at is not None:
        raise SetupRefused.of(_("%(title)s has already been on stage: it stays in the running order.",
                                title=slot.entry.title))
    session = slot.session
    audit("brand_stories.slot_removed", session_target(session), actor=actor, entry=slot.entry_id)
    session.slots.remove(slot)
    renumber(session)
