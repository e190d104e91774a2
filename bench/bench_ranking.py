"""Competition ranking: 10,000 entries, 7 judges each, under every aggregation rule, against a plain sort.

The competition is generated from a seed: 4 categories, a panel of 9 judges
per category (each with their own leniency), 7 of them on each entry, a
5-criterion rubric and public votes. Each rule is timed from validated score
sheets to a ranking with a tie-break chain (score_entries + rank_entries);
the baseline is ``sorted()`` over the same entries' precomputed mean totals,
measured in the same run. Figures are the best of ``--repeat`` runs; "tied"
counts entries sharing a rank on the score alone, "after chain" those the
chain could not separate.
"""
import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plugins.competitions.scoring import (  # noqa: E402
    Aggregation,
    Criterion,
    Entry,
    Rubric,
    ScoreSheet,
    rank_entries,
    score_entries,
    tie_break_chain,
)

RUBRIC = Rubric(
    (
        Criterion("innovation", 0.25, 0, 10),
        Criterion("method", 0.2, 0, 10),
        Criterion("results", 0.25, 0, 10),
        Criterion("sustainability", 0.15, 0, 10),
        Criterion("presentation", 0.15, 0, 10),
    )
)
CATEGORIES = ("六西格玛", "精益管理", "可靠性管理", "质量创新")
RULES = {
    "mean": Aggregation(),
    "trimmed mean": Aggregation("trimmed_mean"),
    "z-score": Aggregation(normalise_judges=True),
    "z-score + vote": Aggregation(normalise_judges=True, vote_weight=0.3),
}
CHAIN = tie_break_chain(["criterion:innovation", "first_places", "earlier_submission"])


def generated_competition(entry_count, judges_per_entry, seed):
    generator = random.Random(seed)
    panels = {category: [f"{category}-judge-{n}" for n in range(judges_per_entry + 2)] for category in CATEGORIES}
    leniency = {judge: generator.uniform(-1.5, 1.5) for panel in panels.values() for judge in panel}
    entries, sheets = [], []
    for number in range(entry_count):
        entry_id = f"entry-{number:05}"
        category = CATEGORIES[number % len(CATEGORIES)]
        quality = generator.uniform(4, 9)
        submitted_at, votes = generator.randrange(86_400 * 30), generator.randrange(5_000)
        entries.append(Entry(entry_id, category, submitted_at=submitted_at, votes=votes))
        for judge in generator.sample(panels[category], judges_per_entry):
            scores = {
                criterion.name: min(10, max(0, round((quality + leniency[judge] + generator.gauss(0, 1)) * 2) / 2))
                for criterion in RUBRIC.criteria
            }
            sheets.append(ScoreSheet(entry_id, judge, scores))
    return entries, sheets


def precomputed_totals(sheets):
    """(mean judge total, entry id) per entry: the input of the baseline sort."""
    weights = {criterion.name: criterion.weight for criterion in RUBRIC.criteria}
    totals = {}
    for sheet in sheets:
        totals.setdefault(sheet.entry_id, []).append(sum(weights[name] * value for name, value in sheet.scores.items()))
    return [(sum(values) / len(values), entry_id) for entry_id, values in totals.items()]


def best_time(function, repeat):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--judges", type=int, default=7, help="judges per entry")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()

    entries, sheets = generated_competition(args.entries, args.judges, args.seed)
    totals = precomputed_totals(sheets)
    baseline = best_time(lambda: sorted(totals, reverse=True), args.repeat * 10)
    print(f"{args.entries} entries x {args.judges} judges = {len(sheets)} score sheets, {len(RUBRIC.criteria)} criteria")
    print(f"baseline: sorted() of precomputed totals {baseline * 1000:.2f} ms")
    print(f"{'rule':<16}{'score ms':>10}{'rank ms':>10}{'total ms':>10}{'ratio':>9}{'tied':>7}{'after chain':>13}")
    for name, aggregation in RULES.items():
        scoring = best_time(lambda: score_entries(RUBRIC, entries, sheets, aggregation), args.repeat)
        scored = score_entries(RUBRIC, entries, sheets, aggregation)
        ranking_time = best_time(lambda: rank_entries(scored, CHAIN), args.repeat)
        tied = sum(ranked.tied for ranked in rank_entries(scored))
        tied_after_chain = sum(ranked.tied for ranked in rank_entries(scored, CHAIN))
        total = scoring + ranking_time
        print(
            f"{name:<16}{scoring * 1000:>10.1f}{ranking_time * 1000:>10.1f}{total * 1000:>10.1f}"
            f"{total / baseline:>9.0f}{tied:>7}{tied_after_chain:>13}"
        )


if __name__ == "__main__":
    main()
