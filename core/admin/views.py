from flask import Blueprint, render_template

from core.permissions import permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@permission_required("admin.access")
def dashboard():
    return render_template("admin/dashboard.html")
