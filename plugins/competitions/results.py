"""Results: the ranking computed from the database with the scoring library, and its publication.

``compute(competition)`` reads the entries in judging, the submitted score
sheets and the valid votes, hands them to ``scoring`` / ``scoring_awards``
(never re-implementing aggregation, ties or tiers) and returns a ``Preview``:
rankings per category, tiers, special awards, what is missing. ``publish``
freezes a preview into ``Result`` rows, so that later edits cannot move a
published result until the next publication.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from core.audit import audit
from core.extensions import db
from core.plugins import get_host
from core.users.models import utcnow
from plugins.competitions import access, scoring, scoring_awards
from plugins.competitions.models import (
    JUDGING,
    PASSED,
    SUBMITTED,
    VOTING,
    Assignment,
    Criterion,
    Entry,
    Result,
    Score,
    SpecialAward,
    SpecialAwardWinner,
    Vote,
)

MANUAL, VOTES = "manual", "votes"


class ResultsError(Exception):
    """A refusal with a translated message for the manager (publishing too early, unscored entries...)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    """One ranked entry of the preview."""

    entry: Entry
    rank: int
    tied: bool
    decided_by: str | None
    score: scoring.EntryScore
    tier: str | None = None
    recommended_onward: bool = False
    boundary_tie: bool = False
    overall_rank: int | None = None
    special_awards: list = field(default_factory=list)  # names

    @property
    def judges(self):
        return len(self.score.judge_totals)


@dataclass
class CategoryResult:
    category: object  # models.Category
    rows: list  # Row, by rank
    unscored: list  # Entry without any submitted sheet
    tier_counts: dict  # tier name -> count


@dataclass
class SpecialResult:
    award: SpecialAward
    entries: list  # Entry


@dataclass
class Preview:
    competition: object
    categories: list = field(default_factory=list)  # CategoryResult, in the competition's order
    specials: list = field(default_factory=list)  # SpecialResult
    missing_sheets: int = 0  # assigned sheets not submitted (they block publication)
    conflicted_sheets: list = field(default_factory=list)  # Assignment whose judge is now in conflict (ignored)
    errors: list = field(default_factory=list)  # translated messages: the ranking could not be computed
    tier_totals: dict = field(default_factory=dict)

    @property
    def rows(self):
        return [row for category in self.categories for row in category.rows]

    @property
    def unscored(self):
        return [entry for category in self.categories for entry in category.unscored]

    @property
    def blockers(self):
        """Why this preview may not be published (translated messages); empty when it may."""
        messages = list(self.errors)
        if self.unscored:
            messages.append(_("%(count)s entries have no submitted score sheet and are not ranked; "
                              "they must be scored (or taken out of judging) before publishing.",
                              count=len(self.unscored)))
        if self.missing_sheets:
            messages.append(_("%(count)s score sheets are still open: wait for them to be submitted, or remove "
                              "those assignments.", count=self.missing_sheets))
        if not self.errors and not self.rows:
            messages.append(_("There is no scored entry to publish."))
        return messages

    def row_for(self, entry_id):
        return next((row for row in self.rows if row.entry.id == entry_id), None)


# -- reading the database ------------------------------------------------------


def judged_entries(competition):
    return db.session.scalars(
        db.select(Entry)
        .where(Entry.competition_id == competition.id, Entry.status == SUBMITTED, Entry.screening == PASSED)
        .order_by(Entry.number, Entry.id)
    ).all()


def vote_tallies(competition):
    """{entry id: (votes, reached_at)}: the competition's own votes plus those other plugins add
    (hook ``competition_vote_counts``); reached_at is when the last counted vote arrived."""
    rows = db.session.execute(
        db.select(Vote.entry_id, db.func.count(Vote.id), db.func.max(Vote.created_at))
        .where(Vote.competition_id == competition.id, Vote.voided_at.is_(None))
        .group_by(Vote.entry_id)
    )
    tallies = {entry_id: (count, reached) for entry_id, count, reached in rows}
    for entry_id, count, reached in get_host().collect("competition_vote_counts", competition=competition):
        before, before_reached = tallies.get(entry_id, (0, None))
        latest = max((moment for moment in (before_reached, reached) if moment is not None), default=None)
        tallies[entry_id] = (before + count, latest)
    return tallies


def vote_counts(competition):
    return {entry_id: count for entry_id, (count, _reached) in vote_tallies(competition).items()}


def vote_name(competition):
    return get_host().hook.competition_vote_name(competition=competition) or _("votes")


def has_other_votes(competition):
    """Whether another plugin counts votes for this competition (live likes of a final)."""
    return get_host().hook.competition_vote_name(competition=competition) is not None


def score_formula(competition):
    """How the final score is computed, in sentences for the results pages."""
    max_total = sum(criterion.weight * criterion.max_score for criterion in competition.criteria)
    expert = {scoring.MEAN: _("the mean of the judges' weighted totals"),
              scoring.TRIMMED_MEAN: _("the mean of the judges' weighted totals without the highest and the "
                                      "lowest")}.get(competition.aggregation_method, competition.aggregation_method)
    maximum = f"{max_total:g}"
    lines = [_("Judges' score: %(expert)s, out of %(max)s.", expert=expert, max=maximum)]
    if competition.normalise_judges:
        lines.append(_("Each judge's totals are first normalised (z-scores mapped back to the scale), so that "
                       "lenient and strict judges weigh the same."))
    weight = competition.vote_weight or 0
    if not weight:
        lines.append(_("Final score = judges' score."))
        return lines
    name = vote_name(competition)
    expert_share, vote_share = f"{100 * (1 - weight):g}", f"{100 * weight:g}"
    lines.append(_("Final score = %(expert)s%% × judges' score + %(votes)s%% × %(name)s score.",
                   expert=expert_share, votes=vote_share, name=name))
    if competition.vote_basis == scoring.RANK_POINTS:
        lines.append(_("The %(name)s score is by rank within the category: the most %(name)s give %(max)s, each "
                       "place lower one n-th less (n entries in the category); none give 0.",
                       name=name, max=maximum))
    else:
        lines.append(_("The %(name)s score is an entry's %(name)s divided by the most in its category, times "
                       "%(max)s.", name=name, max=maximum))
    return lines


def conflicted_assignments(entry_ids):
    """Assignments of these entries whose judge is now in conflict with the entry (a conflict declared or
    a membership added after the assignment): their sheets never count."""
    if not entry_ids:
        return []
    assignments = db.session.scalars(
        db.select(Assignment).where(Assignment.entry_id.in_(entry_ids)).order_by(Assignment.id)).all()
    sets = {}
    found = []
    for assignment in assignments:
        entry = assignment.entry
        key = (entry.competition_id, assignment.judge_id)
        if key not in sets:
            sets[key] = access.conflict_sets(entry.competition_id, assignment.judge)
        entry_ids_out, organisation_ids = sets[key]
        if entry.id in entry_ids_out or entry.organisation_id in organisation_ids:
            found.append(assignment)
    return found


def submitted_score_rows(entry_ids, conflicted=None):
    """(entry id, judge id, criterion key, value) of submitted sheets only, without conflicted judges'."""
    if not entry_ids:
        return []
    if conflicted is None:
        conflicted = conflicted_assignments(entry_ids)
    excluded = [assignment.id for assignment in conflicted]
    query = (
        db.select(Assignment.entry_id, Assignment.judge_id, Criterion.key, Score.value)
        .join(Score, Score.assignment_id == Assignment.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .where(Assignment.entry_id.in_(entry_ids), Assignment.submitted_at.is_not(None))
        .order_by(Assignment.entry_id, Assignment.judge_id, Criterion.key)
    )
    if excluded:
        query = query.where(Assignment.id.not_in(excluded))
    return db.session.execute(query).all()


def missing_sheet_count(entry_ids, conflicted=()):
    """Assigned sheets not submitted yet (a conflicted judge's sheet is reported apart, not here)."""
    if not entry_ids:
        return 0
    query = db.select(db.func.count(Assignment.id)).where(Assignment.entry_id.in_(entry_ids),
                                                         Assignment.submitted_at.is_(None))
    excluded = [assignment.id for assignment in conflicted]
    if excluded:
        query = query.where(Assignment.id.not_in(excluded))
    return db.session.scalar(query)


# -- computing -------------------------------------------------------------------


EPOCH = datetime(1970, 1, 1)
VOTES_REACHED_AT = "votes_reached_at"
# Between equal votes that the competition's own tie-breaks leave tied, a special award by votes goes
# to the entry that reached its count first.
REACHED_FIRST = scoring.by_extra(VOTES_REACHED_AT, higher_wins=False)


def _timestamp(moment):
    return None if moment is None else (moment - EPOCH).total_seconds()


def _category_key(category_id):
    return str(category_id)


def _library_error(error):
    return _("The ranking cannot be computed with the current settings: %(detail)s", detail=str(error))


def compute(competition):
    """The current ranking of ``competition`` as a Preview; never raises for bad settings or data."""
    preview = Preview(competition)
    entries = judged_entries(competition)
    entry_by_id = {entry.id: entry for entry in entries}
    entry_ids = list(entry_by_id)
    preview.conflicted_sheets = conflicted_assignments(entry_ids)
    preview.missing_sheets = missing_sheet_count(entry_ids, preview.conflicted_sheets)
    tallies = vote_tallies(competition)
    votes = {entry_id: count for entry_id, (count, _reached) in tallies.items()}
    rows = submitted_score_rows(entry_ids, preview.conflicted_sheets)
    scored_ids = {row[0] for row in rows}
    unscored = [entry for entry in entries if entry.id not in scored_ids]

    ranking, overall, awards, overall_awards, scores = {}, None, {}, None, []
    try:
        if not competition.criteria:
            raise ResultsError(_("The rubric has no criteria yet."))
        rubric = scoring.Rubric(tuple(
            scoring.Criterion(criterion.key, criterion.weight, criterion.min_score, criterion.max_score)
            for criterion in competition.criteria
        ))
        library_entries = [
            scoring.Entry(entry.id, _category_key(entry.category_id), entry.submitted_at, votes.get(entry.id, 0),
                          {VOTES_REACHED_AT: _timestamp(tallies.get(entry.id, (0, None))[1])})
            for entry in entries if entry.id in scored_ids
        ]
        aggregation = scoring.Aggregation(method=competition.aggregation_method,
                                          normalise_judges=competition.normalise_judges,
                                          vote_weight=competition.vote_weight,
                                          vote_basis=competition.vote_basis)
        chain = scoring.tie_break_chain(competition.tie_breaks or [])
        scores = scoring.score_entries(rubric, library_entries, scoring.sheets_from_rows(rows), aggregation)
        ranking = scoring.rank_by_category(scores, chain)
        tiers = [scoring_awards.AwardTier(tier.name, tier.quota, tier.min_score, tier.recommended_onward)
                 for tier in competition.tiers]
        if competition.tiers_per_category:
            awards = scoring_awards.assign_tiers_by_category(ranking, tiers, competition.quota_policy)
        else:
            overall = scoring.rank_entries(scores, chain)
            overall_awards = scoring_awards.assign_tiers(overall, tiers, competition.quota_policy)
        specials = _special_awards(competition, scores, chain, entry_by_id)
    except ResultsError as error:
        preview.errors.append(error.message)
        ranking, specials = {}, []
    except (ValueError, TypeError) as error:
        preview.errors.append(_library_error(error))
        ranking, specials = {}, []

    award_of = {}
    for category_awards in awards.values():
        award_of.update({award.entry_id: award for award in category_awards})
    if overall_awards is not None:
        award_of.update({award.entry_id: award for award in overall_awards})
    overall_rank = {ranked.entry_id: ranked.rank for ranked in overall or ()}
    won = defaultdict(list)
    for special in specials:
        for entry in special.entries:
            won[entry.id].append(special.award.name)

    tier_names = [tier.name for tier in competition.tiers]
    for category in competition.categories:
        category_rows = []
        for ranked in ranking.get(_category_key(category.id), ()):
            award = award_of.get(ranked.entry_id)
            category_rows.append(Row(
                entry=entry_by_id[ranked.entry_id], rank=ranked.rank, tied=ranked.tied,
                decided_by=ranked.decided_by, score=ranked.score,
                tier=award.tier if award else None,
                recommended_onward=bool(award and award.recommended_onward),
                boundary_tie=bool(award and award.boundary_tie),
                overall_rank=overall_rank.get(ranked.entry_id),
                special_awards=won.get(ranked.entry_id, []),
            ))
        counts = {name: sum(1 for row in category_rows if row.tier == name) for name in tier_names}
        preview.categories.append(CategoryResult(
            category, category_rows, [entry for entry in unscored if entry.category_id == category.id], counts
        ))
    preview.tier_totals = {name: sum(c.tier_counts[name] for c in preview.categories) for name in tier_names}
    preview.specials = specials
    return preview


def _special_awards(competition, scores, chain, entry_by_id):
    results = []
    for award in competition.special_awards:
        if award.basis == VOTES:
            winners = scoring_awards.special_award(
                scores, award.name, lambda score: score.votes or None, winners=award.winners,
                per_category=award.per_category, tie_breaks=(*chain, REACHED_FIRST), policy=competition.quota_policy,
            )
            entries = [entry_by_id[winner.entry_id] for winner in winners]
        else:
            entries = [holder.entry for holder in manual_winners(award) if holder.entry_id in entry_by_id]
        results.append(SpecialResult(award, sorted(entries, key=lambda entry: (entry.number or "", entry.id))))
    return results


def manual_winners(award):
    return db.session.scalars(
        db.select(SpecialAwardWinner).where(SpecialAwardWinner.special_award_id == award.id)
        .order_by(SpecialAwardWinner.decided_at, SpecialAwardWinner.entry_id)
    ).all()


# -- manual special awards ---------------------------------------------------------


def add_special_winner(award, entry, user):
    """Give a manual special award to an entry in judging; refuses beyond the award's number of winners."""
    if award.basis != MANUAL:
        raise ResultsError(_("This award is decided by the votes, not by hand."))
    if entry.competition_id != award.competition_id or not entry.in_judging:
        raise ResultsError(_("Only an entry in judging of this competition can receive the award."))
    holders = manual_winners(award)
    if any(holder.entry_id == entry.id for holder in holders):
        raise ResultsError(_("This entry already holds the award."))
    same_group = [holder for holder in holders
                  if not award.per_category or holder.entry.category_id == entry.category_id]
    if len(same_group) >= award.winners:
        raise ResultsError(_('The award "%(name)s" already has its %(count)s winner(s); remove one first.',
                             name=award.name, count=award.winners))
    db.session.add(SpecialAwardWinner(award=award, entry=entry, decided_by_id=user.id))
    audit("competitions.special_award_given", entry.id, competition=award.competition_id, award=award.name,
          number=entry.number)


def remove_special_winner(award, entry):
    holder = db.session.get(SpecialAwardWinner, (award.id, entry.id))
    if holder is None:
        raise ResultsError(_("This entry does not hold the award."))
    db.session.delete(holder)
    audit("competitions.special_award_removed", entry.id, competition=award.competition_id, award=award.name,
          number=entry.number)


# -- publication ---------------------------------------------------------------------


def judging_closed(competition, now=None):
    stage = competition.stage(JUDGING)
    return stage is None or stage.has_closed(now)


def vote_closed(competition, now=None):
    """True when the competition has no public vote, or its vote has closed."""
    stage = competition.stage(VOTING)
    return stage is None or stage.has_closed(now)


def publish(competition, user):
    """Freeze the current ranking into Result rows and publish them; ResultsError when refused.

    The caller commits (one transaction: old rows go, new rows come, the timestamp is set).
    """
    if not judging_closed(competition):
        raise ResultsError(_("Results can be published once the judging stage has closed."))
    if not vote_closed(competition):
        raise ResultsError(_("Results can be published once the public vote has closed."))
    preview = compute(competition)
    blockers = preview.blockers
    if blockers:
        raise ResultsError(" ".join(blockers))
    now = utcnow()
    db.session.execute(db.delete(Result).where(Result.competition_id == competition.id))
    for row in preview.rows:
        db.session.add(Result(
            competition_id=competition.id, entry_id=row.entry.id, category_id=row.entry.category_id,
            rank=row.rank, tied=row.tied, decided_by=row.decided_by, final_score=row.score.final_score,
            expert_score=row.score.expert_score, vote_score=row.score.vote_score, votes=row.score.votes,
            judges=row.judges, tier=row.tier, recommended_onward=row.recommended_onward,
            boundary_tie=row.boundary_tie, special_awards=list(row.special_awards), computed_at=now,
        ))
    competition.results_published_at = now
    audit("competitions.results_published", competition.id, slug=competition.slug, entries=len(preview.rows),
          tiers=preview.tier_totals, conflicted_sheets=[a.id for a in preview.conflicted_sheets], actor=user)
    return preview


def unpublish(competition, user):
    if not competition.results_published:
        raise ResultsError(_("The results are not published."))
    competition.results_published_at = None
    audit("competitions.results_unpublished", competition.id, slug=competition.slug, actor=user)


# -- published results ----------------------------------------------------------------


def published_results(competition):
    """The frozen Result rows, [] when unpublished."""
    if not competition.results_published:
        return []
    return db.session.scalars(
        db.select(Result).where(Result.competition_id == competition.id).order_by(Result.rank, Result.entry_id)
    ).all()


def tier_order(competition):
    positions = {tier.name: index for index, tier in enumerate(competition.tiers)}
    return lambda result: (positions.get(result.tier, len(positions)) if result.tier else len(positions) + 1,
                           result.rank, result.entry_id)


def published_by_category(competition):
    """[(category, [Result ordered by tier then rank])] of the published results; awarded rows only
    when the competition has tiers, every ranked row otherwise."""
    results = published_results(competition)
    key = tier_order(competition)
    grouped = []
    for category in competition.categories:
        rows = [result for result in results if result.category_id == category.id
                and (result.tier or not competition.tiers)]
        if rows:
            grouped.append((category, sorted(rows, key=key)))
    return grouped


def published_specials(competition):
    """[(award name, [Result])] for every special award someone won, in the awards' order."""
    results = published_results(competition)
    specials = []
    for award in competition.special_awards:
        winners = [result for result in results if award.name in (result.special_awards or [])]
        if winners:
            specials.append((award.name, sorted(winners, key=lambda r: (r.category.position, r.rank, r.entry_id))))
    return specials


def awards_of(result):
    """Every award an entry received as published: its tier first, then special awards."""
    return ([result.tier] if result.tier else []) + list(result.special_awards or [])
