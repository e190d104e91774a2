"""The youth-work committee (关工委): its section of the site, activities, events with
registration and a waiting list, demonstration bases and volunteers ("五老").

Pages, news (activities), photos and search are the core's (content.py puts the committee's
pages under a root page and its activities in a news section, both carrying the committee's
edit permission, so committee editors edit them with the core editor and nothing else).
Tables are in models.py, registration and the waiting list in registration.py, the pages in
views/, reminders in reminders.py (``flask youth-committee send-reminders``), demo in demo.py;
content.ensure_structure (``flask youth-committee init``, also run when the plugin is enabled)
creates the section and pages committee editors need.
"""
from pathlib import Path

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.contrib import AdminSection, ContentBlock, DashboardCard, NavItem, Permission, SearchDocument
from core.extensions import db
from core.hookspecs import hookimpl
from core.users.models import utcnow
from plugins.youth_committee import commands, content, demo, models, registration, views
from plugins.youth_committee.events_query import upcoming

PARTIALS = Path(__file__).resolve().parent / "partials"


@hookimpl
def plugin_info():
    return {
        "title": _l("Youth-work committee"),
        "description": _l("The youth-work committee's pages, activities, events, demonstration bases and volunteers."),
        "version": "1.0",
    }


@hookimpl
def register_blueprints(app):
    views.bp.url_prefix = content.base_path(app)
    return [views.bp, views.admin_bp]


@hookimpl
def register_permissions():
    return [Permission(content.EDIT, _l("Edit the youth-work committee's pages, activities, events, bases and "
                                        "volunteers"), ("admin",))]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.group)


@hookimpl
def register_template_folders():
    return [str(PARTIALS)]


@hookimpl
def register_admin_sections():
    return [
        AdminSection(_l("Youth-work committee"), "youth_committee_admin.overview", content.EDIT, order=35),
        # The core's page list, which shows a committee editor only the committee's pages and posts.
        AdminSection(_l("Committee pages and activities"), "admin.pages", content.EDIT, order=36),
    ]


def _news_block(context):
    from flask import render_template

    return Markup(render_template("youth_committee/_news_block.html", activities=content.activities(limit=5)))


def _events_block(context):
    from flask import render_template

    return Markup(render_template("youth_committee/_events_block.html", events=upcoming(limit=5)))


@hookimpl
def register_content_blocks():
    return [
        ContentBlock("youth_committee.news", _l("Committee news"), _news_block, home=True, order=40),
        ContentBlock("youth_committee.events", _l("Upcoming committee events"), _events_block, home=True, order=41),
    ]


@hookimpl
def register_search_documents():
    prefix = content.base_path()
    for event in upcoming():
        yield SearchDocument(url=f"{prefix}/events/{event.id}", title=event.title, text=event.description,
                             kind="event", updated_at=event.updated_at)
    for base in db.session.scalars(db.select(models.Base)):
        yield SearchDocument(url=f"{prefix}/bases/{base.slug}", title=base.name,
                             text=" ".join((base.host_organisation, base.themes, base.description)),
                             kind="demonstration base", updated_at=base.updated_at)


@hookimpl
def extra_nav_items(menu, user):
    if menu == "main":
        return [NavItem(_l("Youth-work committee"), endpoint="youth_committee.home", order=40)]
    if menu == "footer":
        return [NavItem(_l("Committee events"), endpoint="youth_committee.calendar", order=40)]
    return []


@hookimpl
def extra_dashboard_cards(user):
    return [DashboardCard(_l("My registrations"), "youth_committee/_dashboard_card.html",
                          {"registrations": registration.my_registrations(user)}, order=40)]


@hookimpl
def load_demo_content(app):
    demo.load()


@hookimpl
def on_plugin_enabled(name):
    if name == "youth_committee":
        content.ensure_structure()


@hookimpl
def on_user_deleted(user):
    # Their registrations go with them (ON DELETE CASCADE); free their seats first so the queue
    # moves, for events still to come (a past event's place is only released). While the plugin
    # is disabled this hook does not run: `flask youth-committee recount` repairs the counters.
    now = utcnow()
    for mine in db.session.scalars(db.select(models.Registration).filter_by(user_id=user.id)).all():
        if mine.status == models.CONFIRMED:
            registration.lock_event(mine.event_id)
            if mine.event.starts_at > now:
                registration.pass_seat_on(mine.event_id)
            else:
                registration.release_seat(mine.event_id)
        mine.status = models.CANCELLED
