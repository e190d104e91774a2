"""Admin: placeholder until its helper fills it in."""
from flask import render_template_string

from core.admin.views import bp
from core.permissions import permission_required


@bp.route("/site/")
@permission_required("site.manage")
def site():
    return render_template_string('{% extends "admin/layout.html" %}')
