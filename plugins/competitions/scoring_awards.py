"""Award tiers, quota boundaries and special awards over a ranking from ``scoring``.

Tiers are given best first, e.g. 示范级 19, 专业级 24, 改进级 30, 优秀 30.
A tier may have a ``quota`` (how many entries), a ``min_score`` threshold on
the final score, both, or neither (everyone left). Entries are handed out
down the ranking; a tied group (same rank after the tie-break chain) always
moves as one block, so tied entries never receive different tiers.

When a tied group straddles a quota boundary, the policy decides:

- ``TIES_TAKE_HIGHER_TIER`` (default): the whole group gets the higher tier,
  and the overflow is taken from the next tier's quota (cascading if that
  quota is used up too). At the last tier, the group is awarded in full, so
  the total can exceed the sum of quotas by the group's overflow.
- ``STRICT_QUOTA``: no quota is ever exceeded. The tie-break chain has
  already decided everything it can; a group it could not split goes down
  to the first tier with room for all of it (the tier above stays
  under-filled), or gets no tier. Put a final decider (a committee vote, a
  draw recorded in ``Entry.extra``) in the chain to avoid that.

Both policies mark the entries of such a group with ``boundary_tie``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plugins.competitions.scoring import (
    EntryId,
    EntryScore,
    RankedEntry,
    TieBreak,
    rank_by_category,
    rank_entries,
    repeated,
)

TIES_TAKE_HIGHER_TIER = "ties_take_higher_tier"
STRICT_QUOTA = "strict_quota"
QUOTA_POLICIES = (TIES_TAKE_HIGHER_TIER, STRICT_QUOTA)


@dataclass(frozen=True)
class AwardTier:
    """One award level. ``recommended_onward``: its winners go on to the next (e.g. national) round."""

    name: str
    quota: int | None = None
    min_score: float | None = None
    recommended_onward: bool = False

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"an award tier needs a non-empty name, got {self.name!r}")
        whole = isinstance(self.quota, int) and not isinstance(self.quota, bool)
        if self.quota is not None and (not whole or self.quota < 0):
            raise ValueError(f"tier {self.name!r}: quota must be a whole number >= 0 or None, got {self.quota!r}")

    def admits(self, score: float) -> bool:
        return self.min_score is None or score >= self.min_score


@dataclass(frozen=True)
class Award:
    """The outcome for one ranked entry; ``tier`` is None when it received none."""

    entry_id: EntryId
    category: str
    rank: int
    score: float
    tier: str | None
    recommended_onward: bool = False
    boundary_tie: bool = False


def assign_tiers(
    ranking: Sequence[RankedEntry],
    tiers: Sequence[AwardTier],
    policy: str = TIES_TAKE_HIGHER_TIER,
    *,
    score_of: Callable[[EntryScore], float] = lambda score: score.final_score,
) -> list[Award]:
    """Hand out ``tiers`` (best first) down one ranking (a category, or all entries).

    Returns one Award per ranked entry, in ranking order. ``score_of`` is the
    value that ``min_score`` thresholds compare (the final score by default).
    """
    _check_tiers(tiers, policy)
    awards: list[Award] = []
    tier_index = 0
    remaining = tiers[0].quota if tiers else None
    for group in _tied_groups(ranking):
        group_score = score_of(group[0].score)
        while tier_index < len(tiers):
            tier = tiers[tier_index]
            fits = remaining is None or remaining >= len(group)
            if tier.admits(group_score) and (fits or (policy == TIES_TAKE_HIGHER_TIER and remaining > 0)):
                awards.extend(_awarded(group, tier, boundary_tie=not fits, score_of=score_of))
                if remaining is not None:
                    remaining -= len(group)
                break
            tier_index += 1
            remaining = _next_remaining(tiers, tier_index, remaining, policy)
        else:
            awards.extend(_awarded(group, None, boundary_tie=False, score_of=score_of))
    return awards


def _check_tiers(tiers: Sequence[AwardTier], policy: str) -> None:
    if policy not in QUOTA_POLICIES:
        raise ValueError(f"unknown quota policy {policy!r}; use one of {', '.join(QUOTA_POLICIES)}")
    duplicates = repeated(tier.name for tier in tiers)
    if duplicates:
        raise ValueError(f"award tier named more than once: {', '.join(duplicates)}")


def _next_remaining(tiers, tier_index, remaining, policy) -> int | None:
    if tier_index >= len(tiers):
        return None
    quota = tiers[tier_index].quota
    if quota is None:
        return None
    # Overflow from a tied group in the tier above is owed by this tier (only under the default policy).
    owed = -remaining if policy == TIES_TAKE_HIGHER_TIER and remaining is not None and remaining < 0 else 0
    return quota - owed


def _tied_groups(ranking: Sequence[RankedEntry]) -> list[list[RankedEntry]]:
    groups: list[list[RankedEntry]] = []
    for ranked in ranking:
        if groups and groups[-1][0].rank == ranked.rank:
            groups[-1].append(ranked)
        else:
            groups.append([ranked])
    return groups


def _awarded(group, tier: AwardTier | None, *, boundary_tie: bool, score_of) -> list[Award]:
    return [
        Award(
            entry_id=ranked.entry_id,
            category=ranked.score.category,
            rank=ranked.rank,
            score=score_of(ranked.score),
            tier=tier.name if tier else None,
            recommended_onward=bool(tier and tier.recommended_onward),
            boundary_tie=boundary_tie,
        )
        for ranked in group
    ]


def assign_tiers_by_category(
    rankings: Mapping[str, Sequence[RankedEntry]],
    tiers: Sequence[AwardTier] | Mapping[str, Sequence[AwardTier]],
    policy: str = TIES_TAKE_HIGHER_TIER,
) -> dict[str, list[Award]]:
    """``assign_tiers`` in each category: the same tiers everywhere, or a mapping category -> tiers."""
    tiers_of = tiers if isinstance(tiers, Mapping) else dict.fromkeys(rankings, tiers)
    unknown = sorted(set(rankings) - set(tiers_of))
    if unknown:
        raise ValueError(f"no award tiers configured for categories: {', '.join(unknown)}")
    return {category: assign_tiers(rankings[category], tiers_of[category], policy) for category in sorted(rankings)}


def special_award(
    scores: Iterable[EntryScore],
    name: str,
    key: Callable[[EntryScore], Any],
    *,
    winners: int = 1,
    per_category: bool = True,
    tie_breaks: Sequence[TieBreak] = (),
    policy: str = TIES_TAKE_HIGHER_TIER,
) -> list[Award]:
    """An award decided by its own key, separately from the tiers (最佳人气奖: most votes per category).

    The ``winners`` best by ``key`` (higher wins), per category or overall,
    after ``tie_breaks``; a tie at the last place follows ``policy`` as for
    tiers. Entries whose key is None are not eligible. Only winners are returned.
    """
    primary = TieBreak(name, key)
    eligible = [score for score in scores if key(score) is not None]
    rankings = rank_by_category(eligible, tie_breaks, primary=primary) if per_category else {
        "": rank_entries(eligible, tie_breaks, primary=primary)
    }
    tier = [AwardTier(name, quota=winners)]
    winners_found = []
    for ranking in rankings.values():
        winners_found += [award for award in assign_tiers(ranking, tier, policy, score_of=key) if award.tier]
    return winners_found
