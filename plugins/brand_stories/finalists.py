"""Finalists: promoting the preliminary round's best entries into the final's competition.

The source is the preliminary's *published* results (``competitions.results``): per
category the manager takes the top N by rank and/or ticks entries by hand. Each chosen
entry becomes an entry of the final (same organisation, title, team, summary and author;
the category with the same code; submitted and admitted) and may join the running order
of the session of its category. The final keeps no column pointing back: an entry of the
final with the same organisation and title counts as already promoted, and is skipped.
All or nothing: any refusal leaves the database as it was.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from core.users.models import utcnow
from plugins.competitions import results as published
from plugins.competitions.entries import next_number
from plugins.competitions.models import PASSED, SUBMITTED, Entry

from .models import ENDED, Slot
from .setup import SetupRefused, final_target


@dataclass
class Candidate:
    result: object  # competitions Result
    promoted: bool  # the final already has an entry of this organisation with this title

    @property
    def entry(self):
        return self.result.entry


@dataclass
class Report:
    created: list = field(default_factory=list)  # new entries of the final
    skipped: list = field(default_factory=list)  # preliminary entries already promoted
    appended: list = field(default_factory=list)  # (entry, session) added to a running order
    without_session: list = field(default_factory=list)  # new entries whose category has no open session


def _key(organisation_id, title):
    return organisation_id, (title or "").strip()


def promoted_keys(final):
    rows = db.session.execute(db.select(Entry.organisation_id, Entry.title)
                              .where(Entry.competition_id == final.competition_id))
    return {_key(organisation_id, title) for organisation_id, title in rows}


def source_refusal(final):
    """Why the final has no finalists to choose from (a translated message), or None."""
    if final.preliminary is None:
        return _("Choose the preliminary round in the final's settings first.")
    if not final.preliminary.results_published:
        return _("The preliminary round's results are not published yet.")
    return None


def candidates_by_category(final):
    """[(category of the preliminary, [Candidate by rank])] from the published results."""
    if source_refusal(final):
        return []
    done = promoted_keys(final)
    rows = published.published_results(final.preliminary)
    grouped = []
    for category in final.preliminary.categories:
        ranked = sorted((row for row in rows if row.category_id == category.id),
                        key=lambda row: (row.rank, row.entry.number or "", row.entry_id))
        if ranked:
            grouped.append((category, [Candidate(row, _key(row.entry.organisation_id, row.entry.title) in done)
                                       for row in ranked]))
    return grouped


def chosen(final, top_n: dict, ticked: set):
    """The preliminary entries chosen: the top ``top_n[category id]`` ranks of each category
    (ties at the boundary come along) plus the ticked ones, in category and rank order."""
    picked = []
    for category, candidates in candidates_by_category(final):
        count = top_n.get(category.id) or 0
        cutoff = candidates[min(count, len(candidates)) - 1].result.rank if count > 0 else None
        for candidate in candidates:
            if (cutoff is not None and candidate.result.rank <= cutoff) or candidate.entry.id in ticked:
                picked.append(candidate)
    return picked


def _final_categories(final, picked):
    """The final's category for each picked entry, by code; refused naming every missing code."""
    by_code = {(category.code or "").strip(): category for category in final.competition.categories
               if (category.code or "").strip()}
    missing = []
    for candidate in picked:
        code = (candidate.entry.category.code or "").strip()
        if code not in by_code:
            label = f"{candidate.entry.category.name} ({code})" if code else candidate.entry.category.name
            if label not in missing:
                missing.append(label)
    if missing:
        raise SetupRefused.of(_("The final has no category with the code of: %(categories)s. Add it to the "
                                "final's competition (same code) first.", categories=", ".join(missing)))
    return {candidate.entry.id: by_code[(candidate.entry.category.code or "").strip()] for candidate in picked}


def _session_for(final, category):
    return next((session for session in final.sessions
                 if session.category_id == category.id and session.status != ENDED), None)


def promote(final, top_n: dict, ticked: set, *, add_to_order: bool, actor) -> Report:
    """Create the chosen finalists in the final's competition; the caller commits."""
    refusal = source_refusal(final)
    if refusal:
        raise SetupRefused.of(refusal)
    picked = chosen(final, top_n, ticked)
    if not picked:
        raise SetupRefused.of(_("Choose at least one finalist: a number per category or ticked entries."))
    categories = _final_categories(final, picked)
    report, now = Report(), utcnow()
    done = promoted_keys(final)
    for candidate in picked:
        source = candidate.entry
        key = _key(source.organisation_id, source.title)
        if key in done:
            report.skipped.append(source)
            continue
        done.add(key)
        entry = Entry(competition_id=final.competition_id, category_id=categories[source.id].id,
                      organisation_id=source.organisation_id, created_by_id=source.created_by_id,
                      title=source.title, team_members=source.team_members, summary=source.summary,
                      status=SUBMITTED, submitted_at=now, screening=PASSED, screened_at=now,
                      screened_by_id=getattr(actor, "id", None))
        db.session.add(entry)
        db.session.flush()
        entry.number = next_number(entry)
        db.session.flush()
        report.created.append(entry)
        if add_to_order:
            _append(final, entry, categories[source.id], report)
    audit("brand_stories.finalists_promoted", final_target(final), actor=actor,
          preliminary=final.preliminary_id, created=[entry.number for entry in report.created],
          skipped=[entry.id for entry in report.skipped],
          appended=[entry.number for entry, _session in report.appended])
    return report


def _append(final, entry, category, report):
    session = _session_for(final, category)
    if session is None:
        report.without_session.append(entry)
        return
    session.slots.append(Slot(entry=entry, position=len(session.slots), presenter=""))
    db.session.flush()
    report.appended.append((entry, session))
