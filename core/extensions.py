"""Extensions: created once here, bound to an app in create_app()."""
import time

from flask import current_app, g, request, session
from flask.globals import _cv_request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import MetaData

from core.babel_lookup import TerritoryBabel
from core.kept import keep

# Stable constraint names so that migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class GuildhallLoginManager(LoginManager):
    """Flask-Login, minus a cookie write for visitors who are not signed in.

    In "basic" mode Flask-Login marks every session whose browser fingerprint differs from the
    one stored at sign-in as not fresh, and never refuses it. A visitor who never signed in has a
    session (the CSRF token) but no fingerprint, so every such session was marked ``_fresh=False``:
    a change, hence a re-signed Set-Cookie on the visitor's second request. Freshness only
    matters once a user is in the session (sign-in sets it, a remember cookie clears it), so
    sessions without a user skip the check. "strong" mode is left exactly as Flask-Login has it.
    """

    def _session_protection_failed(self):
        mode = current_app.config.get("SESSION_PROTECTION", self.session_protection)
        if mode == "basic" and "_user_id" not in session:
            return False  # what basic mode answers anyway; nothing to mark on an anonymous session
        return super()._session_protection_failed()


TOKEN_MEMORY_SECONDS = 30
TOKEN_MEMORY_ENTRIES = 10_000


class GuildhallCSRFProtect(CSRFProtect):
    """Flask-WTF, with two savings on every page:

    - its before_request check asks the cheap question first: a GET (or another method that is
      not checked) needs no endpoint or exemption lookup. POST, PUT, PATCH and DELETE are
      checked exactly as before.
    - ``csrf_token()`` in templates signs a session's token once per TOKEN_MEMORY_SECONDS in this
      process rather than on every page (signing compresses, and zlib lets go of the GIL). The
      memory maps a session's own raw token to its signed form, so a visitor only ever gets the
      signature of the token in their own session; the signature's time is at most that many
      seconds old (WTF_CSRF_TIME_LIMIT is None here: tokens live as long as the session).
    """

    def __init__(self, app=None):
        self._signed = {}  # (secret, raw token) -> (signed token, when)
        super().__init__(app)

    def init_app(self, app):
        super().init_app(app)
        hooks = app.before_request_funcs.setdefault(None, [])
        stock = hooks[-1]  # the check Flask-WTF has just registered
        if getattr(stock, "__name__", "") == "csrf_protect":

            def csrf_protect():
                if request.method in app.config["WTF_CSRF_METHODS"]:
                    return stock()

            hooks[-1] = csrf_protect

        processors = app.template_context_processors.setdefault(None, [])
        if processors and processors[-1]().get("csrf_token") is generate_csrf:  # Flask-WTF's, just added
            # The global below serves every template; a context processor would only repeat it on each render.
            processors.pop()

            def csrf_token(secret_key=None, token_key=None):
                field = current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
                raw = session.get(field)
                if secret_key is None and token_key is None and field not in g and raw and isinstance(raw, str):
                    token = self.signed_token(current_app, raw)
                    setattr(g, field, token)  # what generate_csrf() keeps for the request
                    return token
                return generate_csrf(secret_key, token_key)

            app.jinja_env.globals["csrf_token"] = csrf_token

    def signed_token(self, app, raw):
        """The token generate_csrf() gives the session holding `raw`, signed once per
        TOKEN_MEMORY_SECONDS in this process (the page cache's lane fills its pages with it too)."""
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        key, now = (secret, raw), time.monotonic()
        known = self._signed.get(key)
        if known is not None and now - known[1] < TOKEN_MEMORY_SECONDS:
            return known[0]
        token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
        keep(self._signed, key, (token, now), TOKEN_MEMORY_ENTRIES)
        return token


class GuildhallLimiter(Limiter):
    """Flask-Limiter, skipping its per-request bookkeeping where it has nothing to check.

    Its before_request hook applies application, default, meta and blueprint limits; limits
    declared on a view (@limiter.limit, shared_limit) are checked by the view's own wrapper, not
    there. While none of the former apply to a request (Guildhall configures no application,
    default or meta limits; an instance's RATELIMIT_DEFAULT / RATELIMIT_APPLICATION turns the full
    hook back on everywhere, a blueprint limit for that blueprint's routes) and the storage is
    healthy, the hook would find no limit and only build its per-request context; the
    after-request and teardown hooks then have nothing to report or reset.
    """

    def _middleware_has_limits(self):
        manager = self.limit_manager
        if (
            self._storage_dead  # in-memory fallback limits and the recovery check live in the full hook
            or manager._application_limits
            or manager._default_limits
            or self._meta_limits
        ):
            return True
        limited = manager._blueprint_limits  # e.g. the API blueprints' shared limit
        blueprint = request.blueprint
        if not (limited and blueprint):
            return False
        if any(part in limited for part in blueprint.split(".")):  # the blueprint or a parent
            return True
        registered = current_app.blueprints.get(blueprint)
        return registered is not None and registered.name in limited

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and callable_name is None and not self._middleware_has_limits():
            return None
        return super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _context_used(self):
        return getattr(_cv_request.get(None), "_limiter_request_context", None) is not None

    def _Limiter__release_context(self, _=None):
        if self._context_used():
            self.context.reset()

    def init_app(self, app):
        super().init_app(app)
        hooks = app.after_request_funcs.get(None, [])
        for index, hook in enumerate(hooks):
            if getattr(hook, "func", None) is Limiter._Limiter__inject_headers and hook.args == (self,):
                stock = hook

                def inject_headers(response, stock=stock):
                    return stock(response) if self._context_used() else response

                hooks[index] = inject_headers


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = GuildhallLoginManager()
csrf = GuildhallCSRFProtect()
babel = TerritoryBabel()  # also finds translations/zh_CN/, see core/babel_lookup.py
limiter = GuildhallLimiter(key_func=get_remote_address)
