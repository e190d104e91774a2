"""Admin: placeholder until its helper fills it in."""
from flask import render_template_string

from core.admin.views import bp
from core.permissions import permission_required


@bp.route("/menus/")
@permission_required("content.edit")
def menus():
    return render_template_string('{% extends "admin/layout.html" %}')
