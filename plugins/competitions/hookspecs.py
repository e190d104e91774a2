"""Hooks the competitions plugin calls on the plugins that build on it.

Declared to the host through ``HOOKSPECS`` in the package (docs/plugin-hooks.md,
"Hooks a plugin declares"); only enabled plugins answer.
"""
from core.hookspecs import hookspec


@hookspec
def competition_vote_counts(competition):
    """Return ``(entry id, count)`` pairs to add to ``competition``'s public-vote counts.

    The counts enter the ranking exactly like votes cast on the competition's own
    vote page: the vote component of the score (``vote_weight``), the "most votes"
    tie-break and special awards decided by most votes. brand_stories answers with
    the scoring likes of its live finals. Return an empty list for a competition
    that is not yours."""
