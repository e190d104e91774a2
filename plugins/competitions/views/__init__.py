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
from flask import Blueprint

bp = Blueprint("competitions", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static/competitions")
api_bp = Blueprint("competitions_api", __name__, url_prefix="/api/v1/competitions")

from plugins.competitions.views import api, entries, judging, public, results, screening, setup, vote  # noqa: E402,F401


@bp.context_processor
def admin_tabs():
    from flask import current_app

    from plugins.competitions.access import MANAGE, SCREEN, can

    def competition_tabs(competition):
        """(label, url, endpoint) for the tab bar of a competition's admin pages, as far as the user may go."""
        from flask import url_for
        from flask_babel import gettext as _

        tabs = [
            (_("Settings"), "competitions.admin_edit", MANAGE),
            (_("Entries"), "competitions.screening_list", SCREEN),
            (_("Judging"), "competitions.judging_board", MANAGE),
            (_("Public vote"), "competitions.vote_report", MANAGE),
            (_("Results"), "competitions.results_preview", MANAGE),
        ]
        shown = []
        for label, endpoint, permission in tabs:
            if endpoint == "competitions.vote_report" and not competition.has_vote:
                continue
            if endpoint in current_app.view_functions and can(permission):
                shown.append((label, url_for(endpoint, competition_id=competition.id), endpoint))
        return shown

    return {"competition_tabs": competition_tabs}
