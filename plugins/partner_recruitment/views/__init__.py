"""The plugin's pages on one blueprint.

public.py   /partners: programmes, landing pages, QR codes, the application form, status links
admin.py    /admin/partners: programmes, landing content, statuses, managers, the form builder
review.py   /admin/partners/<id>/applications: the review pipeline and exports
"""
from flask import Blueprint

bp = Blueprint("partner_recruitment", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static/partner_recruitment")


@bp.context_processor
def admin_helpers():
    from plugins.partner_recruitment.access import MANAGE, REVIEW, can

    return {"can_manage_programmes": lambda: can(MANAGE), "can_review_programmes": lambda: can(REVIEW)}


from plugins.partner_recruitment.views import admin, public, review  # noqa: E402,F401
