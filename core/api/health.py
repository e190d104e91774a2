"""GET /healthz for load balancers and monitoring: cheap, public, never cached.

200 while the database answers ("ok", or "degraded" when Redis or a plugin
is broken), 503 when it does not ("down").
"""
import logging
import time

from flask import Blueprint, current_app, jsonify

from core.api.auth import use_user
from core.extensions import db
from core.permissions import public
from core.plugins import get_host

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)
REDIS_TIMEOUT = 1.0  # seconds; a health check must answer quickly even when Redis hangs


def _milliseconds_since(started):
    return round((time.perf_counter() - started) * 1000, 2)


def check_database():
    started = time.perf_counter()
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception as error:
        db.session.rollback()
        log.warning("health check: database unreachable: %s", error)
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "latency_ms": _milliseconds_since(started)}


def _redis_client(app):
    client = app.extensions.get("guildhall.health_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        app.extensions["guildhall.health_redis"] = client
    return client


def check_redis(app):
    started = time.perf_counter()
    try:
        _redis_client(app).ping()
    except Exception as error:
        log.warning("health check: redis unreachable: %s", error)
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "latency_ms": _milliseconds_since(started)}


def plugin_health(database_ok):
    host = get_host()
    enabled = None  # enabled flags live in the database; without it they are unknown
    if database_ok:
        try:
            enabled = host.enabled_names()
        except Exception:
            db.session.rollback()
    return [
        {"name": name, "enabled": None if enabled is None else name in enabled, "error": plugin.error}
        for name, plugin in sorted(host.plugins.items())
    ]


@bp.route("/healthz")
@public
def healthz():
    app = current_app._get_current_object()
    use_user(None)  # never load a session's user: cheaper, and safe while the database is down
    database = check_database()
    body = {"database": database}
    healthy = database["ok"]
    if app.config.get("REDIS_URL"):
        body["redis"] = check_redis(app)
        healthy = healthy and body["redis"]["ok"]
    body["plugins"] = plugin_health(database["ok"])
    healthy = healthy and not any(plugin["error"] for plugin in body["plugins"])
    body["status"] = "down" if not database["ok"] else "ok" if healthy else "degraded"
    response = jsonify(body)
    response.status_code = 200 if database["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response
