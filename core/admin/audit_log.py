"""Admin: the audit log, newest first, with filters."""
from datetime import datetime, time, timedelta

from flask import render_template, request
from flask_babel import to_utc

from core.admin.forms import AuditFilterForm
from core.admin.views import bp
from core.audit import AuditEntry
from core.extensions import db
from core.permissions import permission_required

PER_PAGE = 50
FILTER_KEYS = ("action", "actor", "date_from", "date_to")


def utc_start_of(day):
    """The stored (naive UTC) moment at which a day in the site's time zone begins."""
    return to_utc(datetime.combine(day, time.min))


def escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.route("/audit")
@permission_required("audit.view")
def audit_log():
    filters = AuditFilterForm(request.args)
    select = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters.validate():
        if filters.action.data:
            select = select.where(AuditEntry.action.like(escape_like(filters.action.data) + "%", escape="\\"))
        if filters.actor.data:
            pattern = "%" + escape_like(filters.actor.data.lower()) + "%"
            select = select.where(AuditEntry.actor_label.ilike(pattern, escape="\\"))
        if filters.date_from.data:
            select = select.where(AuditEntry.at >= utc_start_of(filters.date_from.data))
        if filters.date_to.data:
            select = select.where(AuditEntry.at < utc_start_of(filters.date_to.data + timedelta(days=1)))
    pagination = db.paginate(select, per_page=PER_PAGE, error_out=False)
    actions = db.session.scalars(db.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    args = {key: request.args[key] for key in FILTER_KEYS if request.args.get(key)}
    return render_template("admin/audit_log.html", pagination=pagination, filters=filters, actions=actions, args=args)
