"""The admin blueprint: the sidebar, the dashboard, and the section modules that add routes to it."""
from datetime import timedelta

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func
from werkzeug.routing import BuildError

from core.audit import AuditEntry
from core.contrib import AdminSection
from core.extensions import db
from core.mail import OutboxMessage
from core.permissions import permission_required, registry
from core.plugins import get_host
from core.users.models import Organisation, User, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")

RECENT_AUDIT_DAYS = 7

CORE_SECTIONS = [
    AdminSection(_l("Overview"), "admin.dashboard", "admin.access", order=0),
    AdminSection(_l("Pages and news"), "admin.pages", "content.edit", order=2),
    AdminSection(_l("News sections"), "admin.sections", "content.edit", order=3),
    AdminSection(_l("Media library"), "admin.media", "media.manage", order=4),
    AdminSection(_l("Menus"), "admin.menus", "content.edit", order=5),
    AdminSection(_l("Site and home page"), "admin.site", "site.manage", order=6),
    AdminSection(_l("Users"), "admin.users", "users.manage", order=10),
    AdminSection(_l("Invitations"), "admin.invitations", "users.manage", order=15),
    AdminSection(_l("Organisations"), "admin.organisations", "organisations.manage", order=20),
    AdminSection(_l("Roles and permissions"), "admin.roles", "roles.manage", order=30),
    AdminSection(_l("Plugins"), "admin.plugins", "plugins.manage", order=40),
    AdminSection(_l("E-mail outbox"), "admin.outbox", "outbox.view", order=50),
    AdminSection(_l("Audit log"), "admin.audit_log", "audit.view", order=60),
]


def may(permission):
    """Whether the current user holds a permission; an undeclared one counts as not held."""
    if not current_user.is_authenticated or permission not in registry():
        return False
    return current_user.can(permission)


def visible_sections():
    """(section, url, current) for each core or plugin section the current user may open, in order."""
    sections = sorted(
        CORE_SECTIONS + get_host().collect("register_admin_sections"),
        key=lambda section: (section.order, str(section.label)),
    )
    visible = []
    for section in sections:
        if not may(section.permission):
            continue
        try:
            url = url_for(section.endpoint)
        except BuildError:  # a plugin named an endpoint that does not exist or needs arguments
            continue
        visible.append((section, url, is_current(section)))
    return visible


def is_current(section):
    endpoint = request.endpoint or ""
    if endpoint == section.endpoint:
        return True
    # "admin.users" also covers "admin.user_edit", "admin.user_delete", ...
    stem = section.endpoint.removesuffix("s")
    return section.endpoint != "admin.dashboard" and endpoint.startswith(stem + "_")


# App-wide so that plugin admin pages can extend admin/layout.html too.
bp.record_once(lambda state: state.app.jinja_env.globals.update(admin_sections=visible_sections))


@bp.route("/")
@permission_required("admin.access")
def dashboard():
    since = utcnow() - timedelta(days=RECENT_AUDIT_DAYS)
    counts = {
        "users": db.session.scalar(db.select(func.count(User.id))),
        "organisations": db.session.scalar(db.select(func.count(Organisation.id))),
        "plugins": len(get_host().enabled_names()),
        "queued_mails": db.session.scalar(
            db.select(func.count(OutboxMessage.id)).filter_by(status="queued")
        ),
        "recent_audit": db.session.scalar(
            db.select(func.count(AuditEntry.id)).where(AuditEntry.at >= since)
        ),
    }
    latest = []
    if may("audit.view"):
        latest = db.session.scalars(
            db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(8)
        ).all()
    return render_template("admin/dashboard.html", counts=counts, latest=latest, days=RECENT_AUDIT_DAYS)


# The section modules register their routes on `bp`; imported last because they import it.
from core.admin import audit_log, content, media, menus, organisations, outbox, plugins, roles, site, users  # noqa: E402,F401,I001
