"""Admin: placeholder until its helper fills it in."""
from flask import render_template_string

from core.admin.views import bp
from core.permissions import permission_required


@bp.route("/media/")
@permission_required("media.manage")
def media():
    return render_template_string('{% extends "admin/layout.html" %}')
