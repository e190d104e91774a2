"""Rate limits on sign-in, the second step, reset requests and registration."""
import pyotp
import pytest

from tests.conftest import login, make_user


def limited_app(app_factory, **config):
    app = app_factory(RATELIMIT_ENABLED=True, **config)
    with app.app_context():
        make_user("member")
    return app


def test_login_is_rate_limited(app_factory):
    app = limited_app(app_factory, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [login(client, "member@example.org", password="wrong password").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert login(client, "member@example.org").status_code == 429  # even the right password waits
    assert client.get("/login").status_code == 200  # the form itself stays reachable


def test_reset_request_is_rate_limited(app_factory):
    app = limited_app(app_factory, RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.post("/reset", data={"email": "member@example.org"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_registration_is_rate_limited(app_factory):
    app = limited_app(app_factory, REGISTER_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [
        client.post("/register", data={"email": f"p{n}@example.org", "name": "P", "password": "x"}).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_second_step_is_rate_limited(app_factory):
    app = limited_app(app_factory, LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        from core.extensions import db
        from core.users.service import find_user

        user = find_user("member@example.org")
        user.totp_secret, user.totp_enabled = pyotp.random_base32(), True
        db.session.commit()
    client = app.test_client()
    assert login(client, "member@example.org").status_code == 302
    statuses = [client.post("/login/totp", data={"code": "000000"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.redis
def test_login_rate_limit_is_shared_through_redis(app_factory, redis_url):
    config = {"LOGIN_RATE_LIMIT": "3 per minute", "RATELIMIT_STORAGE_URI": redis_url}
    app = limited_app(app_factory, **config)
    client = app.test_client()
    statuses = [login(client, "member@example.org", password="wrong password").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    import redis

    assert redis.Redis.from_url(redis_url).dbsize() > 0  # the counts live in Redis, not in the worker
