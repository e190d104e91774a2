"""The users blueprint and the helpers its view modules share."""
from flask import Blueprint, current_app, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

bp = Blueprint("users", __name__)


def safe_next(target, default="users.dashboard"):
    """A same-site path to go to after signing in, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for(default)


def login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def reset_limit():
    return current_app.config["RESET_RATE_LIMIT"]


def register_limit():
    return current_app.config["REGISTER_RATE_LIMIT"]


def resend_limit():
    return current_app.config.get("RESEND_VERIFY_RATE_LIMIT", "3 per hour")


def user_or_address():
    """Rate-limit key: the signed-in user, else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()
