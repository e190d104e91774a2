"""Admin: the list of plugins and their run-time toggle."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.admin.forms import ConfirmForm
from core.admin.views import bp
from core.audit import audit
from core.extensions import db
from core.permissions import permission_required
from core.plugins import PluginError, get_host

ACTIONS = {"enable": True, "disable": False}


def plugin_row(name):
    row = next((row for row in get_host().status() if row["name"] == name), None)
    if row is None:
        abort(404)
    return row


def blocking_reason(row, enable):
    """Why the toggle would be refused, shown before the admin confirms; None if it would work."""
    host = get_host()
    if enable:
        if row["error"]:
            return _("%(name)s failed to load: %(error)s", name=row["name"], error=row["error"])
        if row["unmet"]:
            needs = ", ".join(row["unmet"])
            return _("%(name)s needs these plugins enabled first: %(needs)s", name=row["name"], needs=needs)
    else:
        dependents = host.dependents(row["name"])
        if dependents:
            return _("%(names)s need %(name)s; disable them first.", names=", ".join(dependents), name=row["name"])
    return None


@bp.route("/plugins")
@permission_required("plugins.manage")
def plugins():
    return render_template("admin/plugins.html", plugins=get_host().status())


@bp.route("/plugins/<name>/confirm")
@permission_required("plugins.manage")
def plugin_confirm(name):
    row = plugin_row(name)
    action = request.args.get("action", "")
    if action not in ACTIONS:
        abort(404)
    return render_template(
        "admin/plugin_confirm.html",
        plugin=row,
        action=action,
        reason=blocking_reason(row, ACTIONS[action]),
        form=ConfirmForm(formdata=None),
    )


@bp.route("/plugins/<name>/enable", methods=["POST"])
@permission_required("plugins.manage")
def plugin_enable(name):
    return toggle(name, True)


@bp.route("/plugins/<name>/disable", methods=["POST"])
@permission_required("plugins.manage")
def plugin_disable(name):
    return toggle(name, False)


def toggle(name, enable):
    row = plugin_row(name)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.plugins"))
    try:
        get_host().set_enabled(name, enable, user=current_user)
    except PluginError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.plugins"))
    audit("plugin.enabled" if enable else "plugin.disabled", name)
    db.session.commit()
    if enable:
        flash(_("%(title)s is enabled.", title=row["title"]), "success")
    else:
        flash(_("%(title)s is disabled; its data stays.", title=row["title"]), "success")
    return redirect(url_for("admin.plugins"))
