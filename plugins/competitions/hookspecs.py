"""Hooks the competitions plugin calls on the plugins that build on it.

Declared to the host through ``HOOKSPECS`` in the package (docs/plugin-hooks.md,
"Hooks a plugin declares"); only enabled plugins answer.
"""
from core.hookspecs import hookspec


@hookspec
def competition_vote_counts(competition):
    """Return ``(entry id, count, reached_at)`` triples to add to ``competition``'s public-vote counts.

    The counts enter the ranking exactly like votes cast on the competition's own
    vote page: the vote component of the score (``vote_weight``), the "most votes"
    tie-break and special awards decided by most votes. ``reached_at`` (a naive UTC
    datetime, or None) is when the last counted vote arrived: between entries with
    equal votes, the one that reached its count first wins a special award.
    brand_stories answers with the scoring likes of its live finals. Return an empty
    list for a competition that is not yours."""


@hookspec(firstresult=True)
def competition_vote_name(competition):
    """Return what ``competition``'s votes are called, as a translated plural noun
    ("scoring likes"), or None to leave it to another plugin or the default "votes".
    Shown in the score formula and the results preview."""
