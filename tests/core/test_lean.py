"""The lean lane (core/lean.py): hot JSON endpoints answered before Flask builds a request,
with the ordinary view at the same URL taking everything the lean handler leaves."""
import pytest
from flask import request_started

from core.plugins import get_host
from core.web import SECURITY_HEADERS
from tests.fixtures import install_plugins  # noqa: F401  (a fixture)


@pytest.fixture
def lean_app(install_plugins, app_factory):  # noqa: F811
    install_plugins("lean")

    def build(**config):
        return app_factory(ENABLED_PLUGINS=["announcements", "lean"], **config)

    return build


@pytest.fixture
def flask_requests(lean_app):
    """Paths of the requests Flask itself handled (the lean lane sends no request_started)."""
    seen = []

    def record(sender, **extra):
        from flask import request

        seen.append(request.path)

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def test_hook_register_lean_routes(lean_app, flask_requests):
    client = lean_app().test_client()
    answer = client.post("/echo/7", json={"word": "quality"})
    assert answer.status_code == 200
    assert answer.get_json() == {"number": 7, "word": "quality", "by": "lean", "address": "127.0.0.1"}
    assert flask_requests == []  # answered without Flask's request machinery
    for name, value in SECURITY_HEADERS:
        assert answer.headers[name] == value
    assert answer.headers["Content-Type"] == "application/json"


def test_what_the_lean_handler_leaves_goes_to_the_view_with_its_body(lean_app, flask_requests):
    client = lean_app().test_client()
    passed = client.post("/echo/8", json={"word": "pass"})
    assert passed.get_json() == {"number": 8, "word": "pass", "by": "view", "address": "127.0.0.1"}
    assert client.post("/echo/8", data="not json", content_type="text/plain").status_code == 400
    assert client.get("/echo/8").status_code == 405  # the lane answers only its method
    assert flask_requests == ["/echo/8"] * 3


def test_a_body_without_a_length_or_too_long_goes_to_the_view(lean_app):
    app = lean_app()
    client = app.test_client()
    long_word = "x" * (70 * 1024)
    answer = client.post("/echo/9", json={"word": long_word})
    assert answer.get_json()["by"] == "view"  # past the lane's 64 KiB, the ordinary limits apply


def test_a_disabled_plugins_lean_route_answers_404_like_its_view(lean_app):
    app = lean_app()
    client = app.test_client()
    with app.app_context():
        get_host(app).set_enabled("lean", False)
    answer = client.post("/echo/7", json={"word": "quality"})
    assert answer.status_code == 404
    with app.app_context():
        get_host(app).set_enabled("lean", True)
    assert client.post("/echo/7", json={"word": "quality"}).get_json()["by"] == "lean"


def test_a_lean_refusal_speaks_the_visitors_language(lean_app):
    client = lean_app().test_client()
    chinese = client.post("/echo/1", json={"word": "refuse"})
    assert chinese.status_code == 409 and chinese.headers["Retry-After"] == "3"
    assert chinese.get_json() == {"error": {"message": "请登录后查看此页面。"}}
    assert client.post("/language", data={"lang": "en", "next": "/"}).status_code == 302
    english = client.post("/echo/1", json={"word": "refuse"})
    assert english.status_code == 409
    assert english.get_json() == {"error": {"message": "Please sign in to see this page."}}


def test_the_lane_sees_the_visitors_address_behind_a_trusted_proxy(lean_app):
    client = lean_app(TRUSTED_PROXIES=1).test_client()
    answer = client.post("/echo/3", json={"word": "proxy"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.get_json()["address"] == "203.0.113.9"
    untrusted = lean_app().test_client().post("/echo/3", json={"word": "proxy"},
                                              headers={"X-Forwarded-For": "203.0.113.9"})
    assert untrusted.get_json()["address"] == "127.0.0.1"


def test_a_failing_lean_handler_is_logged_and_answers_json_500(lean_app, caplog):
    client = lean_app().test_client()
    answer = client.post("/echo/5", json={"word": "crash"})
    assert answer.status_code == 500
    assert answer.get_json() == {"error": {"status": 500, "message": "出错了"}}
    assert "lean route" in caplog.text and "ZeroDivisionError" in caplog.text
