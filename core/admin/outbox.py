"""Admin: the e-mail outbox."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.admin.forms import ConfirmForm, OutboxFilterForm
from core.admin.views import bp
from core.audit import audit
from core.extensions import db
from core.mail import OutboxMessage, flush_outbox
from core.permissions import permission_required

PER_PAGE = 50


def smtp_configured():
    return bool(current_app.config.get("MAIL_SERVER"))


@bp.route("/outbox")
@permission_required("outbox.view")
def outbox():
    filters = OutboxFilterForm(request.args)
    select = db.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if filters.validate() and filters.status.data:
        select = select.filter_by(status=filters.status.data)
    pagination = db.paginate(select, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/outbox.html",
        pagination=pagination,
        filters=filters,
        status=filters.status.data if not filters.errors else "",
        smtp=smtp_configured(),
        form=ConfirmForm(formdata=None),
    )


@bp.route("/outbox/<int:message_id>")
@permission_required("outbox.view")
def outbox_message(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message)


@bp.route("/outbox/flush", methods=["POST"])
@permission_required("outbox.view")
def outbox_flush():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.outbox"))
    if not smtp_configured():
        flash(_("SMTP is not configured (MAIL_SERVER), so the messages stay in the outbox."), "warning")
        return redirect(url_for("admin.outbox"))
    sent = flush_outbox()
    left = db.session.scalar(db.select(db.func.count(OutboxMessage.id)).filter_by(status="queued"))
    audit("outbox.flushed", None, sent=sent, queued=left)
    db.session.commit()
    message = _("Sent %(sent)s messages; %(left)s still queued.", sent=sent, left=left)
    flash(message, "warning" if left else "success")
    return redirect(url_for("admin.outbox"))
