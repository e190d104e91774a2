"""Properties over generated competitions: same input in any order gives the same output, and
rankings and awards keep their invariants under every aggregation rule and quota policy.

Scores are drawn from a few coarse values so that ties, at every stage, are common.
"""
import random
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.competitions.scoring import (
    Aggregation,
    Criterion,
    Entry,
    Rubric,
    ScoreSheet,
    rank_by_category,
    rank_entries,
    score_entries,
    tie_break_chain,
)
from plugins.competitions.scoring_awards import STRICT_QUOTA, TIES_TAKE_HIGHER_TIER, AwardTier, assign_tiers

RUBRIC = Rubric(
    (
        Criterion("innovation", 0.3, 0, 10),
        Criterion("method", 0.25, 0, 10),
        Criterion("results", 0.25, 0, 10),
        Criterion("presentation", 0.2, 0, 10),
    )
)
JUDGES = [f"judge-{n}" for n in range(6)]
CATEGORIES = ["六西格玛", "精益管理", "质量创新"]
AGGREGATIONS = [
    Aggregation(),
    Aggregation("trimmed_mean"),
    Aggregation(normalise_judges=True),
    Aggregation("trimmed_mean", normalise_judges=True, vote_weight=0.3),
    Aggregation(vote_weight=0.5),
]
CHAINS = [(), tie_break_chain(["criterion:innovation", "first_places", "earlier_submission"]), tie_break_chain(["full_marks"])]
QUOTA_TIERS = [AwardTier("示范级", quota=3, recommended_onward=True), AwardTier("专业级", quota=2), AwardTier("优秀", quota=4)]
START = datetime(2021, 6, 1, 9, 0)
COARSE_SCORES = st.sampled_from([0, 5, 7.5, 8, 10])


@st.composite
def competitions(draw):
    """Entries with categories, votes and submission times, and one sheet per (entry, assigned judge)."""
    entry_count = draw(st.integers(1, 12))
    entries, sheets = [], []
    for number in range(entry_count):
        entry_id = f"entry-{number:02}"
        entries.append(
            Entry(
                entry_id,
                category=draw(st.sampled_from(CATEGORIES)),
                submitted_at=draw(st.one_of(st.none(), st.integers(0, 5).map(lambda hours: START + timedelta(hours=hours)))),
                votes=draw(st.sampled_from([0, 1, 5, 5, 100])),
            )
        )
        judges = draw(st.lists(st.sampled_from(JUDGES), min_size=1, max_size=5, unique=True))
        values = draw(st.lists(COARSE_SCORES, min_size=len(judges) * 4, max_size=len(judges) * 4))
        for index, judge_id in enumerate(judges):
            sheets.append(ScoreSheet(entry_id, judge_id, dict(zip(RUBRIC.names, values[index * 4 : index * 4 + 4]))))
    return entries, sheets


def shuffled(items, seed):
    copy = list(items)
    random.Random(seed).shuffle(copy)
    return copy


def shuffled_sheets(sheets, seed):
    """Sheets in another order, each with its criteria in another order too."""
    generator = random.Random(seed)
    result = []
    for sheet in shuffled(sheets, seed):
        names = list(sheet.scores)
        generator.shuffle(names)
        result.append(ScoreSheet(sheet.entry_id, sheet.judge_id, {name: sheet.scores[name] for name in names}))
    return result


FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(competitions(), st.sampled_from(AGGREGATIONS), st.sampled_from(CHAINS), st.integers(0, 2**32))
def test_any_input_order_gives_the_same_scores_rankings_and_awards(competition, aggregation, chain, seed):
    entries, sheets = competition
    shuffled_rubric = Rubric(shuffled(RUBRIC.criteria, seed))

    def outcome(rubric, entries, sheets):
        scored = score_entries(rubric, entries, sheets, aggregation)
        overall = rank_entries(scored, chain)
        by_category = rank_by_category(scored, chain)
        awards = assign_tiers(overall, QUOTA_TIERS)
        return scored, overall, by_category, awards

    first = outcome(RUBRIC, entries, sheets)
    assert outcome(shuffled_rubric, shuffled(entries, seed), shuffled_sheets(sheets, seed)) == first
    assert outcome(RUBRIC, entries, sheets) == first


def assert_ranking_invariants(ranking, expected_ids):
    ids = [ranked.entry_id for ranked in ranking]
    assert sorted(ids) == sorted(expected_ids) and len(set(ids)) == len(ids)
    if not ranking:
        return
    assert ranking[0].rank == 1
    for index, (previous, current) in enumerate(zip(ranking, ranking[1:]), start=1):
        assert current.rank >= previous.rank
        assert current.score.final_score <= previous.score.final_score
        if current.rank == previous.rank:
            assert current.tied and previous.tied
        else:
            assert current.rank == index + 1  # competition ranking: skips as many places as were shared
    for ranked in ranking:
        assert ranked.tied == (sum(other.rank == ranked.rank for other in ranking) > 1)


@FAST
@given(competitions(), st.sampled_from(AGGREGATIONS), st.sampled_from(CHAINS))
def test_rankings_are_competition_rankings(competition, aggregation, chain):
    entries, sheets = competition
    scored = score_entries(RUBRIC, entries, sheets, aggregation)
    assert_ranking_invariants(rank_entries(scored, chain), [entry.entry_id for entry in entries])
    by_category = rank_by_category(scored, chain)
    for category, ranking in by_category.items():
        assert_ranking_invariants(ranking, [entry.entry_id for entry in entries if entry.category == category])


@FAST
@given(competitions(), st.sampled_from(AGGREGATIONS))
def test_a_longer_chain_only_splits_ties_never_reorders(competition, aggregation):
    entries, sheets = competition
    scored = score_entries(RUBRIC, entries, sheets, aggregation)
    plain = {ranked.entry_id: ranked.rank for ranked in rank_entries(scored)}
    chained = {ranked.entry_id: ranked.rank for ranked in rank_entries(scored, CHAINS[1])}
    for a in plain:
        for b in plain:
            if plain[a] < plain[b]:
                assert chained[a] < chained[b]


@FAST
@given(competitions(), st.sampled_from(AGGREGATIONS), st.sampled_from(CHAINS), st.sampled_from([TIES_TAKE_HIGHER_TIER, STRICT_QUOTA]))
def test_awards_keep_ties_together_follow_the_ranking_and_respect_strict_quotas(competition, aggregation, chain, policy):
    entries, sheets = competition
    ranking = rank_entries(score_entries(RUBRIC, entries, sheets, aggregation), chain)
    awards = assign_tiers(ranking, QUOTA_TIERS, policy)
    assert [award.entry_id for award in awards] == [ranked.entry_id for ranked in ranking]
    tier_order = {tier.name: index for index, tier in enumerate(QUOTA_TIERS)}
    levels = [tier_order.get(award.tier, len(QUOTA_TIERS)) for award in awards]
    assert levels == sorted(levels)
    for award, other in zip(awards, awards[1:]):
        if award.rank == other.rank:
            assert award.tier == other.tier
    counts = {tier.name: sum(award.tier == tier.name for award in awards) for tier in QUOTA_TIERS}
    total_quota = sum(tier.quota for tier in QUOTA_TIERS)
    if policy == STRICT_QUOTA:
        assert all(counts[tier.name] <= tier.quota for tier in QUOTA_TIERS)
    else:
        # The whole quota is used when there are enough entries, overflowing only by a tie at the last boundary.
        assert sum(counts.values()) >= min(total_quota, len(awards))
        largest_group = max(sum(other.rank == award.rank for other in awards) for award in awards)
        assert sum(counts.values()) <= total_quota + largest_group - 1
    assert all(award.recommended_onward == (award.tier == "示范级") for award in awards)


@FAST
@given(competitions(), st.sampled_from(AGGREGATIONS))
def test_scores_stay_on_the_rubric_scale_without_normalisation(competition, aggregation):
    entries, sheets = competition
    for score in score_entries(RUBRIC, entries, sheets, aggregation):
        assert RUBRIC.min_total <= score.vote_score <= RUBRIC.max_total
        if not aggregation.normalise_judges:
            assert RUBRIC.min_total <= score.final_score <= RUBRIC.max_total
            assert min(score.judge_totals.values()) <= score.expert_score <= max(score.judge_totals.values())
