"""What every request costs in the per-request machinery (issue 8), with the behaviour kept:
an unchanged session is not signed and sent again, CSRF tokens are signed once and still
checked, SQLite connections are not pinged, rate limits still hold, request ids stay unique."""
import os
import re
import zlib
from unittest import mock

import pytest
from core import logs
from core.extensions import db
from tests.conftest import login, make_user

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def session_cookies(response):
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True, PAGE_CACHE=False)


def test_an_anonymous_session_is_sent_once_not_on_every_page(csrf_app):
    client = csrf_app.test_client()
    first = client.get("/")
    assert session_cookies(first), "the first page starts the session (its CSRF token)"
    for _ in range(3):  # the browser sends the cookie back: nothing changed, nothing to re-sign
        response = client.get("/")
        assert response.status_code == 200
        assert session_cookies(response) == []


def test_a_repeat_page_compresses_nothing(csrf_app):
    """Signing a session or a CSRF token compresses its payload (zlib lets go of the GIL, a thread
    switch under gthread); a repeat visit has nothing new to sign."""
    client = csrf_app.test_client()
    client.get("/")
    client.get("/")
    with mock.patch("zlib.compress", wraps=zlib.compress) as compress:
        body = client.get("/").get_data(as_text=True)
    assert TOKEN.search(body), "the page still carries a CSRF token"
    assert compress.call_count == 0


def test_the_remembered_token_is_the_visitors_own_and_is_checked(csrf_app):
    alice, bob = csrf_app.test_client(), csrf_app.test_client()
    alice.get("/")
    bob.get("/")
    alice_token = TOKEN.search(alice.get("/").get_data(as_text=True)).group(1)
    bob_token = TOKEN.search(bob.get("/").get_data(as_text=True)).group(1)
    assert alice_token != bob_token

    refused = alice.post("/language", data={"lang": "en", "next": "/", "csrf_token": bob_token})
    assert refused.status_code == 400  # another visitor's token is no good
    assert alice.post("/language", data={"lang": "en", "next": "/"}).status_code == 400  # nor none
    accepted = alice.post("/language", data={"lang": "en", "next": "/", "csrf_token": alice_token})
    assert accepted.status_code == 302
    assert 'lang="en"' in alice.get("/").get_data(as_text=True)


def test_a_new_secret_key_signs_new_tokens(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True, PAGE_CACHE=False)
    client = app.test_client()
    client.get("/")
    old = TOKEN.search(client.get("/").get_data(as_text=True)).group(1)
    with client.session_transaction() as saved:
        raw = saved["csrf_token"]
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = app.config["SECRET_KEY"] = "a rotated key " * 4
    new = TOKEN.search(client.get("/").get_data(as_text=True)).group(1)
    assert new != old
    with client.session_transaction() as saved:  # the old key still opens the session it signed
        assert saved["csrf_token"] == raw
    assert client.post("/language", data={"lang": "en", "next": "/", "csrf_token": new}).status_code == 302


def test_a_signed_in_session_is_still_marked_not_fresh_from_another_browser(app_factory):
    """Flask-Login's basic session protection still applies to sessions that hold a user."""
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        make_user("member")
    client = app.test_client()
    assert login(client, "member@example.org").status_code == 302
    assert client.get("/me").status_code == 200
    with client.session_transaction() as saved:
        assert saved.get("_user_id") and saved.get("_fresh") is True
    response = client.get("/me", headers={"User-Agent": "another browser"})
    assert response.status_code == 200  # basic mode marks the session, it does not sign out
    with client.session_transaction() as saved:
        assert saved.get("_user_id") and saved.get("_fresh") is False


def test_sqlite_connections_are_not_pinged_but_server_ones_are(app_factory):
    app = app_factory()
    with app.app_context():
        assert db.engine.pool._pre_ping is False
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    chosen = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})  # an instance's own choice stands
    with chosen.app_context():
        assert db.engine.pool._pre_ping is True
    server = app_factory(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert server.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_instance_wide_default_limits_still_apply_to_every_page(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute", PAGE_CACHE=False)
    client = app.test_client()
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]


def test_blueprint_limits_still_apply(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute", PAGE_CACHE=False)
    client = app.test_client()
    assert [client.get("/api/v1/organisations").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/").status_code == 200  # pages are not under the API's limit


def test_view_limits_still_apply(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    with app.app_context():
        make_user("member")
    client = app.test_client()
    statuses = [login(client, "member@example.org", password="wrong").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_request_ids_are_new_in_every_request_and_every_worker(client):
    seen = {client.get("/livez").headers["X-Request-ID"] for _ in range(50)}
    assert len(seen) == 50 and all(re.fullmatch(r"[0-9a-f]{32}", value) for value in seen)

    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # a forked worker: its ids are not its parent's
        try:
            os.write(writer, logs.request_id_for(None).encode())
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    child = os.read(reader, 64).decode()
    os.close(reader)
    assert re.fullmatch(r"[0-9a-f]{32}", child) and child != logs.request_id_for(None)


def test_language_chosen_in_the_session_still_rules(csrf_app):
    client = csrf_app.test_client()
    client.get("/")
    with client.session_transaction() as saved:
        saved["lang"] = "en"
    response = client.get("/")
    assert 'lang="en"' in response.get_data(as_text=True)
    assert session_cookies(response) == []
