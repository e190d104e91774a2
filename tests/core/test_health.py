"""GET /healthz: what a load balancer and a monitor rely on."""
import time

import pytest

from core.extensions import db
from tests.core.test_api_plugins import install_entry_point_plugins

UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=1"


def get_health(app):
    response = app.test_client().get("/healthz")
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    return response, response.get_json()


def test_healthy_on_each_database(backend_app):
    response, body = get_health(backend_app)
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["latency_ms"] >= 0
    assert "redis" not in body
    assert all(plugin["error"] is None for plugin in body["plugins"])


def test_redis_is_checked_when_configured(app_factory, redis_url):
    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        response, body = get_health(app)
        assert response.status_code == 200
        assert body["redis"]["ok"] is True
        assert body["status"] == "ok"
        db.session.remove()


def test_unreachable_redis_degrades_but_still_serves(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        response, body = get_health(app)
        assert response.status_code == 200
        assert body["redis"]["ok"] is False
        assert body["status"] == "degraded"
        db.session.remove()


def test_unreachable_database_is_503_down(app_factory):
    app = app_factory(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)
    started = time.monotonic()
    with app.app_context():
        response, body = get_health(app)
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["database"]["ok"] is False
    assert time.monotonic() - started < 5


def test_broken_plugin_degrades_but_still_serves(tmp_path_factory, monkeypatch, app_factory):
    install_entry_point_plugins(
        tmp_path_factory.mktemp("site"),
        monkeypatch,
        {"healthtest_broken": "raise RuntimeError('cannot start')\n"},
        dist="healthtest-plugins",
    )
    app = app_factory()
    with app.app_context():
        response, body = get_health(app)
        assert response.status_code == 200
        assert body["status"] == "degraded"
        broken = next(plugin for plugin in body["plugins"] if plugin["name"] == "healthtest_broken")
        assert broken["enabled"] is False
        assert "cannot start" in broken["error"]
        db.session.remove()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_health_only_answers_get(client, method):
    assert client.open("/healthz", method=method).status_code == 405
