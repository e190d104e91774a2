"""Hand-computed examples for every aggregation rule, tie-break, award policy and refused input.

Most examples use a one-criterion rubric (weight 1, 0..100), so a judge's
total is simply the score written in the test.
"""
import math
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from plugins.competitions.scoring import (
    Aggregation,
    Criterion,
    Entry,
    Rubric,
    ScoreSheet,
    TieBreak,
    by_criterion,
    by_earlier_submission,
    by_extra,
    by_first_places,
    by_full_marks,
    rank_by_category,
    rank_entries,
    score_entries,
    sheets_from_rows,
    tie_break_chain,
)
from plugins.competitions.scoring_awards import (
    STRICT_QUOTA,
    TIES_TAKE_HIGHER_TIER,
    AwardTier,
    assign_tiers,
    assign_tiers_by_category,
    special_award,
)

OVERALL = Rubric((Criterion("overall", 1, 0, 100),))
TWO_CRITERIA = Rubric((Criterion("innovation", 0.6, 0, 10), Criterion("delivery", 0.4, 0, 10)))


def sheets_from_totals(totals):
    """{entry: {judge: total}} -> score sheets on the OVERALL rubric."""
    return [
        ScoreSheet(entry_id, judge_id, {"overall": total})
        for entry_id, by_judge in totals.items()
        for judge_id, total in by_judge.items()
    ]


def score_totals(totals, aggregation=Aggregation(), entries=None, **entry_fields):
    """Score {entry: {judge: total}}; returns {entry id: EntryScore}."""
    entries = entries or [Entry(entry_id, **entry_fields) for entry_id in totals]
    return {score.entry_id: score for score in score_entries(OVERALL, entries, sheets_from_totals(totals), aggregation)}


def finals(scored):
    return {entry_id: score.final_score for entry_id, score in scored.items()}


def order(ranking):
    return [ranked.entry_id for ranked in ranking]


def places(ranking):
    return [(ranked.entry_id, ranked.rank, ranked.tied) for ranked in ranking]


def ranking_of(scores, category="c", tie_breaks=()):
    """{entry: score} -> a ranking in which one judge gave each entry that score."""
    scored = score_totals({entry_id: {"j": value} for entry_id, value in scores.items()}, category=category)
    return rank_entries(scored.values(), tie_breaks)


def tiers_of(awards):
    return {award.entry_id: award.tier for award in awards}


# -- judge totals -----------------------------------------------------------


def test_judge_total_is_the_weighted_sum_of_criterion_scores():
    entries = [Entry("e1")]
    sheets = [ScoreSheet("e1", "j1", {"innovation": 8, "delivery": 7}), ScoreSheet("e1", "j2", {"innovation": 6, "delivery": 9})]
    (score,) = score_entries(TWO_CRITERIA, entries, sheets)
    assert score.judge_totals == {"j1": 7.6, "j2": 7.2}  # 0.6*8 + 0.4*7, 0.6*6 + 0.4*9
    assert score.criterion_means == {"innovation": 4.2, "delivery": 3.2}  # (4.8 + 3.6) / 2, (2.8 + 3.6) / 2
    assert score.final_score == 7.4
    assert TWO_CRITERIA.max_total == 10 and TWO_CRITERIA.min_total == 0


def test_sheets_from_rows_groups_database_rows():
    rows = [("e1", "j1", "innovation", 8), ("e1", "j1", "delivery", 7), ("e1", "j2", "innovation", 6), ("e1", "j2", "delivery", 9)]
    sheets = sorted(sheets_from_rows(rows), key=lambda sheet: sheet.judge_id)
    assert sheets == [
        ScoreSheet("e1", "j1", {"innovation": 8, "delivery": 7}),
        ScoreSheet("e1", "j2", {"innovation": 6, "delivery": 9}),
    ]


def test_decimal_and_fraction_scores_and_integer_ids_give_the_float_result():
    entries = [Entry(1), Entry(2)]
    as_floats = [ScoreSheet(1, 10, {"innovation": 7.5, "delivery": 8.0}), ScoreSheet(2, 10, {"innovation": 9, "delivery": 6})]
    as_exact = [
        ScoreSheet(1, 10, {"innovation": Decimal("7.5"), "delivery": Fraction(8)}),
        ScoreSheet(2, 10, {"innovation": Decimal("9"), "delivery": Fraction(12, 2)}),
    ]
    assert score_entries(TWO_CRITERIA, entries, as_exact) == score_entries(TWO_CRITERIA, entries, as_floats)
    assert [score.final_score for score in score_entries(TWO_CRITERIA, entries, as_exact)] == [7.7, 7.8]


def test_full_marks_count_criterion_scores_at_their_maximum():
    sheets = [ScoreSheet("e1", "j1", {"innovation": 10, "delivery": 10}), ScoreSheet("e1", "j2", {"innovation": 10, "delivery": 9.5})]
    (score,) = score_entries(TWO_CRITERIA, [Entry("e1")], sheets)
    assert score.full_marks == 3


# -- aggregation rules ------------------------------------------------------


def test_mean_of_judges_totals():
    scored = score_totals({"a": {"j1": 80, "j2": 90, "j3": 70}, "b": {"j1": 85, "j2": 85, "j3": 86}})
    assert finals(scored) == {"a": 80, "b": 85.3333}  # 256 / 3 rounded to 4 places


def test_trimmed_mean_drops_one_highest_and_one_lowest_and_can_change_the_order():
    totals = {"a": {"j1": 40, "j2": 80, "j3": 82, "j4": 84, "j5": 86}, "b": {f"j{n}": 78 for n in range(1, 6)}}
    mean = score_totals(totals)
    trimmed = score_totals(totals, Aggregation("trimmed_mean"))
    assert finals(mean) == {"a": 74.4, "b": 78}  # 372 / 5
    assert finals(trimmed) == {"a": 82, "b": 78}  # (80 + 82 + 84) / 3
    assert order(rank_entries(mean.values())) == ["b", "a"]
    assert order(rank_entries(trimmed.values())) == ["a", "b"]


def test_trimmed_mean_drops_only_one_of_equal_extremes():
    scored = score_totals({"a": {"j1": 90, "j2": 90, "j3": 60, "j4": 60}}, Aggregation("trimmed_mean"))
    assert finals(scored) == {"a": 75}  # drops one 90 and one 60: (90 + 60) / 2


def test_trimmed_mean_with_three_judges_is_the_median_and_with_fewer_falls_back_to_the_mean():
    scored = score_totals(
        {"three": {"j1": 10, "j2": 20, "j3": 90}, "two": {"j1": 70, "j2": 90}, "one": {"j1": 55}},
        Aggregation("trimmed_mean"),
    )
    assert finals(scored) == {"three": 20, "two": 80, "one": 55}


# A lenient judge with a narrow spread and a strict judge with a wide one.
LENIENT_AND_STRICT = {
    "x": {"lenient": 96, "strict": 60},
    "y": {"lenient": 90, "strict": 70},
    "z": {"lenient": 93, "strict": 50},
}


def test_z_scores_give_a_lenient_and_a_strict_judge_the_same_say():
    raw = score_totals(LENIENT_AND_STRICT)
    assert finals(raw) == {"x": 78, "y": 80, "z": 71.5}
    assert order(rank_entries(raw.values())) == ["y", "x", "z"]

    z = score_totals(LENIENT_AND_STRICT, Aggregation(normalise_judges=True, rescale_normalised=False))
    # lenient: mean 93, sd sqrt(6): x +sqrt(1.5), y -sqrt(1.5), z 0; strict: mean 60, sd sqrt(200/3): x 0, y +sqrt(1.5), z -sqrt(1.5)
    half = math.sqrt(1.5) / 2
    assert finals(z) == {"x": round(half, 4), "y": 0, "z": round(-half, 4)} == {"x": 0.6124, "y": 0, "z": -0.6124}
    assert order(rank_entries(z.values())) == ["x", "y", "z"]


def test_rescaled_z_scores_use_the_pooled_mean_and_spread_of_raw_totals():
    scored = score_totals(LENIENT_AND_STRICT, Aggregation(normalise_judges=True))
    pooled_mean = 459 / 6  # 96 + 90 + 93 + 60 + 70 + 50
    pooled_sd = math.sqrt(1851.5 / 6)  # sum of squared deviations from 76.5
    half = math.sqrt(1.5) / 2
    assert finals(scored) == {
        "x": round(pooled_mean + half * pooled_sd, 4),
        "y": 76.5,
        "z": round(pooled_mean - half * pooled_sd, 4),
    }
    assert finals(scored)["x"] == 87.2573
    # Raw criterion means stay available for tie-breaks.
    assert scored["x"].judge_totals == {"lenient": 96, "strict": 60}


def test_z_scores_of_a_judge_with_one_entry_or_no_spread_are_zero():
    totals = {
        "a": {"lenient": 90, "flat": 70, "single": 100},
        "b": {"lenient": 80, "flat": 70},
    }
    scored = score_totals(totals, Aggregation(normalise_judges=True, rescale_normalised=False))
    # lenient: a +1, b -1; flat and single add 0.
    assert finals(scored) == {"a": round(1 / 3, 4), "b": -0.5}


def test_z_scores_keep_a_small_but_real_spread():
    scored = score_totals({"a": {"j1": 80.001}, "b": {"j1": 80}}, Aggregation(normalise_judges=True, rescale_normalised=False))
    assert finals(scored) == {"a": 1, "b": -1}


def test_z_scores_when_every_total_is_equal_rescale_to_that_total():
    scored = score_totals({"a": {"j1": 70, "j2": 70}, "b": {"j1": 70, "j2": 70}}, Aggregation(normalise_judges=True))
    assert finals(scored) == {"a": 70, "b": 70}


def test_vote_part_is_the_share_of_the_category_maximum_on_the_rubric_scale():
    entries = [Entry("a", "x", votes=100), Entry("b", "x", votes=10), Entry("c", "x", votes=0), Entry("d", "y", votes=5)]
    totals = {"a": {"j": 80}, "b": {"j": 90}, "c": {"j": 85}, "d": {"j": 40}}
    without = score_totals(totals, entries=entries)
    weighted = score_totals(totals, Aggregation(vote_weight=0.3), entries=entries)
    assert {entry_id: score.vote_score for entry_id, score in weighted.items()} == {"a": 100, "b": 10, "c": 0, "d": 100}
    # 0.7 * expert + 0.3 * vote part
    assert finals(weighted) == {"a": 86, "b": 66, "c": 59.5, "d": 58}
    assert {entry_id: score.expert_score for entry_id, score in weighted.items()} == finals(without)
    assert order(rank_by_category(without.values())["x"]) == ["b", "c", "a"]
    assert order(rank_by_category(weighted.values())["x"]) == ["a", "b", "c"]


def test_vote_weight_one_ranks_by_votes_alone_and_a_category_without_votes_scores_zero():
    entries = [Entry("a", "x", votes=3), Entry("b", "x", votes=6), Entry("c", "y", votes=0)]
    scored = score_totals({"a": {"j": 90}, "b": {"j": 10}, "c": {"j": 50}}, Aggregation(vote_weight=1), entries=entries)
    assert finals(scored) == {"a": 50, "b": 100, "c": 0}


def test_rank_points_give_places_not_shares_and_ties_share_the_better_place():
    entries = [Entry("a", "x", votes=900), Entry("b", "x", votes=30), Entry("c", "x", votes=30),
               Entry("d", "x", votes=0), Entry("e", "y", votes=7)]
    totals = {key: {"j": 50} for key in "abcde"}
    scored = score_totals(totals, Aggregation(vote_weight=0.5, vote_basis="rank_points"), entries=entries)
    # n = 4 in x: first 100, shared second 75 each, none for no votes; e alone in y: first.
    assert {key: score.vote_score for key, score in scored.items()} == {"a": 100, "b": 75, "c": 75, "d": 0,
                                                                       "e": 100}
    assert finals(scored) == {"a": 75, "b": 62.5, "c": 62.5, "d": 25, "e": 75}
    relative = score_totals(totals, Aggregation(vote_weight=0.5), entries=entries)
    assert relative["b"].vote_score == round(30 / 900 * 100, 4)  # the same votes, a landslide leader


def test_an_unknown_vote_basis_is_refused():
    with pytest.raises(ValueError, match="vote basis"):
        Aggregation(vote_basis="loudest")


def test_votes_combine_with_rescaled_z_scores():
    entries = [Entry(entry_id, votes=votes) for entry_id, votes in (("x", 0), ("y", 0), ("z", 40))]
    scored = score_totals(LENIENT_AND_STRICT, Aggregation(normalise_judges=True, vote_weight=0.5), entries=entries)
    assert scored["y"].final_score == 38.25  # 0.5 * 76.5 + 0.5 * 0
    rescaled_z = 459 / 6 - math.sqrt(1.5) / 2 * math.sqrt(1851.5 / 6)
    assert scored["z"].final_score == round(0.5 * rescaled_z + 0.5 * 100, 4) == 82.8714


# -- ranking and ties -------------------------------------------------------


def test_competition_ranking_shares_ranks_and_skips_after_a_tie():
    ranking = ranking_of({"a": 90, "b": 80, "c": 80, "d": 70, "e": 70, "f": 70, "g": 60})
    assert places(ranking) == [
        ("a", 1, False),
        ("b", 2, True),
        ("c", 2, True),
        ("d", 4, True),
        ("e", 4, True),
        ("f", 4, True),
        ("g", 7, False),
    ]


def test_tie_break_on_a_named_criterion():
    sheets = [ScoreSheet("p", "j", {"innovation": 6, "delivery": 10}), ScoreSheet("q", "j", {"innovation": 8, "delivery": 7})]
    scored = score_entries(TWO_CRITERIA, [Entry("p"), Entry("q")], sheets)
    assert [score.final_score for score in scored] == [7.6, 7.6]
    by_innovation = rank_entries(scored, [by_criterion("innovation")])
    assert places(by_innovation) == [("q", 1, False), ("p", 2, False)]
    assert by_innovation[1].decided_by == "criterion:innovation"
    assert places(rank_entries(scored, [by_criterion("delivery")])) == [("p", 1, False), ("q", 2, False)]


FIRST_PLACES = {
    "a": {"j1": 90, "j2": 90, "j3": 60},
    "b": {"j1": 85, "j2": 85, "j3": 70},
    "c": {"j1": 70, "j2": 70, "j3": 50},
}


def test_first_places_count_each_judges_best_entry_in_the_category():
    scored = score_totals(FIRST_PLACES)
    assert {entry_id: score.first_places for entry_id, score in scored.items()} == {"a": 2, "b": 1, "c": 0}
    assert places(rank_entries(scored.values())) == [("a", 1, True), ("b", 1, True), ("c", 3, False)]
    assert places(rank_entries(scored.values(), [by_first_places()])) == [("a", 1, False), ("b", 2, False), ("c", 3, False)]


def test_first_places_are_counted_within_the_entrys_category():
    entries = [Entry("a", "x"), Entry("b", "y")]
    scored = score_totals({"a": {"j": 90}, "b": {"j": 50}}, entries=entries)
    assert {entry_id: score.first_places for entry_id, score in scored.items()} == {"a": 1, "b": 1}


def test_a_shared_first_place_counts_for_each_entry():
    scored = score_totals({"a": {"j": 90}, "b": {"j": 90}, "c": {"j": 10}})
    assert {entry_id: score.first_places for entry_id, score in scored.items()} == {"a": 1, "b": 1, "c": 0}


def test_tie_break_on_earlier_submission_with_unknown_time_last():
    entries = [
        Entry("late", submitted_at=datetime(2021, 5, 2)),
        Entry("unknown"),
        Entry("early", submitted_at=datetime(2021, 5, 1, 23, 59)),
    ]
    scored = score_totals({"late": {"j": 80}, "unknown": {"j": 80}, "early": {"j": 80}}, entries=entries)
    ranking = rank_entries(scored.values(), [by_earlier_submission()])
    assert places(ranking) == [("early", 1, False), ("late", 2, False), ("unknown", 3, False)]


def test_the_chain_applies_in_order_and_stops_at_the_first_difference():
    entries = [
        Entry("a", submitted_at=1, extra={"bonus": 1}),
        Entry("b", submitted_at=2, extra={"bonus": 5}),
        Entry("c", submitted_at=0, extra={"bonus": 5}),
    ]
    scored = score_totals({"a": {"j1": 80}, "b": {"j1": 80}, "c": {"j1": 80}}, entries=entries)
    chain = tie_break_chain(["first_places", "extra:bonus", "earlier_submission"])
    ranking = rank_entries(scored.values(), chain)
    assert places(ranking) == [("c", 1, False), ("b", 2, False), ("a", 3, False)]
    assert [ranked.decided_by for ranked in ranking] == [None, "earlier_submission", "extra:bonus"]
    reversed_chain = tie_break_chain(["earlier_submission", "extra:bonus"])
    assert order(rank_entries(scored.values(), reversed_chain)) == ["c", "a", "b"]


def test_a_custom_key_and_lower_wins():
    entries = [Entry("a", extra={"penalty": 3}), Entry("b", extra={"penalty": 1})]
    scored = score_totals({"a": {"j": 80}, "b": {"j": 80}}, entries=entries)
    assert order(rank_entries(scored.values(), [by_extra("penalty", higher_wins=False)])) == ["b", "a"]
    assert order(rank_entries(scored.values(), tie_break_chain(["extra:penalty:asc"]))) == ["b", "a"]
    assert order(rank_entries(scored.values(), [TieBreak("custom", lambda s: s.extra["penalty"])])) == ["a", "b"]


def test_a_missing_tie_break_value_ranks_last_in_either_direction():
    entries = [Entry("none", extra={}), Entry("low", extra={"bonus": 1}), Entry("high", extra={"bonus": 2})]
    scored = score_totals({"none": {"j": 80}, "low": {"j": 80}, "high": {"j": 80}}, entries=entries)
    assert order(rank_entries(scored.values(), [by_extra("bonus")])) == ["high", "low", "none"]
    assert order(rank_entries(scored.values(), [by_extra("bonus", higher_wins=False)])) == ["low", "high", "none"]


def test_an_exhausted_chain_leaves_a_shared_rank():
    scored = score_totals({"a": {"j": 80}, "b": {"j": 80}, "c": {"j": 90}})
    ranking = rank_entries(scored.values(), [by_first_places(), by_full_marks(), by_earlier_submission()])
    assert places(ranking) == [("c", 1, False), ("a", 2, True), ("b", 2, True)]
    assert [ranked.decided_by for ranked in ranking] == [None, None, None]


def test_scores_equal_to_four_places_are_tied():
    scored = score_totals({"a": {"j1": 70, "j2": 71, "j3": 71}, "b": {"j1": 70.66667}})
    assert scored["a"].final_score == scored["b"].final_score == 70.6667
    assert places(rank_entries(scored.values())) == [("a", 1, True), ("b", 1, True)]


def test_ranking_per_category_and_overall():
    entries = [Entry("a", "lean"), Entry("b", "lean"), Entry("c", "six sigma"), Entry("d", "six sigma")]
    scored = score_totals({"a": {"j": 70}, "b": {"j": 90}, "c": {"j": 80}, "d": {"j": 60}}, entries=entries)
    by_category = rank_by_category(scored.values())
    assert list(by_category) == ["lean", "six sigma"]
    assert places(by_category["lean"]) == [("b", 1, False), ("a", 2, False)]
    assert places(by_category["six sigma"]) == [("c", 1, False), ("d", 2, False)]
    assert order(rank_entries(scored.values())) == ["b", "c", "a", "d"]


# -- award tiers ------------------------------------------------------------


QUALITY_TIERS = [
    AwardTier("示范级", quota=19, recommended_onward=True),
    AwardTier("专业级", quota=24),
    AwardTier("改进级", quota=30),
    AwardTier("优秀", quota=30),
]


def test_quota_tiers_without_ties_fill_in_order():
    ranking = ranking_of({f"e{n:03}": 100 - n * 0.5 for n in range(110)})
    awards = assign_tiers(ranking, QUALITY_TIERS)
    counts = {tier.name: sum(award.tier == tier.name for award in awards) for tier in QUALITY_TIERS}
    assert counts == {"示范级": 19, "专业级": 24, "改进级": 30, "优秀": 30}
    assert [award.tier for award in awards[-7:]] == [None] * 7
    assert all(award.recommended_onward == (award.tier == "示范级") for award in awards)
    assert awards[18].tier == "示范级" and awards[19].tier == "专业级"


SMALL_TIERS = [AwardTier("A", quota=2), AwardTier("B", quota=2), AwardTier("C", quota=1)]
BOUNDARY_TIE = {"e1": 100, "e2": 90, "e3": 90, "e4": 80, "e5": 70, "e6": 60}


def test_boundary_tie_default_gives_the_higher_tier_and_shrinks_the_next_quota():
    awards = assign_tiers(ranking_of(BOUNDARY_TIE), SMALL_TIERS)
    assert tiers_of(awards) == {"e1": "A", "e2": "A", "e3": "A", "e4": "B", "e5": "C", "e6": None}
    assert [award.entry_id for award in awards if award.boundary_tie] == ["e2", "e3"]


def test_boundary_tie_strict_never_exceeds_a_quota():
    awards = assign_tiers(ranking_of(BOUNDARY_TIE), SMALL_TIERS, STRICT_QUOTA)
    assert tiers_of(awards) == {"e1": "A", "e2": "B", "e3": "B", "e4": "C", "e5": None, "e6": None}


def test_strict_quota_lets_the_tie_break_chain_decide_at_the_boundary():
    entries = [Entry(f"e{n}", submitted_at=n) for n in range(1, 7)]
    scored = score_totals({entry_id: {"j": value} for entry_id, value in BOUNDARY_TIE.items()}, entries=entries)
    ranking = rank_entries(scored.values(), [by_earlier_submission()])
    awards = assign_tiers(ranking, SMALL_TIERS, STRICT_QUOTA)
    assert tiers_of(awards) == {"e1": "A", "e2": "A", "e3": "B", "e4": "B", "e5": "C", "e6": None}
    assert not any(award.boundary_tie for award in awards)


def test_default_policy_cascades_the_overflow_through_later_quotas():
    tiers = [AwardTier("A", quota=1), AwardTier("B", quota=1), AwardTier("C", quota=2)]
    awards = assign_tiers(ranking_of({"e1": 100, "e2": 90, "e3": 90, "e4": 90, "e5": 80}), tiers)
    assert tiers_of(awards) == {"e1": "A", "e2": "B", "e3": "B", "e4": "B", "e5": None}


def test_default_policy_at_the_last_tier_awards_the_whole_tied_group():
    awards = assign_tiers(ranking_of({"e1": 100, "e2": 90, "e3": 90, "e4": 80}), [AwardTier("A", quota=2)])
    assert tiers_of(awards) == {"e1": "A", "e2": "A", "e3": "A", "e4": None}


def test_strict_policy_gives_nothing_to_a_tied_group_larger_than_any_room_and_nothing_below_it():
    tiers = [AwardTier("A", quota=1), AwardTier("B", quota=1)]
    awards = assign_tiers(ranking_of({"e1": 90, "e2": 90, "e3": 80}), tiers, STRICT_QUOTA)
    assert tiers_of(awards) == {"e1": None, "e2": None, "e3": None}


def test_quality_exchange_tie_at_the_exemplary_boundary():
    scores = {f"e{n:03}": 100 - n * 0.5 for n in range(103)}
    scores["e019"] = scores["e018"]  # the 19th and 20th place tie
    default = assign_tiers(ranking_of(scores), QUALITY_TIERS)
    strict = assign_tiers(ranking_of(scores), QUALITY_TIERS, STRICT_QUOTA)

    def counts(awards):
        return [sum(award.tier == tier.name for award in awards) for tier in QUALITY_TIERS]

    assert counts(default) == [20, 23, 30, 30]
    assert counts(strict) == [18, 24, 30, 30]
    assert sum(award.recommended_onward for award in default) == 20


def test_threshold_tiers():
    tiers = [AwardTier("一等奖", min_score=90), AwardTier("二等奖", min_score=80), AwardTier("三等奖", min_score=70)]
    ranking = ranking_of({"a": 95, "b": 90, "c": 85, "d": 80, "e": 79.99, "f": 69.99})
    assert tiers_of(assign_tiers(ranking, tiers)) == {"a": "一等奖", "b": "一等奖", "c": "二等奖", "d": "二等奖", "e": "三等奖", "f": None}


def test_a_tier_with_quota_and_threshold_needs_both():
    tiers = [AwardTier("A", quota=2, min_score=90), AwardTier("B", quota=3)]
    ranking = ranking_of({"a": 95, "b": 85, "c": 84, "d": 83, "e": 82})
    assert tiers_of(assign_tiers(ranking, tiers)) == {"a": "A", "b": "B", "c": "B", "d": "B", "e": None}


def test_tiers_per_category_with_their_own_quotas():
    entries = [Entry("a", "lean"), Entry("b", "lean"), Entry("c", "reliability"), Entry("d", "reliability")]
    scored = score_totals({"a": {"j": 70}, "b": {"j": 90}, "c": {"j": 80}, "d": {"j": 60}}, entries=entries)
    rankings = rank_by_category(scored.values())
    same = assign_tiers_by_category(rankings, [AwardTier("A", quota=1)])
    assert {category: tiers_of(awards) for category, awards in same.items()} == {
        "lean": {"b": "A", "a": None},
        "reliability": {"c": "A", "d": None},
    }
    own = assign_tiers_by_category(rankings, {"lean": [AwardTier("A", quota=2)], "reliability": [AwardTier("A", quota=0)]})
    assert tiers_of(own["lean"]) == {"b": "A", "a": "A"} and tiers_of(own["reliability"]) == {"c": None, "d": None}
    with pytest.raises(ValueError, match="no award tiers configured for categories: reliability"):
        assign_tiers_by_category(rankings, {"lean": [AwardTier("A", quota=1)]})


# -- special awards ---------------------------------------------------------


def test_most_popular_per_category_with_a_tie_broken_by_who_reached_the_count_first():
    entries = [
        Entry("e1", "speech", votes=10),
        Entry("e2", "speech", votes=30),
        Entry("e3", "essay", votes=5, extra={"reached_at": 12.5}),
        Entry("e4", "essay", votes=5, extra={"reached_at": 9.0}),
    ]
    scored = score_totals({entry_id: {"j": 50} for entry_id in ("e1", "e2", "e3", "e4")}, entries=entries)

    def winners(**options):
        awards = special_award(scored.values(), "最佳人气奖", lambda score: score.votes, **options)
        return {(award.category, award.entry_id, award.score) for award in awards}

    assert winners(tie_breaks=[by_extra("reached_at", higher_wins=False)]) == {("speech", "e2", 30), ("essay", "e4", 5)}
    assert winners() == {("speech", "e2", 30), ("essay", "e3", 5), ("essay", "e4", 5)}
    assert winners(policy=STRICT_QUOTA) == {("speech", "e2", 30)}


def test_special_award_overall_by_a_custom_key_skips_entries_without_a_value():
    entries = [Entry(f"e{n}", f"cat{n % 2}", extra={"presentation": None if n == 5 else n}) for n in range(1, 8)]
    scored = score_totals({entry.entry_id: {"j": 50} for entry in entries}, entries=entries)
    awards = special_award(scored.values(), "最佳现场发布", lambda score: score.extra["presentation"], winners=4, per_category=False)
    assert [award.entry_id for award in awards] == ["e7", "e6", "e4", "e3"]
    assert all(award.tier == "最佳现场发布" for award in awards)
    everyone = special_award(scored.values(), "最佳现场发布", lambda score: score.extra["presentation"], winners=10, per_category=False)
    assert [award.entry_id for award in everyone] == ["e7", "e6", "e4", "e3", "e2", "e1"]


# -- refused input ----------------------------------------------------------


@pytest.mark.parametrize(
    "criteria, message",
    [
        ((), "the rubric has no criteria"),
        ((Criterion("a", 1), Criterion("a", 2)), "more than once: a"),
        ((Criterion("a", 0), Criterion("b", 0)), "every criterion of the rubric has weight 0"),
    ],
)
def test_bad_rubrics_are_refused(criteria, message):
    with pytest.raises(ValueError, match=message):
        Rubric(criteria)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("a", -0.5), "criterion 'a' has a negative weight \\(-0.5\\)"),
        (("a", 1, 10, 10), "min_score \\(10\\) must be below max_score \\(10\\)"),
        (("a", float("nan")), "weight must be a finite number"),
        (("", 1), "non-empty name"),
    ],
)
def test_bad_criteria_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        Criterion(*arguments)


def score_one_sheet(scores, rubric=TWO_CRITERIA):
    return score_entries(rubric, [Entry("e1")], [ScoreSheet("e1", "judge-7", scores)])


@pytest.mark.parametrize(
    "scores, message",
    [
        ({"innovation": 11, "delivery": 5}, "entry 'e1', judge 'judge-7', criterion 'innovation': score 11 is outside 0..10"),
        ({"innovation": 5, "delivery": -0.1}, "criterion 'delivery': score -0.1 is outside 0..10"),
        ({"innovation": float("nan"), "delivery": 5}, "criterion 'innovation': score nan is outside"),
        ({"innovation": "9", "delivery": 5}, "criterion 'innovation': score '9' is outside"),
        ({"innovation": True, "delivery": 5}, "criterion 'innovation': score True is outside"),
        ({"innovation": 5, "delivery": float("inf")}, "criterion 'delivery': score inf is outside"),
        ({"innovation": 5, "delivery": 5, "style": 3}, "judge 'judge-7': unknown criterion 'style' \\(the rubric has: innovation, delivery\\)"),
        ({"innovation": 5}, "judge 'judge-7': criterion 'delivery' has no score"),
    ],
)
def test_bad_scores_are_refused_naming_entry_judge_and_criterion(scores, message):
    with pytest.raises(ValueError, match=message):
        score_one_sheet(scores)


def test_boundary_scores_are_accepted():
    (score,) = score_one_sheet({"innovation": 0, "delivery": 10})
    assert score.final_score == 4


def test_inconsistent_sheets_and_entries_are_refused():
    good = {"overall": 50}
    with pytest.raises(ValueError, match="entry 'e1', judge 'j1': this judge has more than one score sheet"):
        score_entries(OVERALL, [Entry("e1")], [ScoreSheet("e1", "j1", good), ScoreSheet("e1", "j1", good)])
    with pytest.raises(ValueError, match="entry 'ghost', judge 'j1': the entry is not among the entries being scored"):
        score_entries(OVERALL, [Entry("e1")], [ScoreSheet("e1", "j1", good), ScoreSheet("ghost", "j1", good)])
    with pytest.raises(ValueError, match="entries without any score sheet: 'e2'"):
        score_entries(OVERALL, [Entry("e1"), Entry("e2")], [ScoreSheet("e1", "j1", good)])
    with pytest.raises(ValueError, match="entry 'e1' is listed more than once"):
        score_entries(OVERALL, [Entry("e1"), Entry("e1")], [ScoreSheet("e1", "j1", good)])
    with pytest.raises(ValueError, match="criterion 'overall' is scored more than once"):
        sheets_from_rows([("e1", "j1", "overall", 50), ("e1", "j1", "overall", 60)])
    with pytest.raises(ValueError, match="entry 'e1': votes must be a whole number >= 0, got -1"):
        Entry("e1", votes=-1)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"method": "median"}, "unknown aggregation method 'median'"),
        ({"vote_weight": 1.5}, "vote_weight must be between 0 and 1, got 1.5"),
        ({"vote_weight": -0.1}, "vote_weight must be between 0 and 1"),
        ({"vote_weight": 0.3, "normalise_judges": True, "rescale_normalised": False}, "set rescale_normalised=True"),
    ],
)
def test_bad_aggregations_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        Aggregation(**options)


def test_bad_tie_breaks_are_refused():
    with pytest.raises(ValueError, match="unknown tie-break 'coin_toss'"):
        tie_break_chain(["coin_toss"])
    with pytest.raises(ValueError, match="order must be 'asc' or 'desc'"):
        tie_break_chain(["extra:bonus:sideways"])
    scored = score_totals({"a": {"j": 80}, "b": {"j": 80}})
    with pytest.raises(ValueError, match="tie-break on unknown criterion 'style' \\(the rubric has: overall\\)"):
        rank_entries(scored.values(), [by_criterion("style")])
    with pytest.raises(ValueError, match="entry 'a' appears more than once"):
        rank_entries([scored["a"], scored["a"]])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: AwardTier("A", quota=-1), "tier 'A': quota must be a whole number >= 0"),
        (lambda: AwardTier(" "), "non-empty name"),
        (lambda: assign_tiers([], [AwardTier("A"), AwardTier("A")]), "award tier named more than once: A"),
        (lambda: assign_tiers([], [AwardTier("A")], "lottery"), "unknown quota policy 'lottery'"),
    ],
)
def test_bad_tiers_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_policies_are_named_constants():
    assert (TIES_TAKE_HIGHER_TIER, STRICT_QUOTA) == ("ties_take_higher_tier", "strict_quota")
