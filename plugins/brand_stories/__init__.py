"""Brand-story contests: a preliminary round judged by experts and a live final whose
audience likes, given during each finalist's own presentation, count toward the score.

Built on the competitions plugin (``requires``): the preliminary round and the final
are two competitions, so entries, screening, judging, ranking and awards are the
competitions plugin's. This plugin adds the live final: sessions with a running order,
a host console that opens and closes presentation windows, the audience's like button,
the big-screen leaderboard (Server-Sent Events), and the like ledgers (likes.py rules;
ledger_db.py embedded, ledger_redis.py scale-out) whose scoring likes reach the final's
ranking through the competitions hook ``competition_vote_counts``.
"""
from flask_babel import lazy_gettext as _l

from core.contrib import AdminSection, NavItem, Permission
from core.hookspecs import hookimpl
from core.lean import LeanRoute
from plugins.brand_stories import access, demo, models, simulate, standings, views  # noqa: F401  (models: the tables)


@hookimpl
def plugin_info():
    return {
        "title": _l("Brand-story contests"),
        "description": _l("Live finals where the audience's likes during each presentation count toward the score."),
        "version": "1.0",
        "requires": ["competitions"],
    }


@hookimpl
def register_blueprints(app):
    return [views.bp, views.api_bp]


@hookimpl
def register_lean_routes():
    return [LeanRoute("POST", views.api.LIKES_PATH, views.api.lean_likes)]


@hookimpl
def register_permissions():
    return [
        Permission(access.MANAGE, _l("Set up live finals: sessions, running orders and finalists"), ("admin",)),
        Permission(access.HOST, _l("Host a live final: open and close presentation windows"), ("admin",)),
    ]


@hookimpl
def register_commands(cli):
    cli.add_command(simulate.cli)


@hookimpl
def register_admin_sections():
    return [AdminSection(_l("Live finals"), "brand_stories.admin_finals", access.MANAGE, order=31)]


@hookimpl
def extra_nav_items(menu, user):
    if menu == "main":
        return [NavItem(_l("Live"), endpoint="brand_stories.index", order=31)]
    return []


@hookimpl
def competition_vote_counts(competition):
    return standings.vote_tallies(competition)


@hookimpl
def competition_vote_name(competition):
    return standings.vote_name(competition)


@hookimpl
def load_demo_content(app):
    demo.load()
