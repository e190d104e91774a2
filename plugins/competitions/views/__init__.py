"""The plugin's pages, one module per part of the workflow, all on one blueprint.

public.py     /competitions: list, a competition's page, published results
entries.py    members: submit, edit, withdraw entries and attachments
setup.py      admin: competitions, stages, categories, rubric, tiers, special awards
screening.py  admin: the entry list with counts, pass or reject, bulk actions
judging.py    admin: panels, conflicts, assignments, progress; judges: scoring screen
results.py    admin: ranking preview, special awards, publish, exports, certificates
vote.py       the public vote and its anomaly report
api.py        /api/v1/competitions: the public results API
"""
from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l

from plugins.competitions.access import MANAGE, SCREEN, can

bp = Blueprint("competitions", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static/competitions")
api_bp = Blueprint("competitions_api", __name__, url_prefix="/api/v1/competitions")

# The tab bar of a competition's admin pages: (label, endpoint, permission needed to see it).
ADMIN_TABS = [
    (_l("Settings"), "competitions.admin_edit", MANAGE),
    (_l("Entries"), "competitions.screening_list", SCREEN),
    (_l("Judging"), "competitions.judging_board", MANAGE),
    (_l("Public vote"), "competitions.vote_report", MANAGE),
    (_l("Results"), "competitions.results_preview", MANAGE),
]


def competition_tabs(competition):
    """(label, url, endpoint) of the tabs this user may open; the vote tab only where there is a vote."""
    return [
        (label, url_for(endpoint, competition_id=competition.id), endpoint)
        for label, endpoint, permission in ADMIN_TABS
        if can(permission) and (endpoint != "competitions.vote_report" or competition.has_vote)
    ]


@bp.context_processor
def admin_tabs():
    from core.storage.uploads import format_duration

    return {"competition_tabs": competition_tabs, "format_duration": format_duration}


from plugins.competitions.views import api, entries, judging, public, results, screening, setup, vote  # noqa: E402,F401
