"""Announcements: short notices from the association's secretariat.

This module holds only the hook implementations; the table is in models.py,
the pages in views.py, the commands in commands.py and the demo notices in demo.py.
It implements every hook in core/hookspecs.py except register_sanitizer_allowlist
(its notices are plain text), so it doubles as the worked
example for docs/plugin-hooks.md.
"""
import logging
from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.audit import audit
from core.contrib import AdminSection, ContentBlock, DashboardCard, NavItem, Permission, SearchDocument
from core.extensions import db
from core.hookspecs import hookimpl
from plugins.announcements import commands, demo, models, views

log = logging.getLogger(__name__)

# Partials that core pages render (home block, sidebar banner, dashboard card),
# kept apart from the blueprint's own templates; themes override them by path.
PARTIALS = Path(__file__).resolve().parent / "partials"


@hookimpl
def plugin_info():
    return {
        "title": _l("Announcements"),
        "description": _l("Short notices from the secretariat, with pinning and expiry."),
        "version": "1.0",
    }


@hookimpl
def register_blueprints(app):
    return [views.bp]


@hookimpl
def register_permissions():
    return [Permission(views.MANAGE, _l("Write and delete announcements"), ("admin", "editor"))]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.group)


@hookimpl
def register_template_folders():
    return [str(PARTIALS)]


@hookimpl
def register_admin_sections():
    return [AdminSection(_l("Announcements"), "announcements.admin_list", views.MANAGE, order=20)]


@hookimpl
def register_content_blocks():
    return [ContentBlock("announcements.latest", _l("Latest announcements"), views.latest_block, home=True, order=10)]


@hookimpl
def register_search_documents():
    for notice in db.session.scalars(models.visible_query()):
        yield SearchDocument(
            url=views.detail_path(notice),
            title=notice.title,
            text=notice.body,
            kind="announcement",
            updated_at=notice.updated_at,
        )


@hookimpl
def extra_nav_items(menu, user):
    if menu == "main":
        return [NavItem(_l("Announcements"), endpoint="announcements.index", order=20)]
    return []


@hookimpl
def extra_dashboard_cards(user):
    return [
        DashboardCard(
            _l("Notices for members"),
            "announcements/_dashboard_card.html",
            {"notices": models.latest(5)},
            order=10,
        )
    ]


@hookimpl
def extra_slot(slot, context):
    if slot == "home_sidebar":
        return views.pinned_banner()
    return None


@hookimpl
def load_demo_content(app):
    demo.load()


@hookimpl
def on_user_created(user):
    # Nothing to store: a new member simply sees the current notices.
    log.info("announcements: user %s created", user.id)


@hookimpl
def on_user_deleted(user):
    # Their notices stay up; the stored author name keeps the byline.
    db.session.execute(
        db.update(models.Announcement).where(models.Announcement.author_id == user.id).values(author_id=None)
    )


@hookimpl
def on_plugin_enabled(name):
    log.info("announcements: plugin %s was enabled", name)
    audit("announcements.plugin_enabled", name)


@hookimpl
def on_plugin_disabled(name):
    log.info("announcements: plugin %s was disabled", name)
    audit("announcements.plugin_disabled", name)
