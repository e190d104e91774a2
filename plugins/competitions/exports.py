"""Spreadsheet exports of a competition: entries, scores per judge, results; CSV or XLSX.

core.spreadsheets writes the files, formula cells neutralised.

The results table is the published Result rows once results are published (as
the public page and the API show them, plus the scores); before that it is the
live preview, marked as such in its first column and in the file name.
"""
from flask_babel import gettext as _

from core.extensions import db
from core.spreadsheets import MIMETYPES, to_csv, to_xlsx
from plugins.competitions import results as service
from plugins.competitions.models import Assignment, Entry

KINDS = ("entries", "scores", "results")


# -- the tables ---------------------------------------------------------------------


def _entries(competition):
    return db.session.scalars(
        db.select(Entry).where(Entry.competition_id == competition.id)
        .order_by(Entry.number.is_(None), Entry.number, Entry.id)
    ).all()


def entries_table(competition):
    header = [_("Number"), _("Category"), _("Organisation"), _("Project title"), _("Team members"), _("Status"),
              _("Screening"), _("Screening reason"), _("Submitted at")]
    rows = [
        [entry.number, entry.category.name, entry.organisation.name, entry.title,
         "; ".join(line.strip() for line in entry.team_members.splitlines() if line.strip()),
         str(entry.status_label), str(entry.screening_label), entry.screening_reason, entry.submitted_at]
        for entry in _entries(competition)
    ]
    return header, rows


def scores_table(competition):
    header = [_("Number"), _("Category"), _("Organisation"), _("Project title"), _("Judge"), _("Criterion"),
              _("Score"), _("Comment on the criterion"), _("Overall comment"), _("Sheet submitted at")]
    assignments = db.session.scalars(
        db.select(Assignment).join(Entry, Entry.id == Assignment.entry_id)
        .where(Entry.competition_id == competition.id)
        .order_by(Entry.number.is_(None), Entry.number, Entry.id, Assignment.judge_id)
    ).all()
    positions = {criterion.id: index for index, criterion in enumerate(competition.criteria)}
    rows = []
    for assignment in assignments:
        entry = assignment.entry
        for score in sorted(assignment.scores, key=lambda s: positions.get(s.criterion_id, len(positions))):
            rows.append([entry.number, entry.category.name, entry.organisation.name, entry.title,
                         assignment.judge.name, score.criterion.label, score.value, score.comment,
                         assignment.comment, assignment.submitted_at])
    return header, rows


def results_table(competition):
    header = [_("Status"), _("Category"), _("Rank"), _("Tied"), _("Decided by"), _("Number"), _("Organisation"),
              _("Project title"), _("Expert score"), _("Vote part"), _("Votes"), _("Final score"),
              _("Judges counted"), _("Award"), _("Recommended onward"), _("Special awards")]
    if competition.results_published:
        return header, _published_rows(competition)
    status = _("Preview (not published)")
    preview = service.compute(competition)
    rows = []
    for category in preview.categories:
        for row in category.rows:
            rows.append([status, category.category.name, row.rank, row.tied, row.decided_by, row.entry.number,
                         row.entry.organisation.name, row.entry.title, row.score.expert_score,
                         row.score.vote_score, row.score.votes, row.score.final_score, row.judges, row.tier,
                         row.recommended_onward, "; ".join(row.special_awards)])
        for entry in category.unscored:
            rows.append([status, category.category.name, None, None, _("not scored"), entry.number,
                         entry.organisation.name, entry.title, None, None, None, None, 0, None, None, None])
    return header, rows


def _published_rows(competition):
    """The frozen Result rows in the public page's order: per category, then special-award winners
    the categories do not list."""
    status = _("Published")
    ordered = [result for _category, results in service.published_by_category(competition) for result in results]
    listed = {result.entry_id for result in ordered}
    for _name, winners in service.published_specials(competition):
        for result in winners:
            if result.entry_id not in listed:
                ordered.append(result)
                listed.add(result.entry_id)
    return [[status, result.category.name, result.rank, result.tied, result.decided_by, result.entry.number,
             result.entry.organisation.name, result.entry.title, result.expert_score, result.vote_score,
             result.votes, result.final_score, result.judges, result.tier, result.recommended_onward,
             "; ".join(result.special_awards or [])]
            for result in ordered]


TABLES = {"entries": entries_table, "scores": scores_table, "results": results_table}


# -- the formats ----------------------------------------------------------------------


def export(competition, what, fmt):
    """(bytes, mimetype, file name) of one table in one format."""
    header, rows = TABLES[what](competition)
    if fmt == "csv":
        data = to_csv(header, rows)
    else:
        data = to_xlsx(header, rows, what)
    name = f"{what}-preview" if what == "results" and not competition.results_published else what
    return data, MIMETYPES[fmt], f"{competition.slug}-{name}.{fmt}"

