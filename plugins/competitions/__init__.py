"""Competitions: calls for entries, eligibility screening, judging with enforced
conflicts of interest, public votes, and published results with awards.

One plugin serves every programme of this shape (the results exchange, the
professional title review, the model-market selection) through each
competition's configuration. The hook implementations are below; the tables
are in models.py, the pages in views/, the ranking in scoring.py and
scoring_awards.py (pure functions, also used by brand_stories).
"""
from pathlib import Path

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.audit import audit
from core.contrib import AdminSection, DashboardCard, NavItem, Permission, SearchDocument
from core.extensions import db
from core.hookspecs import hookimpl
from plugins.competitions import access, demo, hookspecs, judging, models, views

HOOKSPECS = hookspecs  # hooks for the plugins built on this one (brand_stories)

# Partials that core pages render (dashboard card), apart from the blueprint's own templates.
PARTIALS = Path(__file__).resolve().parent / "partials"


@hookimpl
def plugin_info():
    return {
        "title": _l("Competitions"),
        "description": _l("Calls for entries, screening, judging, public votes and published results."),
        "version": "1.0",
    }


@hookimpl
def register_blueprints(app):
    return [views.bp, views.api_bp]


@hookimpl
def register_permissions():
    return [
        Permission(access.MANAGE, _l("Set up competitions, assign judges and publish results"), ("admin",)),
        Permission(access.SCREEN, _l("Screen competition entries for eligibility"), ("admin",)),
        Permission(access.JUDGE, _l("Score the competition entries assigned to you"), ("admin", "judge")),
    ]


@hookimpl
def register_template_folders():
    return [str(PARTIALS)]


@hookimpl
def register_admin_sections():
    return [AdminSection(_l("Competitions"), "competitions.admin_list", access.SCREEN, order=30)]


@hookimpl
def extra_nav_items(menu, user):
    if menu == "main":
        return [NavItem(_l("Competitions"), endpoint="competitions.index", order=30)]
    return []


@hookimpl
def extra_dashboard_cards(user):
    cards = []
    organisations = access.member_organisation_ids(user)
    if organisations:
        entries = db.session.scalars(
            db.select(models.Entry)
            .where(models.Entry.organisation_id.in_(organisations))
            .order_by(models.Entry.updated_at.desc())
            .limit(5)
        ).all()
        cards.append(DashboardCard(_l("Competition entries"), "competitions/_entries_card.html",
                                   {"entries": entries}, order=20))
    if access.is_judge(user):
        cards.append(DashboardCard(_l("Judging"), "competitions/_judging_card.html",
                                   {"open_sheets": judging.open_sheet_count(user)}, order=21))
    return cards


@hookimpl
def register_search_documents():
    for competition in db.session.scalars(db.select(models.Competition).where(models.Competition.listed.is_(True))):
        yield SearchDocument(
            url=f"/competitions/{competition.slug}",  # also built outside requests (flask search reindex)
            title=competition.title,
            text=f"{competition.summary}\n{Markup(competition.description).striptags()}",
            kind="competition",
            updated_at=competition.updated_at,
        )


@hookimpl
def load_demo_content(app):
    demo.load()


@hookimpl
def on_user_deleted(user):
    # A judge's score sheets go with the account (published results are frozen copies and stay);
    # the audit log keeps how many there were.
    sheets = db.session.scalar(
        db.select(db.func.count(models.Assignment.id)).where(models.Assignment.judge_id == user.id)
    )
    if sheets:
        audit("competitions.judge_sheets_removed", user.email, sheets=sheets)
