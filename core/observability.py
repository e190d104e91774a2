"""Request ids, access log and latency for every request; /metrics, /livez and /readyz.

``install(app)`` puts ``RequestObserver`` around the app (outside the lean lane, so lean
answers are timed and logged too; inside ProxyFix, so it sees the visitor's address) and
registers the routes:

    /metrics   Prometheus text format; a ``Authorization: Bearer <METRICS_TOKEN>`` header,
               or a signed-in user holding audit.view (administrators)
    /livez     the process answers: no database, no Redis
    /readyz    ready for traffic: the database answers SELECT 1, Redis (when configured)
               PING, the plugin host is loaded; 503 with the details otherwise

/healthz (core.api.health) stays the monitor's overview and shares the checks.
"""
import hmac
import logging
import time
from functools import wraps

from flask import Blueprint, current_app, jsonify, request

from core import logs, metrics, pagecache, web
from core.api.auth import use_user
from core.api.health import check_database, check_redis
from core.permissions import ACCESS_ATTR, json_error, permission_required, public

ENDPOINT_KEY = pagecache.ENDPOINT_KEY  # set by Flask (below), the lean lane (core.lean) or the page cache's HitLane
METRICS_PERMISSION = "audit.view"

access_log = logging.getLogger(logs.ACCESS_LOGGER)
bp = Blueprint("observability", __name__)


class RequestObserver:
    """WSGI middleware: the request id, the X-Request-ID header, the latency histogram and the
    access log line. It does not wrap the response body (files keep the server's sendfile), so
    the time measured is the time to the response's headers."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = logs.request_id_for(environ.get("HTTP_X_REQUEST_ID"))
        method = environ.get("REQUEST_METHOD", "GET")
        path = readable_path(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        logs.current.set((request_id, method, path))
        marker = web.unreachable.set(None)  # a new request tries the database again
        answered = []

        def observed_start_response(status, headers, exc_info=None):
            if not answered:
                answered.append(True)
                self._record(environ, int(status[:3]), time.perf_counter() - started, method, path)
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, observed_start_response)
        except BaseException:
            if not answered:
                self._record(environ, 500, time.perf_counter() - started, method, path)
            raise
        finally:
            web.unreachable.reset(marker)

    @staticmethod
    def _record(environ, status, seconds, method, path):
        endpoint = environ.get(ENDPOINT_KEY) or "unmatched"
        metrics.observe_request(endpoint, status, seconds)
        if access_log.isEnabledFor(logging.INFO):
            duration_ms = round(seconds * 1000, 2)
            access_log.info("%s %s %s %sms", method, path, status, duration_ms, extra={
                "status": status, "duration_ms": duration_ms, "endpoint": endpoint,
                "remote_addr": environ.get("REMOTE_ADDR")})


def readable_path(raw):
    """The path as people typed it (WSGI hands over the URL's bytes as latin-1 text), with any
    control character escaped: a %0A in a URL must not start a new line in a text log."""
    if raw.isascii() and raw.isprintable():  # the common case, the same in latin-1 and UTF-8
        return raw
    try:
        path = raw.encode("latin-1").decode("utf-8", "replace")
    except UnicodeError:
        path = raw
    return path if path.isprintable() else path.encode("unicode_escape").decode("ascii")


def _note_endpoint():
    """before_request (first of all): the matched endpoint names the request in metrics."""
    request.environ[ENDPOINT_KEY] = request.endpoint or "unmatched"


def install(app):
    logs.configure(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _note_endpoint)
    app.register_blueprint(bp)
    app.wsgi_app = RequestObserver(app.wsgi_app)


# -- routes -------------------------------------------------------------------------------


def _no_store(response, status=200):
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def metrics_access(view):
    """The configured METRICS_TOKEN as a bearer token, or a signed-in holder of audit.view."""
    by_permission = permission_required(METRICS_PERMISSION)(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization")
        if header is None:
            return by_permission(*args, **kwargs)
        scheme, _sep, given = header.strip().partition(" ")
        token = current_app.config.get("METRICS_TOKEN") or ""
        if not (token and scheme.lower() == "bearer"
                and hmac.compare_digest(given.strip().encode(), token.encode())):
            return json_error(401, "Send the metrics token as 'Authorization: Bearer <token>'.")
        use_user(None)  # a scraper is nobody: no session, no database
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, getattr(by_permission, ACCESS_ATTR))
    return wrapper


@bp.route("/metrics")
@pagecache.never
@metrics_access
def metrics_view():
    body, content_type = metrics.render(current_app, request.headers.get("Accept"))
    return _no_store(current_app.response_class(body, content_type=content_type))


@bp.route("/livez")
@pagecache.never
@public
def livez():
    use_user(None)
    return _no_store(jsonify({"status": "ok"}))


@bp.route("/readyz")
@pagecache.never
@public
def readyz():
    app = current_app._get_current_object()
    use_user(None)  # never load a session's user: the database may be down
    checks = {"database": check_database()}
    if app.config.get("REDIS_URL"):
        checks["redis"] = check_redis(app)
    checks["plugins"] = plugin_host_loaded(app)
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return _no_store(jsonify(body), 200 if ready else 503)


def plugin_host_loaded(app):
    """The host found its plugins; one that failed to load is reported, not a reason to wait
    (the site serves without it, as /healthz says)."""
    host = app.extensions.get("guildhall.plugins")
    if host is None or not host.plugins:
        return {"ok": False, "error": "plugin host not loaded"}
    failed = sorted(name for name, plugin in host.plugins.items() if plugin.error)
    return {"ok": True, "loaded": len(host.plugins) - len(failed), "failed": failed}
