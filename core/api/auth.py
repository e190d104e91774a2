"""Bearer-token authentication for every /api/ path.

The API never trusts the browser's session cookie: a request under /api/ is
signed in as the owner of its ``Authorization: Bearer <token>`` header or is
anonymous. That is what makes it safe to exempt API blueprints from CSRF.
The access decorators of core.permissions then apply as everywhere else.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from core.extensions import csrf, db, limiter, login_manager
from core.permissions import json_error
from core.users.models import ApiToken, utcnow

API_PREFIX = "/api/"
# Raw tokens are "gh_" plus URL-safe base64; anything else is refused without a query.
TOKEN_PATTERN = re.compile(r"gh_[A-Za-z0-9_-]{20,100}")
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Credentials:
    token: ApiToken | None = None  # None: anonymous
    problem: str | None = None  # why the presented credentials were refused


def is_api_request():
    return request.path.startswith(API_PREFIX)


def _read_credentials():
    header = request.headers.get("Authorization")
    if header is None:
        return Credentials()
    scheme, _sep, raw = header.strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not TOKEN_PATTERN.fullmatch(raw):
        return Credentials(problem=_("Send the API token as 'Authorization: Bearer <token>'."))
    token = ApiToken.find_active(raw)
    if token is None:
        return Credentials(problem=_("The API token is unknown, revoked or belongs to an inactive user."))
    return Credentials(token=token)


def credentials():
    """This request's credentials, read once (the rate limiter asks before the views do)."""
    if "_api_credentials" not in g:
        g._api_credentials = _read_credentials()
    return g._api_credentials


def use_user(user):
    """Make ``user`` Flask-Login's current user for this request only.

    Flask-Login keeps the request's user in ``g._login_user`` and loads it
    from the session cookie only while that is unset; setting it first keeps
    the cookie out of API authentication. Nothing is written to the session."""
    g._login_user = user if user is not None else login_manager.anonymous_user()


def _touch(token):
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()


def unauthorized(message):
    response = json_error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="api", error="invalid_token"'
    return response


def authenticate():
    """before_request for every /api/ path, core or plugin."""
    if not is_api_request():
        return None
    found = credentials()
    if found.problem:
        use_user(None)
        return unauthorized(found.problem)
    if found.token is None:
        use_user(None)
        return None
    _touch(found.token)
    use_user(found.token.user)
    return None


def add_challenge(response):
    """after_request: every 401 under /api/ says how to authenticate (RFC 6750)."""
    if response.status_code == 401 and is_api_request():
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    return response


def forget_request_user(_error=None):
    """teardown_request: drop this request's user and token from ``g``.

    ``g`` outlives a request when an app context was pushed around several
    (as tests do); the next request must authenticate afresh."""
    if is_api_request():
        g.pop("_login_user", None)
        g.pop("_api_credentials", None)


def rate_limit_key():
    found = credentials()
    if found.token is not None:
        return f"token:{found.token.token_hash}"
    return f"ip:{get_remote_address()}"


def _api_rate_limit():
    return current_app.config["API_RATE_LIMIT"]


# One budget per token (or IP) shared by every API endpoint, core and plugin.
api_rate_limit = limiter.shared_limit(_api_rate_limit, scope="api", key_func=rate_limit_key)


def cover_api_blueprints(state):
    """On registering the core API blueprint, extend its rules to plugin API blueprints.

    Plugins register their blueprints before the core's, so every blueprint
    whose prefix is under /api/ is known here: it gets the API rate limit
    and, being token-only (see ``authenticate``), no CSRF check."""
    for blueprint in state.app.blueprints.values():
        if (blueprint.url_prefix or "").startswith(API_PREFIX):
            api_rate_limit(blueprint)
            csrf.exempt(blueprint)


def install(bp):
    bp.before_app_request(authenticate)
    bp.after_app_request(add_challenge)
    bp.teardown_app_request(forget_request_user)
    bp.record_once(cover_api_blueprints)
    api_rate_limit(bp)
