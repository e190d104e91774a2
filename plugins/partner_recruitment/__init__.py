"""Partner recruitment: programmes with a landing page, a QR code, a configurable
application form (versioned; conditions checked on the server) and a review pipeline.

The hook implementations are below; tables in models.py, field types in fields.py, the
administrative divisions in regions.py, the builder in builder.py, submissions in
applications.py, the review actions in pipeline.py, pages in views/.
"""
from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.contrib import AdminSection, DashboardCard, NavItem, Permission, SearchDocument
from core.extensions import db
from core.hookspecs import hookimpl
from plugins.partner_recruitment import access, commands, demo, models, views

PARTIALS = Path(__file__).resolve().parent / "partials"


@hookimpl
def plugin_info():
    return {
        "title": _l("Partner recruitment"),
        "description": _l("Recruitment programmes with configurable application forms and a review pipeline."),
        "version": "1.0",
    }


@hookimpl
def register_blueprints(app):
    return [views.bp]


@hookimpl
def register_permissions():
    return [
        Permission(access.MANAGE, _l("Set up partner programmes and their application forms"), ("admin",)),
        Permission(access.REVIEW, _l("Review the applications of the partner programmes you manage"),
                   ("admin", "editor")),
    ]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.group)


@hookimpl
def register_template_folders():
    return [str(PARTIALS)]


@hookimpl
def register_admin_sections():
    return [AdminSection(_l("Partner recruitment"), "partner_recruitment.admin_list", access.REVIEW, order=40)]


@hookimpl
def extra_nav_items(menu, user):
    if menu == "main":
        return [NavItem(_l("City partners"), endpoint="partner_recruitment.index", order=40)]
    return []


@hookimpl
def extra_dashboard_cards(user):
    applications = db.session.scalars(
        db.select(models.Application).where(models.Application.user_id == user.id)
        .order_by(models.Application.created_at.desc()).limit(5)
    ).all()
    if not applications:
        return []
    return [DashboardCard(_l("My partner applications"), "partner_recruitment/_applications_card.html",
                          {"applications": applications}, order=30)]


@hookimpl
def register_search_documents():
    for programme in db.session.scalars(db.select(models.Programme).where(models.Programme.published.is_(True))):
        yield SearchDocument(url=f"/partners/{programme.slug}", title=programme.title,
                             text="\n".join([programme.summary, programme.advantages, programme.conditions]),
                             kind="partner_programme", updated_at=programme.updated_at)


@hookimpl
def load_demo_content(app):
    demo.load()


@hookimpl
def on_user_deleted(user):
    # Applications stay with the programme (they belong to the organisation); the link to the
    # account goes by the foreign key's SET NULL. Manager lists drop the user by CASCADE.
    db.session.execute(db.update(models.Application).where(models.Application.user_id == user.id)
                       .values(user_id=None))
