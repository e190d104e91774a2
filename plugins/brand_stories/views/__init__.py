"""The plugin's pages, on two blueprints.

public.py  /live: the sessions, the audience page (like button), the big-screen
           leaderboard, its Server-Sent-Event stream, and the like endpoint
host.py    /live/<id>/host: the host's console (open and close presentation windows)
admin.py   /admin/live: finals, sessions, running orders and finalists
api.py     /api/v1/live: the session's state and likes for scripts and apps
"""
from flask import Blueprint

bp = Blueprint("brand_stories", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static/brand_stories")
api_bp = Blueprint("brand_stories_api", __name__, url_prefix="/api/v1/live")

from plugins.brand_stories.views import admin, api, host, public  # noqa: E402,F401  (routes)
