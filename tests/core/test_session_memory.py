"""core.web.RememberingSerializer: a session cookie verified once is not verified again, yet an
expired or altered cookie is still refused and no two requests share mutable values."""
import time

import pytest
from itsdangerous import BadSignature, SignatureExpired

from core.web import RememberingSerializer


@pytest.fixture
def serializer(app):
    found = app.session_interface.get_signing_serializer(app)
    assert isinstance(found, RememberingSerializer)
    return found


def _counting(serializer, monkeypatch):
    calls = []
    real = serializer.serializer.loads

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(serializer.serializer, "loads", counted)
    return calls


def test_a_cookie_is_verified_once_and_each_request_gets_its_own_copy(app, serializer, monkeypatch):
    cookie = serializer.dumps({"csrf_token": "abc", "lang": "en"})
    calls = _counting(serializer, monkeypatch)
    first = serializer.loads(cookie, max_age=3600)
    first["lang"] = "zh_CN"  # a request changing its session
    second = serializer.loads(cookie, max_age=3600)
    assert second == {"csrf_token": "abc", "lang": "en"} and len(calls) == 1


def test_an_expired_or_altered_cookie_is_refused_though_remembered(app, serializer, monkeypatch):
    cookie = serializer.dumps({"csrf_token": "abc"})
    assert serializer.loads(cookie, max_age=60) == {"csrf_token": "abc"}
    with pytest.raises(BadSignature):
        serializer.loads(cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1], max_age=60)
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(SignatureExpired):
        serializer.loads(cookie, max_age=60)


def test_sessions_holding_lists_are_decoded_every_time(app, serializer, monkeypatch):
    cookie = serializer.dumps({"_flashes": [["info", "已保存"]]})
    calls = _counting(serializer, monkeypatch)
    first = serializer.loads(cookie, max_age=3600)
    first["_flashes"].append(["info", "again"])
    assert serializer.loads(cookie, max_age=3600) == {"_flashes": [["info", "已保存"]]} and len(calls) == 2


def test_a_new_secret_key_forgets_what_the_old_one_verified(app, client):
    client.get("/")
    with client.session_transaction() as session:
        before = session["csrf_token"]
    client.get("/")  # the cookie is remembered now
    app.secret_key = "another key, rotated"
    client.get("/")  # under the new key the old cookie does not verify: a new session
    with client.session_transaction() as session:
        assert session["csrf_token"] != before
