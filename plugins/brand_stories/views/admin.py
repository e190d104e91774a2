"""/admin/live: finals, sessions, running orders and finalists (managers)."""
from flask import render_template

from core.extensions import db
from core.permissions import permission_required

from plugins.brand_stories.access import MANAGE
from plugins.brand_stories.models import LiveFinal
from plugins.brand_stories.views import bp


@bp.route("/admin/live")
@permission_required(MANAGE)
def admin_finals():
    finals = db.session.scalars(db.select(LiveFinal).order_by(LiveFinal.id.desc())).all()
    return render_template("brand_stories/admin/finals.html", finals=finals)
