"""Aggregation and ranking of judges' scores: pure functions, no Flask, no database.

The competitions plugin (and brand_stories, which reuses it) turns stored rows
into the dataclasses below, calls these functions and stores or shows the
result. Awards (tiers, quotas, special awards) live in ``scoring_awards``.

Pipeline::

    sheets = sheets_from_rows(rows)                    # (entry, judge, criterion, value)
    scored = score_entries(rubric, entries, sheets, Aggregation("trimmed_mean"))
    ranking = rank_by_category(scored, tie_break_chain(["criterion:innovation", "first_places"]))

Determinism. Every sum goes through ``math.fsum`` (exactly rounded, so it does
not depend on the order of its terms), every collection is visited in sorted
order, and every score that takes part in a comparison is rounded to
``SCORE_DECIMALS`` (4) places with ``round``. Two entries whose scores agree to
4 decimals are therefore equal for ranking, even when the floating-point
paths that produced them differ in the last bit. The same input in any order
gives the same output.

Scales. A judge's total for an entry is the weighted sum of that judge's
criterion scores; ``Rubric.max_total`` is the highest possible total. Expert,
vote and final scores are all on that scale, so a rubric of weights summing to
1 with criteria 0..100 gives scores out of 100.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SCORE_DECIMALS = 4

MEAN = "mean"
TRIMMED_MEAN = "trimmed_mean"
AGGREGATION_METHODS = (MEAN, TRIMMED_MEAN)
RELATIVE_TO_BEST = "relative"  # votes / most votes in the category * max total
RANK_POINTS = "rank_points"  # by rank in votes within the category: first max total, each place one step less
VOTE_BASES = (RELATIVE_TO_BEST, RANK_POINTS)

EntryId = Hashable
JudgeId = Hashable


def _rounded(value: float) -> float:
    return round(value, SCORE_DECIMALS)


def _is_finite_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except TypeError:
        return False


def repeated(names: Iterable[str]) -> list[str]:
    """The names that occur more than once, sorted."""
    return sorted(name for name, count in Counter(names).items() if count > 1)


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


# -- input model ----------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One line of the rubric: a judge gives a score in ``min_score..max_score``, weighted by ``weight``."""

    name: str
    weight: float
    min_score: float = 0.0
    max_score: float = 10.0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"a criterion needs a non-empty name, got {self.name!r}")
        for label in ("weight", "min_score", "max_score"):
            value = getattr(self, label)
            if not _is_finite_number(value):
                raise ValueError(f"criterion {self.name!r}: {label} must be a finite number, got {value!r}")
        if self.weight < 0:
            raise ValueError(f"criterion {self.name!r} has a negative weight ({self.weight})")
        if self.min_score >= self.max_score:
            raise ValueError(
                f"criterion {self.name!r}: min_score ({self.min_score}) must be below max_score ({self.max_score})"
            )


@dataclass(frozen=True)
class Rubric:
    """The weighted criteria of a competition; at least one, unique names, not all weights zero."""

    criteria: tuple[Criterion, ...]

    def __post_init__(self):
        object.__setattr__(self, "criteria", tuple(self.criteria))
        if not self.criteria:
            raise ValueError("the rubric has no criteria")
        duplicates = repeated(criterion.name for criterion in self.criteria)
        if duplicates:
            raise ValueError(f"the rubric names a criterion more than once: {', '.join(duplicates)}")
        if all(criterion.weight == 0 for criterion in self.criteria):
            raise ValueError("every criterion of the rubric has weight 0; at least one must count")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(criterion.name for criterion in self.criteria)

    @property
    def min_total(self) -> float:
        return math.fsum(c.weight * c.min_score for c in self.criteria)

    @property
    def max_total(self) -> float:
        return math.fsum(c.weight * c.max_score for c in self.criteria)


@dataclass(frozen=True)
class Entry:
    """What ranking needs to know about an entry besides its scores.

    ``votes`` is the public-vote (or scoring-like) count; ``submitted_at`` is
    anything comparable (datetime, timestamp) for the "earlier submission"
    tie-break, None meaning unknown (ranks after every known time); ``extra``
    carries values for custom tie-breaks and special awards.
    """

    entry_id: EntryId
    category: str = ""
    submitted_at: Any = None
    votes: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if isinstance(self.votes, bool) or not isinstance(self.votes, int) or self.votes < 0:
            raise ValueError(f"entry {self.entry_id!r}: votes must be a whole number >= 0, got {self.votes!r}")


@dataclass(frozen=True)
class ScoreSheet:
    """One judge's scores for one entry: criterion name -> score."""

    entry_id: EntryId
    judge_id: JudgeId
    scores: Mapping[str, float]


def sheets_from_rows(rows: Iterable[tuple[EntryId, JudgeId, str, float]]) -> list[ScoreSheet]:
    """Group (entry, judge, criterion, value) rows, as a database returns them, into score sheets.

    A second row for the same (entry, judge, criterion) raises ValueError: a
    silently overwritten score is a lost score.
    """
    grouped: dict[tuple[EntryId, JudgeId], dict[str, float]] = {}
    for entry_id, judge_id, criterion, value in rows:
        sheet = grouped.setdefault((entry_id, judge_id), {})
        if criterion in sheet:
            raise ValueError(
                f"entry {entry_id!r}, judge {judge_id!r}: criterion {criterion!r} is scored more than once"
            )
        sheet[criterion] = value
    return [ScoreSheet(entry_id, judge_id, scores) for (entry_id, judge_id), scores in grouped.items()]


@dataclass(frozen=True)
class Aggregation:
    """How judges' totals become an entry's score.

    - ``method``: ``"mean"`` of the judges' totals, or ``"trimmed_mean"``,
      which drops the single highest and the single lowest total. With fewer
      than 3 judges nothing can be dropped without leaving nobody, so the
      trimmed mean falls back to the plain mean.
    - ``normalise_judges``: replace each judge's totals by z-scores over the
      entries that judge scored (in the input given), so that a lenient and a
      strict judge weigh the same. A judge with one entry, or who gave every
      entry the same total, says nothing about relative quality: their
      z-scores are 0 (the average). With ``rescale_normalised`` (default) the
      z-scores are mapped back to the rubric's scale as
      ``pooled_mean + z * pooled_sd``, with mean and population standard
      deviation of all judges' raw totals, so numbers stay readable. The
      method then applies to the normalised totals (the trimmed mean drops
      the highest and lowest of those).
    - ``vote_weight`` w in [0, 1]: final = (1 - w) * expert part + w * vote
      part. With ``vote_basis`` ``"relative"`` the vote part is ``votes / most
      votes in the category * rubric.max_total``; with ``"rank_points"`` it is
      ``max_total * (n - rank + 1) / n``, where n counts the category's entries
      and rank is the entry's place by votes (equal votes share the better
      place). Either way an entry without votes gets 0, and so does every entry
      of a category without votes.
    """

    method: str = MEAN
    normalise_judges: bool = False
    rescale_normalised: bool = True
    vote_weight: float = 0.0
    vote_basis: str = RELATIVE_TO_BEST

    def __post_init__(self):
        if self.vote_basis not in VOTE_BASES:
            raise ValueError(f"unknown vote basis {self.vote_basis!r}; use one of {', '.join(VOTE_BASES)}")
        if self.method not in AGGREGATION_METHODS:
            raise ValueError(f"unknown aggregation method {self.method!r}; use one of {', '.join(AGGREGATION_METHODS)}")
        if not _is_finite_number(self.vote_weight) or not 0 <= self.vote_weight <= 1:
            raise ValueError(f"vote_weight must be between 0 and 1, got {self.vote_weight!r}")
        if self.vote_weight > 0 and self.normalise_judges and not self.rescale_normalised:
            raise ValueError(
                "a vote component needs expert scores on the rubric scale: "
                "set rescale_normalised=True when normalise_judges and vote_weight are both used"
            )


# -- output model ---------------------------------------------------------


@dataclass(frozen=True)
class EntryScore:
    """An entry's aggregated score and the figures that tie-breaks use.

    ``judge_totals`` are the raw weighted totals per judge; ``criterion_means``
    the mean over judges of each weighted criterion score; ``first_places``
    how many judges gave this entry their highest total among the entries of
    its category they scored (a shared highest counts for each);
    ``full_marks`` how many criterion scores were at the criterion's maximum.
    """

    entry_id: EntryId
    category: str
    final_score: float
    expert_score: float
    vote_score: float
    judge_totals: Mapping[JudgeId, float]
    criterion_means: Mapping[str, float]
    first_places: int
    full_marks: int
    votes: int
    submitted_at: Any
    extra: Mapping[str, Any]


# -- scoring --------------------------------------------------------------


def score_entries(
    rubric: Rubric,
    entries: Iterable[Entry],
    sheets: Iterable[ScoreSheet],
    aggregation: Aggregation = Aggregation(),
) -> list[EntryScore]:
    """Validate every score sheet and aggregate it into one EntryScore per entry, sorted by entry id.

    Raises ValueError for a score outside its criterion's range, an unknown or
    missing criterion, a judge scoring an entry twice, a sheet for an unknown
    entry, an entry without any sheet, or a duplicate entry id.
    """
    entries_by_id = _index_entries(entries)
    totals, weighted_by_criterion, full_marks = _judge_totals(rubric, entries_by_id, sheets)
    missing = sorted(entry_id for entry_id in entries_by_id if entry_id not in totals)
    if missing:
        raise ValueError(f"entries without any score sheet: {', '.join(map(repr, missing))}")

    first_places = _first_places(totals, entries_by_id)
    expert_totals = _normalised_totals(totals) if aggregation.normalise_judges else totals
    if aggregation.normalise_judges and aggregation.rescale_normalised:
        expert_totals = _rescaled(expert_totals, totals)
    vote_parts = _vote_parts(entries_by_id, rubric.max_total, aggregation.vote_basis)
    weight = aggregation.vote_weight

    names = rubric.names
    results = []
    for entry_id in sorted(entries_by_id):
        entry = entries_by_id[entry_id]
        expert = _aggregate(list(expert_totals[entry_id].values()), aggregation.method)
        final = math.fsum(((1 - weight) * expert, weight * vote_parts[entry_id])) if weight else expert
        results.append(
            EntryScore(
                entry_id=entry_id,
                category=entry.category,
                final_score=_rounded(final),
                expert_score=_rounded(expert),
                vote_score=_rounded(vote_parts[entry_id]),
                judge_totals={judge: _rounded(total) for judge, total in sorted(totals[entry_id].items())},
                criterion_means={name: _rounded(_mean(weighted_by_criterion[entry_id][name])) for name in names},
                first_places=first_places[entry_id],
                full_marks=full_marks[entry_id],
                votes=entry.votes,
                submitted_at=entry.submitted_at,
                extra=dict(entry.extra),
            )
        )
    return results


def _index_entries(entries: Iterable[Entry]) -> dict[EntryId, Entry]:
    indexed: dict[EntryId, Entry] = {}
    for entry in entries:
        if entry.entry_id in indexed:
            raise ValueError(f"entry {entry.entry_id!r} is listed more than once")
        indexed[entry.entry_id] = entry
    return indexed


def _judge_totals(rubric: Rubric, entries_by_id: Mapping[EntryId, Entry], sheets: Iterable[ScoreSheet]):
    """Validate sheets; return raw totals[entry][judge], weighted scores per criterion, full-mark counts."""
    criteria = {criterion.name: criterion for criterion in rubric.criteria}
    totals: dict[EntryId, dict[JudgeId, float]] = defaultdict(dict)
    weighted_by_criterion: dict[EntryId, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    full_marks: dict[EntryId, int] = defaultdict(int)
    for sheet in sheets:
        _check_sheet(sheet, rubric, criteria, entries_by_id, totals)
        weighted = []
        by_criterion = weighted_by_criterion[sheet.entry_id]
        for name, criterion in criteria.items():
            value = sheet.scores[name]
            product = criterion.weight * float(value)
            weighted.append(product)
            by_criterion[name].append(product)
            if value == criterion.max_score:
                full_marks[sheet.entry_id] += 1
        totals[sheet.entry_id][sheet.judge_id] = math.fsum(weighted)
    return totals, weighted_by_criterion, full_marks


def _check_sheet(sheet: ScoreSheet, rubric: Rubric, criteria: Mapping[str, Criterion], entries_by_id, totals) -> None:
    where = f"entry {sheet.entry_id!r}, judge {sheet.judge_id!r}"
    if sheet.entry_id not in entries_by_id:
        raise ValueError(f"{where}: the entry is not among the entries being scored")
    if sheet.judge_id in totals.get(sheet.entry_id, ()):
        raise ValueError(f"{where}: this judge has more than one score sheet for the entry")
    if sheet.scores.keys() != criteria.keys():
        unknown = sorted(set(sheet.scores) - criteria.keys())
        if unknown:
            raise ValueError(f"{where}: unknown criterion {unknown[0]!r} (the rubric has: {', '.join(rubric.names)})")
        missing = [name for name in rubric.names if name not in sheet.scores]
        raise ValueError(f"{where}: criterion {missing[0]!r} has no score")
    for name, criterion in criteria.items():
        value = sheet.scores[name]
        if not _within(value, criterion.min_score, criterion.max_score):
            raise ValueError(
                f"{where}, criterion {name!r}: score {value!r} is outside "
                f"{criterion.min_score:g}..{criterion.max_score:g}"
            )


def _within(value: Any, low: float, high: float) -> bool:
    """low <= value <= high for a real number; False for NaN, infinities (bounds are finite), bools and non-numbers."""
    if isinstance(value, bool):
        return False
    try:
        return low <= value <= high
    except TypeError:
        return False


def _totals_by_judge(totals: Mapping[EntryId, Mapping[JudgeId, float]]) -> dict[JudgeId, dict[EntryId, float]]:
    by_judge: dict[JudgeId, dict[EntryId, float]] = defaultdict(dict)
    for entry_id, judge_totals in totals.items():
        for judge_id, total in judge_totals.items():
            by_judge[judge_id][entry_id] = total
    return by_judge


def _first_places(totals, entries_by_id) -> dict[EntryId, int]:
    """For each judge and category: the entries with that judge's highest (rounded) total get a first place."""
    counts = dict.fromkeys(entries_by_id, 0)
    for judge_totals in _totals_by_judge(totals).values():
        rounded = {entry_id: _rounded(total) for entry_id, total in judge_totals.items()}
        best_by_category: dict[str, float] = {}
        for entry_id, total in rounded.items():
            category = entries_by_id[entry_id].category
            best_by_category[category] = max(best_by_category.get(category, -math.inf), total)
        for entry_id, total in rounded.items():
            if total == best_by_category[entries_by_id[entry_id].category]:
                counts[entry_id] += 1
    return counts


def _normalised_totals(totals) -> dict[EntryId, dict[JudgeId, float]]:
    """Each judge's totals as z-scores over the entries that judge scored (population sd)."""
    normalised: dict[EntryId, dict[JudgeId, float]] = defaultdict(dict)
    for judge_id, judge_totals in _totals_by_judge(totals).items():
        mean, sd = _mean_and_sd(list(judge_totals.values()))
        for entry_id, total in judge_totals.items():
            # One entry or identical totals: no spread to standardise against, so the judge adds no ordering.
            normalised[entry_id][judge_id] = (total - mean) / sd if sd > 0 else 0.0
    return normalised


def _rescaled(normalised, raw) -> dict[EntryId, dict[JudgeId, float]]:
    pooled_mean, pooled_sd = _mean_and_sd([total for judge_totals in raw.values() for total in judge_totals.values()])
    return {
        entry_id: {judge_id: pooled_mean + z * pooled_sd for judge_id, z in judge_z.items()}
        for entry_id, judge_z in normalised.items()
    }


def _mean_and_sd(values: Sequence[float]) -> tuple[float, float]:
    mean = _mean(values)
    # Totals equal to 4 places are equal (see the module docstring): float noise must not become a spread.
    if len({_rounded(value) for value in values}) == 1:
        return mean, 0.0
    variance = math.fsum((value - mean) ** 2 for value in values) / len(values)
    return mean, math.sqrt(variance)


def _vote_parts(entries_by_id: Mapping[EntryId, Entry], max_total: float,
                basis: str = RELATIVE_TO_BEST) -> dict[EntryId, float]:
    by_category: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries_by_id.values():
        by_category[entry.category].append(entry)
    parts: dict[EntryId, float] = {}
    for members in by_category.values():
        most = max(entry.votes for entry in members)
        if basis == RANK_POINTS:
            size = len(members)
            ordered = sorted((entry.votes for entry in members), reverse=True)
            place = {}  # votes -> rank: 1 + how many entries have more votes
            for index, votes in enumerate(ordered):
                place.setdefault(votes, index + 1)
            for entry in members:
                parts[entry.entry_id] = max_total * (size - place[entry.votes] + 1) / size if entry.votes else 0.0
        else:
            for entry in members:
                parts[entry.entry_id] = entry.votes / most * max_total if most else 0.0
    return parts


def _aggregate(values: list[float], method: str) -> float:
    values.sort()
    if method == TRIMMED_MEAN and len(values) >= 3:
        values = values[1:-1]
    return _mean(values)


# -- ranking --------------------------------------------------------------


@dataclass(frozen=True)
class TieBreak:
    """One step of a ranking order: ``key(entry_score)`` compared, higher wins unless ``higher_wins`` is False.

    A key that returns None ranks after every entry with a value.
    """

    name: str
    key: Callable[[EntryScore], Any]
    higher_wins: bool = True

    def sort_value(self, score: EntryScore) -> tuple[bool, Any]:
        value = self.key(score)
        # Both orders put None last: descending sorts (True, v) before (False, None), ascending the reverse.
        return (value is not None, value) if self.higher_wins else (value is None, value)


BY_FINAL_SCORE = TieBreak("final_score", lambda score: score.final_score)


def by_criterion(name: str) -> TieBreak:
    """Higher mean weighted score on criterion ``name`` wins."""

    def criterion_mean(score: EntryScore) -> float:
        if name not in score.criterion_means:
            raise ValueError(
                f"tie-break on unknown criterion {name!r} (the rubric has: {', '.join(score.criterion_means)})"
            )
        return score.criterion_means[name]

    return TieBreak(f"criterion:{name}", criterion_mean)


def by_first_places() -> TieBreak:
    """More judges who ranked the entry first among the entries of its category they scored wins."""
    return TieBreak("first_places", lambda score: score.first_places)


def by_full_marks() -> TieBreak:
    """More criterion scores at the criterion's maximum wins."""
    return TieBreak("full_marks", lambda score: score.full_marks)


def by_earlier_submission() -> TieBreak:
    """Earlier ``submitted_at`` wins; an unknown time loses."""
    return TieBreak("earlier_submission", lambda score: score.submitted_at, higher_wins=False)


def by_votes() -> TieBreak:
    """More votes (or scoring likes) wins."""
    return TieBreak("votes", lambda score: score.votes)


def by_extra(name: str, higher_wins: bool = True) -> TieBreak:
    """Compare ``entry.extra[name]`` (missing counts as None, which loses)."""
    return TieBreak(f"extra:{name}", lambda score: score.extra.get(name), higher_wins)


_NAMED_TIE_BREAKS: dict[str, Callable[[], TieBreak]] = {
    "first_places": by_first_places,
    "full_marks": by_full_marks,
    "earlier_submission": by_earlier_submission,
    "votes": by_votes,
}


def tie_break_chain(spec: Iterable[str | TieBreak]) -> tuple[TieBreak, ...]:
    """Build a chain from names a competition stores in its configuration.

    Names: ``criterion:<name>``, ``first_places``, ``full_marks``,
    ``earlier_submission``, ``votes``, ``extra:<key>`` (higher wins),
    ``extra:<key>:asc`` (lower wins). TieBreak objects pass through unchanged.
    """
    chain = []
    for item in spec:
        if isinstance(item, TieBreak):
            chain.append(item)
        elif item.startswith("criterion:") and item[len("criterion:"):]:
            chain.append(by_criterion(item[len("criterion:"):]))
        elif item.startswith("extra:") and item[len("extra:"):]:
            key, _, order = item[len("extra:"):].partition(":")
            if order not in ("", "asc", "desc"):
                raise ValueError(f"tie-break {item!r}: order must be 'asc' or 'desc'")
            chain.append(by_extra(key, higher_wins=order != "asc"))
        elif item in _NAMED_TIE_BREAKS:
            chain.append(_NAMED_TIE_BREAKS[item]())
        else:
            names = ", ".join(["criterion:<name>", *_NAMED_TIE_BREAKS, "extra:<key>[:asc]"])
            raise ValueError(f"unknown tie-break {item!r}; use one of {names}")
    return tuple(chain)


@dataclass(frozen=True)
class RankedEntry:
    """A place in a ranking. ``tied``: shares its rank with another entry after the whole chain.

    ``decided_by`` names the tie-break that put this entry below the entry
    directly above it when both had the same primary value (None otherwise).
    """

    rank: int
    tied: bool
    score: EntryScore
    decided_by: str | None = None

    @property
    def entry_id(self) -> EntryId:
        return self.score.entry_id


def rank_entries(
    scores: Iterable[EntryScore],
    tie_breaks: Sequence[TieBreak] = (),
    *,
    primary: TieBreak = BY_FINAL_SCORE,
) -> list[RankedEntry]:
    """Competition ranking (1, 2, 2, 4) by ``primary`` then each tie-break in order.

    Entries equal on the primary key and on every tie-break share a rank and
    are flagged ``tied``; within a shared rank they are listed by entry id.
    """
    chain = (primary, *tie_breaks)
    ordered = sorted(scores, key=lambda score: score.entry_id)
    for previous, current in zip(ordered, ordered[1:]):
        if previous.entry_id == current.entry_id:
            raise ValueError(f"entry {current.entry_id!r} appears more than once in the ranking")
    keyed = [(score, tuple(step.sort_value(score) for step in chain)) for score in ordered]
    # Stable sorts from the last key to the first give a lexicographic order with a direction per key.
    for position in reversed(range(len(chain))):
        keyed.sort(key=lambda item: item[1][position], reverse=chain[position].higher_wins)

    ranked: list[RankedEntry] = []
    for index, (score, keys) in enumerate(keyed):
        same_as_previous = index > 0 and keys == keyed[index - 1][1]
        same_as_next = index + 1 < len(keyed) and keys == keyed[index + 1][1]
        rank = ranked[-1].rank if same_as_previous else index + 1
        ranked.append(RankedEntry(rank, same_as_previous or same_as_next, score, _decided_by(chain, keyed, index)))
    return ranked


def _decided_by(chain, keyed, index) -> str | None:
    if index == 0:
        return None
    keys, previous_keys = keyed[index][1], keyed[index - 1][1]
    if keys[0] != previous_keys[0]:
        return None
    for step, value, previous_value in zip(chain[1:], keys[1:], previous_keys[1:]):
        if value != previous_value:
            return step.name
    return None


def rank_by_category(
    scores: Iterable[EntryScore],
    tie_breaks: Sequence[TieBreak] = (),
    *,
    primary: TieBreak = BY_FINAL_SCORE,
) -> dict[str, list[RankedEntry]]:
    """``rank_entries`` within each category; categories in sorted order."""
    by_category: dict[str, list[EntryScore]] = defaultdict(list)
    for score in scores:
        by_category[score.category].append(score)
    return {
        category: rank_entries(by_category[category], tie_breaks, primary=primary)
        for category in sorted(by_category)
    }
