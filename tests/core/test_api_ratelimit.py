"""The API's rate limit: one budget per token, or per address without one; 429 as JSON."""
import pytest

from core.extensions import db
from tests.conftest import make_user
from tests.core.test_api import assert_json_error, bearer


def limited_app(app_factory, **config):
    return app_factory(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute", **config)


def exhaust(client, url, headers=None):
    statuses = [client.get(url, headers=headers or {}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    return client.get(url, headers=headers or {})


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage(request):
    if request.param == "memory":
        return {}
    return {"RATELIMIT_STORAGE_URI": request.getfixturevalue("redis_url")}


def test_anonymous_callers_are_limited_per_address(app_factory, storage):
    app = limited_app(app_factory, **storage)
    client = app.test_client()
    with app.app_context():
        response = exhaust(client, "/api/v1/organisations")
        error = assert_json_error(response, 429)
        assert error["message"]
        assert response.headers.get("Retry-After")
        # The budget is shared by the whole API, not one per endpoint.
        assert_json_error(client.get("/api/v1/"), 429)
        # Pages outside the API are not charged.
        assert client.get("/healthz").status_code == 200


def test_each_token_has_its_own_budget(app_factory, storage):
    app = limited_app(app_factory, **storage)
    client = app.test_client()
    with app.app_context():
        first, second = make_user("member"), make_user("editor")
        first_headers, second_headers = bearer(first), bearer(second)
        assert_json_error(exhaust(client, "/api/v1/me", first_headers), 429)
        assert client.get("/api/v1/me", headers=second_headers).status_code == 200
        assert client.get("/api/v1/organisations").status_code == 200  # the address is not charged
        db.session.remove()
    if "RATELIMIT_STORAGE_URI" in storage:
        import redis

        keys = redis.Redis.from_url(storage["RATELIMIT_STORAGE_URI"]).keys("*")
        assert any(b"token:" in key for key in keys), keys  # the counts really live in Redis
