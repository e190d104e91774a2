"""The /search page: a form, then ranked results with highlighted snippets, a page at a time."""
from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from core import search as site_search
from core.pages.views import bp
from core.permissions import public
from core.plugins import get_host

MAX_PAGE = 1000
KIND_LABELS = {"news": _l("News"), "page": _l("Page")}


def kind_label(hit):
    if hit.source == site_search.CORE:
        return KIND_LABELS.get(hit.kind, hit.kind)
    plugin = get_host().plugins.get(hit.source)
    return plugin.title if plugin is not None else hit.source


@bp.route("/search")
@public
def search():
    raw = request.args.get("q", "")
    query = " ".join(raw.split())
    limit = current_app.config["SEARCH_MAX_QUERY"]
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    results = site_search.search(query[:limit], page=page)
    return render_template(
        "pages/search.html",
        query=query[:limit],
        results=results,
        shortened=len(query) > limit,
        limit=limit,
        kind_label=kind_label,
    )


def register_search_command(state):
    """`flask search reindex` comes with the search page (see core.search.search_cli)."""
    state.app.cli.add_command(site_search.search_cli)


bp.record_once(register_search_command)
