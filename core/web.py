"""Request plumbing shared by every page: sessions, locale, headers, errors, template helpers."""
import contextvars
import logging
import os
import time
from functools import lru_cache

from babel import Locale
from flask import current_app, g, render_template, request, send_from_directory
from flask.globals import _cv_request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from core import sanitize
from core.extensions import db, login_manager
from core.kept import keep
from core.permissions import json_error, public, user_has_permission, wants_json

log = logging.getLogger(__name__)

ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Upload too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
DATABASE_DOWN = _l("The site cannot reach its database right now. Please try again in a moment.")
# Rendered without base.html, whose menus and settings would ask the unreachable database again.
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }} · {{ site_name }}</title></head>
<body><main class="error-page"><p class="error-code">503</p><h1>{{ title }}</h1><p>{{ description }}</p></main>
</body></html>"""
RETRY_AFTER_SECONDS = 5

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_SECURITY_HEADERS_LOWER = tuple((name, name.lower(), value) for name, value in SECURITY_HEADERS)


def add_security_headers(response):
    """SECURITY_HEADERS, except those the view set itself; private, no-store for a signed-in user."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    for name, lower, value in _SECURITY_HEADERS_LOWER:
        if lower not in present:
            headers.add(name, value)
    if "cache-control" not in present and current_user._get_current_object().is_authenticated:
        headers.add("Cache-Control", "private, no-store")
    return response


def install_session_interface(app):
    """Flask's signed-cookie sessions, with the signing serializer built once per key set.

    Flask builds a new serializer for opening and again for saving every session; building one
    serializes an empty dict to learn its type. This one is kept while SECRET_KEY and
    SECRET_KEY_FALLBACKS stay the same (a rotated key builds a new one), and it remembers the
    cookies it has verified (RememberingSerializer). The interface stays a plain
    SecureCookieSessionInterface (its own instance for this app): the page cache's lane reads
    session cookies itself only for that exact type."""
    interface = SecureCookieSessionInterface()
    build = interface.get_signing_serializer
    kept = {}

    def get_signing_serializer(app):
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = kept.get(key)
        if serializer is None:
            serializer = build(app)
            if serializer is not None:
                serializer = RememberingSerializer(serializer)
                kept.clear()
                kept[key] = serializer
        return serializer

    interface.get_signing_serializer = get_signing_serializer
    app.session_interface = interface


class RememberingSerializer:
    """A session serializer that remembers the cookies it verified.

    A browser sends the same session cookie with every page; checking its signature and
    decoding it again each time cost about 30 µs a request. A cookie string verified with this
    serializer's keys gives the same values until it is older than ``max_age``, so its values
    and signing time are kept (only sessions of plain values, which a copy cannot share, and
    cookies of ordinary size; at most MEMORY entries). Anything else, an expired cookie
    included, goes through the real check."""

    MEMORY = 4096
    LONGEST = 1024
    PLAIN = (str, int, float, bool, type(None))

    def __init__(self, serializer):
        self.serializer = serializer
        self._seen = {}  # cookie -> (values, signed at, seconds since the epoch)

    def dumps(self, obj, *args, **kwargs):
        return self.serializer.dumps(obj, *args, **kwargs)

    def loads(self, s, max_age=None, return_timestamp=False, **kwargs):
        if return_timestamp or kwargs or not isinstance(s, str):
            return self.serializer.loads(s, max_age=max_age, return_timestamp=return_timestamp, **kwargs)
        seen = self._seen.get(s)
        if seen is not None:
            age = int(time.time()) - seen[1]
            if max_age is None or 0 <= age <= max_age:
                return dict(seen[0])
        values, signed_at = self.serializer.loads(s, max_age=max_age, return_timestamp=True)
        if (len(s) <= self.LONGEST and isinstance(values, dict)
                and all(type(value) in self.PLAIN for value in values.values())):
            keep(self._seen, s, (dict(values), int(signed_at.timestamp())), self.MEMORY)
        return values

    def __getattr__(self, name):
        return getattr(self.serializer, name)


# In a request (thread or greenlet): None, or why the database could not be reached. Outside
# requests (CLI, background threads) OUTSIDE: nothing is remembered there.
OUTSIDE = "outside a request"
unreachable = contextvars.ContextVar("guildhall_database_unreachable", default=OUTSIDE)


def configure_fail_fast(app):
    """Once a request has failed to connect to the database, it does not wait for another connect:
    the page cache's check, the plugin states and the view could otherwise each wait out the
    connect timeout in turn before the visitor gets the 503. The next request tries again
    (core.observability marks where a request starts and ends)."""
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "handle_error")
        def _remember_connect_failure(context):
            if (context.connection is None and not context.is_pre_ping and unreachable.get() is None
                    and context.original_exception is not None):
                unreachable.set(str(context.original_exception).splitlines()[0][:200] or "no answer")

        @event.listens_for(engine, "do_connect")
        def _refuse_after_failure(dialect, _record, _cargs, _cparams):
            failed = unreachable.get()
            if failed is not None and failed is not OUTSIDE:
                raise dialect.loaded_dbapi.OperationalError(f"not tried again in this request: {failed}")


def configure_sqlite(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


def select_locale():
    context = _cv_request.get(None)  # asked several times a page: one context lookup, not one per proxy
    if context is None:  # CLI and background work: no session, no user
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    config = context.app.config
    languages = config["LANGUAGES"]
    chosen = context.session.get("lang")
    if chosen in languages:
        return chosen
    user = current_user._get_current_object()
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    return config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=32)
def _parsed_locale(code):
    return Locale.parse(code)


def select_babel_locale():
    """Flask-Babel's selector: a parsed Locale, because parsing one costs more than a page's SQL."""
    return _parsed_locale(select_locale())


def alembic_version_locations(host):
    def configure(config):
        core_versions = config.get_main_option("script_location") + "/versions"
        folders = [core_versions, *host.migration_folders()]
        config.set_main_option("version_locations", os.pathsep.join(folders))
        return config

    return configure


@login_manager.user_loader
def load_user(user_id):
    from core.users.models import User

    try:
        raw_id, version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(version)
    except (ValueError, TypeError):
        return None
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def render_error(status, description=None):
    if wants_json():
        return json_error(status, description or ERROR_TITLES.get(status, "Error"))
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    return render_template("errors/error.html", status=status, title=title, description=description), status


def database_unavailable(error):
    """503 while the database cannot be reached (down, cut off, pool exhausted): the request fails
    in seconds and the site recovers by itself, as pool_pre_ping replaces the dead connections."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, str(error).splitlines()[0])
    try:
        db.session.rollback()
    except Exception:  # the connection is gone already
        pass
    g._login_user = login_manager.anonymous_user()  # loading the signed-in user would ask the database again
    if wants_json():
        response = json_error(503, DATABASE_DOWN)
    else:
        html = current_app.jinja_env.from_string(UNAVAILABLE_PAGE).render(
            lang=select_locale().replace("_", "-"),
            title=ERROR_TITLES[503],
            description=DATABASE_DOWN,
            site_name=current_app.config["SITE_NAME"],
        )
        response = current_app.response_class(html, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app, host):
    login_manager.login_view = "users.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    install_session_interface(app)
    app.before_request(host.gate_request)
    sanitize.init_app(app)  # refuses to start without the configured backend; `sanitize` filter
    app.after_request(add_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("The form expired or was sent from another site. Please try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        # Werkzeug's stock descriptions are English only; the translated title says it better.
        custom = error.description if error.description != type(error).description else None
        response = render_error(error.code, custom if error.code not in (404, 500) else None)
        if error.code == 429:
            return response
        if error.code == 405 and hasattr(error, "valid_methods"):
            response = current_app.make_response(response)
            response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response

    @app.errorhandler(Exception)
    def unhandled(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)

    @app.teardown_appcontext
    def end_session(_error):
        """Runs before Flask-SQLAlchemy's own teardown. A connection that died after the answer was
        made fails the session's closing rollback; SQLAlchemy has dropped it from the pool by then,
        so the answer stands (not a 500) and the second close finds nothing left to roll back."""
        try:
            db.session.remove()
        except DBAPIError as error:
            log.warning("database connection lost while ending the session: %s", str(error).splitlines()[0])
            db.session.remove()

    @app.errorhandler(DBAPIError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeoutError)
    def database_error(error):
        if isinstance(error, DBAPIError) and not (isinstance(error, OperationalError) or error.connection_invalidated):
            return unhandled(error)
        return database_unavailable(error)

    @app.route("/theme/<path:filename>", endpoint="theme_static")
    @public
    def theme_static(filename):
        from core.pages.themes import get_themes

        return send_from_directory(get_themes(app).static_folder(), filename, max_age=3600)

    app.jinja_env.globals.update(
        nav_items=lambda menu: nav_items(host, menu),
        slot=lambda name, **context: render_slot(host, name, context),
        can=lambda permission: current_user.is_authenticated and user_has_permission(current_user, permission),
    )

    @app.context_processor
    def template_helpers():
        config = app.config  # read per render: tests change these after the app is built
        return {"current_locale": select_locale(), "languages": config["LANGUAGES"], "site_name": config["SITE_NAME"]}


def nav_items(host, menu):
    cache = g.setdefault("_nav_items", {})
    if menu not in cache:
        user = current_user._get_current_object()
        items = [
            item
            for item in host.collect("extra_nav_items", menu=menu, user=user)
            if item.permission is None
            or (user.is_authenticated and user_has_permission(user, item.permission))
        ]
        cache[menu] = sorted(items, key=lambda item: item.order)
    return cache[menu]


EMPTY_SLOT = Markup("")


def render_slot(host, name, context):
    if "user" not in context:
        context["user"] = current_user._get_current_object()
    parts = [part for part in host.hook.extra_slot(slot=name, context=context) if part]
    if not parts:  # most slots on most pages
        return EMPTY_SLOT
    return Markup("").join(part if isinstance(part, Markup) else escape(part) for part in parts)
