"""Lean routes: hot JSON endpoints answered before Flask builds a request.

A live final's audience sends a like batch every half second from every phone; on the
two-core embedded default, Flask's request machinery (request context, session, login,
limiter, after-request hooks) costs more than counting the likes. A plugin may register
a ``LeanRoute`` for such an endpoint (hook ``register_lean_routes``). Its handler gets a
``LeanRequest`` inside an app context and answers a ``LeanResponse``, or ``None`` to hand
the request to the ordinary view at the same URL.

The ordinary view stays the reference: a lean handler takes only the common case and
returns ``None`` for everything else (a signed-in caller, a malformed body, ...), so
both answer alike. While the database is unreachable the lane answers 503 as every page
then does (core/web.py). Error messages are phrased inside a request context, so they come
in the visitor's language. The lane runs inside ProxyFix (``REMOTE_ADDR`` is the
visitor's) and a disabled plugin's lean routes pass every request on.
"""
import io
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Callable

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from core.extensions import login_manager
from core.web import DATABASE_DOWN, RETRY_AFTER_SECONDS, SECURITY_HEADERS

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
STATUS_TEXT = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
               404: "Not Found", 409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests",
               500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass(frozen=True)
class LeanRoute:
    """``pattern`` is a regular expression for the whole path, with named groups for the view's
    arguments; ``handler(request) -> LeanResponse | None``."""

    method: str
    pattern: str
    handler: Callable
    plugin: str = ""


@dataclass
class LeanRequest:
    environ: dict
    args: dict
    body: bytes

    def header(self, name):
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    @property
    def remote_addr(self):
        return self.environ.get("REMOTE_ADDR") or "unknown"

    @property
    def content_type(self):
        return (self.environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()

    def json(self):
        """The body as JSON, or None when it is not a JSON body."""
        if self.content_type != "application/json":
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class LeanResponse:
    """``payload`` is JSON data; lazy strings in it are rendered in the visitor's language."""

    status: int
    payload: dict
    headers: dict = field(default_factory=dict)


class LeanLane:
    """WSGI middleware in front of Flask's own ``wsgi_app``."""

    def __init__(self, app, routes, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.routes = [(route.method.upper(), re.compile(route.pattern), route) for route in routes]

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        for route_method, pattern, route in self.routes:
            if route_method != method:
                continue
            match = pattern.fullmatch(path)
            if match:
                return self._serve(route, match.groupdict(), environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _serve(self, route, args, environ, start_response):
        environ["guildhall.endpoint"] = f"lean:{route.plugin}.{route.handler.__name__}"  # metrics; Flask renames
        body = _read_body(environ)
        if body is None:  # no length, or too long: the ordinary view says so
            return self.wsgi_app(environ, start_response)
        with self.app.app_context():
            host = self.app.extensions["guildhall.plugins"]
            answer = None
            try:
                if not route.plugin or host.is_enabled(route.plugin):
                    answer = route.handler(LeanRequest(environ, args, body))
            except SQLAlchemyError as error:
                # The database is unreachable (the plugin states, a handler's settings): the answer
                # every page then gives (core/web.py), at once rather than after the view tries again.
                log.warning("database unavailable on %s: %s", environ.get("PATH_INFO"), str(error).splitlines()[0])
                answer = LeanResponse(503, {"error": {"status": 503, "message": DATABASE_DOWN}},
                                      {"Retry-After": RETRY_AFTER_SECONDS, "Cache-Control": "no-store"})
            except Exception:  # what Flask's handler would do for the view: log it, answer 500
                log.exception("lean route %s failed on %s", route.pattern, environ.get("PATH_INFO"))
                answer = LeanResponse(500, {"error": {"status": 500, "message": _l("Something went wrong")}})
            if answer is not None and answer.status < 400:
                return _respond(answer, json.dumps(answer.payload), start_response)
        if answer is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        with self.app.request_context(environ):
            g._login_user = login_manager.anonymous_user()  # language from the session; no user from the database
            text = json.dumps(answer.payload, default=str)  # lazy messages, in the visitor's language
        return _respond(answer, text, start_response)


def _read_body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 <= length <= MAX_BODY:
        return None
    data = environ["wsgi.input"].read(length) if length else b""
    return data if len(data) == length else None


def _respond(answer, text, start_response):
    data = text.encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *SECURITY_HEADERS]
    headers += [(name, str(value)) for name, value in answer.headers.items()]
    start_response(f"{answer.status} {STATUS_TEXT.get(answer.status, '')}".rstrip(), headers)
    return [data]


def install(app, host):
    """Put the lean lane in front of the app when a plugin registers lean routes."""
    routes = host.lean_routes()
    if routes:
        app.wsgi_app = LeanLane(app, routes, app.wsgi_app)
