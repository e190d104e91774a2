"""The committee's pages (prefix YOUTH_COMMITTEE_PATH, default /youth) and its admin (/admin/youth).

Modules: public (home, structure, work areas, plans and reports), events (calendar,
registration, iCalendar), bases, volunteers, admin (events, attendees, check-in, exports).
"""
from flask import Blueprint, abort

from core.extensions import db

MAX_ID = 2**31 - 1

bp = Blueprint("youth_committee", __name__, template_folder="../templates")
admin_bp = Blueprint("youth_committee_admin", __name__, url_prefix="/admin/youth", template_folder="../templates")


def get_or_404(model, object_id):
    """Like db.get_or_404, but a forged id too large for the database is a 404, not an error."""
    if not 0 < object_id <= MAX_ID:
        abort(404)
    return db.get_or_404(model, object_id)


from plugins.youth_committee.views import admin, bases, events, public, volunteers  # noqa: E402,F401
