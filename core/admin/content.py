"""Admin: placeholder until its helper fills it in."""
from flask import render_template_string

from core.admin.views import bp
from core.permissions import permission_required


@bp.route("/pages/")
@permission_required("content.edit")
def pages():
    return render_template_string('{% extends "admin/layout.html" %}')


@bp.route("/sections/")
@permission_required("content.edit")
def sections():
    return render_template_string('{% extends "admin/layout.html" %}')
