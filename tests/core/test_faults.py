"""Faults under a real gunicorn (deploy/gunicorn.conf.py, gevent): PostgreSQL or Redis cut off
while requests flow, through a TCP proxy in front of the service (tests/tcp_proxy.py; the real
services stay up, other tests use them).

- PostgreSQL unreachable (reset, or hanging so that only a timeout ends the wait): every request
  answers within seconds, 503 with an HTML page for browsers and JSON under /api/, never 500 and
  never a hang; once the line is back the site recovers by itself, in the same worker.
- Redis unreachable (hanging, then reset): pages still serve, like batches are refused with a
  503 ``unavailable`` (the phone keeps them and re-sends), sign-in stays rate limited in the
  worker's memory; once Redis is back the page cache and the limiter use it again, no page cached
  before a change made meanwhile comes back, and the counts are right.
"""
import threading
import time
import uuid
from collections import Counter

import pytest
import requests
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from core.config import Defaults
from core.extensions import db
from core.permissions import public
from tests.conftest import make_user
from tests.core.public_helpers import make_section
from tests.core.test_api import bearer
from tests.core.test_two_instances import Instance, csrf_token, local, start  # noqa: F401 (local: fixture)
from tests.plugins.brand_stories.conftest import make_final
from tests.plugins.brand_stories.test_scale_out import wait_for
from tests.tcp_proxy import TcpProxy

MESSAGE = "网站暂时无法连接数据库"  # Chinese, the default language
MESSAGE_EN = "cannot reach its database"  # the servers below run in English
FAIL_FAST = 10  # seconds; gunicorn's timeout is 30
# The load below asks /api/v1/pages hundreds of times a minute from one address: more than the
# API's per-IP limit (300 a minute) once pages got fast. These tests are about outages, not that limit.
LOAD_API_LIMIT = "100000 per minute"
PATHS = (
    ("/", "text/html"),
    ("/news/", "text/html"),
    ("/announcements", "text/html"),
    ("/api/v1/pages", "application/json"),
)


# -- without the services: what the handlers and the configuration promise ---------------------------------


def failing_app(app_factory, error):
    app = app_factory()

    @app.route("/probe-db")
    @app.route("/api/v1/probe-db")
    @public
    def probe_db():
        raise error

    return app


def dead_connection():
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_an_unreachable_database_is_a_503_page_for_browsers_and_json_for_the_api(app_factory):
    client = failing_app(app_factory, dead_connection()).test_client()
    page = client.get("/probe-db", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert MESSAGE in page.get_data(as_text=True) and page.headers["Retry-After"]
    assert page.headers["Cache-Control"] == "no-store"
    api = client.get("/api/v1/probe-db")
    error = api.get_json()["error"]
    assert api.status_code == 503 and error["status"] == 503 and MESSAGE in error["message"]
    for error in (PoolTimeoutError("QueuePool limit reached"), DisconnectionError("gone")):
        assert failing_app(app_factory, error).test_client().get("/probe-db").status_code == 503


def test_other_database_errors_stay_500(app_factory):
    broken = IntegrityError("INSERT", {}, Exception("duplicate key"))
    assert failing_app(app_factory, broken).test_client().get("/probe-db").status_code == 500


def test_postgresql_gets_bounded_waits_and_explicit_engine_options_win(app_factory, monkeypatch):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    options = app_factory(SQLALCHEMY_DATABASE_URI=url).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True and options["pool_timeout"] == Defaults.DATABASE_POOL_TIMEOUT
    assert options["connect_args"] == {"connect_timeout": Defaults.DATABASE_CONNECT_TIMEOUT}
    monkeypatch.setenv("GUILDHALL_DATABASE_CONNECT_TIMEOUT", "4")
    from_env = app_factory(SQLALCHEMY_DATABASE_URI=url).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert from_env["connect_args"] == {"connect_timeout": 4}
    monkeypatch.delenv("GUILDHALL_DATABASE_CONNECT_TIMEOUT")
    chosen = app_factory(SQLALCHEMY_DATABASE_URI=url, DATABASE_CONNECT_TIMEOUT=7,
                         SQLALCHEMY_ENGINE_OPTIONS={"pool_timeout": 2, "connect_args": {"application_name": "x"}})
    assert chosen.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_timeout"] == 2
    assert chosen.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"connect_timeout": 7, "application_name": "x"}
    assert Defaults.SQLALCHEMY_ENGINE_OPTIONS == {"pool_pre_ping": True}  # the defaults are not changed in place
    assert "connect_args" not in app_factory().config["SQLALCHEMY_ENGINE_OPTIONS"]  # SQLite takes none of it


def test_a_request_that_could_not_connect_waits_no_second_time_and_the_next_request_tries_again(
        app_factory, monkeypatch):
    import sqlite3

    app = app_factory()
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(1)
        raise sqlite3.OperationalError("unable to open database file")

    @app.route("/probe-twice")
    @public
    def probe_twice():
        errors = []
        for _ in range(2):  # say the page cache's check and then the view
            try:
                with db.engine.connect():
                    pass
            except OperationalError as error:
                errors.append(str(error.orig))
        return {"errors": errors}

    with app.app_context():
        db.engine.dispose()  # every connection is new from here
        monkeypatch.setattr(db.engine.dialect, "connect", refuse)
    client = app.test_client()
    first = client.get("/probe-twice").get_json()["errors"]
    assert len(first) == 2 and len(attempts) == 1  # the second connect was not tried: no second wait
    assert "unable to open" in first[0] and "not tried again in this request" in first[1]
    client.get("/probe-twice")
    assert len(attempts) == 2  # a new request tries again
    with app.app_context():  # outside requests (CLI, background threads) every connect is tried
        for _ in range(2):
            with pytest.raises(OperationalError):
                db.engine.connect()
    assert len(attempts) == 4


def test_a_redis_rate_limit_storage_gets_timeouts(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    assert app.config["RATELIMIT_STORAGE_OPTIONS"] == {"socket_timeout": 1, "socket_connect_timeout": 1}
    assert "RATELIMIT_STORAGE_OPTIONS" not in app_factory().config


# -- with the services ---------------------------------------------------------------------------------


def through(proxy, url):
    return make_url(url).set(port=proxy.port).render_as_string(hide_password=False)


class Load:
    """Clients requesting PATHS in turn, each answer kept as (path, status, seconds, type, body)."""

    def __init__(self, instance, clients=4):
        self.instance = instance
        self.answers = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]
        for thread in self.threads:
            thread.start()

    def _run(self, number):
        index = number
        with requests.Session() as client:
            while not self.stop.is_set():
                path, accept = PATHS[index % len(PATHS)]
                index += 1
                started = time.monotonic()
                try:
                    answer = client.get(self.instance.url(path), headers={"Accept": accept}, timeout=25)
                    kept = (path, answer.status_code, answer.headers.get("Content-Type", ""), answer)
                except requests.RequestException as error:
                    kept = (path, type(error).__name__, "", None)
                self.answers.append((kept[0], kept[1], time.monotonic() - started, kept[2], kept[3]))

    def take(self):
        taken, self.answers = self.answers, []
        return taken

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        return self.take()


def check_outage(answers):
    statuses = Counter(status for _path, status, *_rest in answers)
    assert set(statuses) <= {200, 503}, statuses  # never a 500, never a dropped connection
    assert statuses[503] >= 4, statuses
    slowest = max(seconds for _path, _status, seconds, *_rest in answers)
    assert slowest < FAIL_FAST, (slowest, sorted(((round(s, 1), p, st) for p, st, s, *_r in answers), reverse=True)[:6])
    for path, status, _seconds, kind, answer in answers:
        if status != 503:
            continue
        assert answer.headers["Retry-After"]
        if path.startswith("/api/"):
            assert kind == "application/json"
            assert answer.json()["error"]["status"] == 503 and MESSAGE_EN in answer.json()["error"]["message"]
        else:
            assert kind.startswith("text/html") and MESSAGE_EN in answer.text, answer.text[:300]
    return slowest


def all_served(instance):
    try:
        return all(requests.get(instance.url(path), headers={"Accept": accept}, timeout=5).status_code == 200
                   for path, accept in PATHS)
    except requests.RequestException:
        return False


@pytest.fixture
def pg_proxy(pg_migrated):
    with TcpProxy(make_url(pg_migrated).port or 5432) as proxy:
        yield proxy


@pytest.mark.postgres
@pytest.mark.redis
def test_with_postgresql_cut_off_requests_fail_fast_with_503_and_the_site_recovers_by_itself(
        local, pg_proxy, tmp_path):
    from plugins.brand_stories import live
    from plugins.brand_stories.models import LiveSession

    make_section("yaowen")
    config = local.config
    _final, _competition, sessions, entries, _organisations = make_final(likes_cap=3)
    session_id, entry_id = sessions[0].id, entries[0][0].id
    session = db.session.get(LiveSession, session_id)
    live.open_window(session, session.slots[0], None)
    server = Instance(tmp_path, "pg", database_url=through(pg_proxy, config["SQLALCHEMY_DATABASE_URI"]),
                      redis_url=config["REDIS_URL"], secret_key=uuid.uuid4().hex,
                      settings={"BRAND_STORIES_REDIS_PREFIX": config["BRAND_STORIES_REDIS_PREFIX"],
                                "API_RATE_LIMIT": LOAD_API_LIMIT})
    start(server)
    load = None
    likes = []

    def like():
        """A phone's like batch (the lean lane, core/lean.py): JSON, in seconds, never a hang."""
        body = {"entry_id": entry_id, "count": 1, "batch_id": f"pg-batch-{len(likes):04d}"}
        started = time.monotonic()
        answer = requests.post(server.url(f"/api/v1/live/{session_id}/likes"), json=body, timeout=FAIL_FAST * 2,
                               headers={live.DEVICE_HEADER: token})
        likes.append(answer.status_code)
        assert answer.headers["Content-Type"] == "application/json", (answer.status_code, answer.text[:300])
        assert time.monotonic() - started < FAIL_FAST

    try:
        token = requests.post(server.url("/api/v1/live/devices"), timeout=5).json()["device_token"]
        workers = server.workers()
        load = Load(server)
        time.sleep(1)
        healthy = load.take()
        assert healthy and {status for _path, status, *_rest in healthy} == {200}, Counter(a[1] for a in healthy)

        # The server goes away: connections reset, new ones refused.
        pg_proxy.cut()
        time.sleep(1)
        like()
        time.sleep(1)
        check_outage(load.take())
        pg_proxy.restore()
        load.take()
        assert wait_for(lambda: all_served(server), 5, step=0.1), "not recovered within 5 s"
        load.take()
        time.sleep(1)
        assert {status for _path, status, *_rest in load.take()} == {200}

        # The network swallows everything: only the timeouts end the wait.
        pg_proxy.cut(hang=True)
        time.sleep(1)
        like()
        time.sleep(FAIL_FAST - 1)
        slowest = check_outage(load.take())
        print(f"\nslowest answer while PostgreSQL hung: {slowest:.1f} s")
        pg_proxy.restore()
        assert wait_for(lambda: all_served(server), FAIL_FAST, step=0.1), "not recovered"
        load.take()
        time.sleep(1)
        assert {status for _path, status, *_rest in load.finish()} == {200}
        assert server.workers() == workers  # recovered without a restart
        like()
        assert likes[-1] == 200, likes
    finally:
        if load is not None:
            load.finish()
        server.stop()
    assert set(likes) <= {200, 503}, likes  # the lean lane hands a database error to the view: 503


# -- Redis -----------------------------------------------------------------------------------------------


@pytest.fixture
def redis_proxy(redis_url):
    with TcpProxy(make_url(redis_url).port or 6379) as proxy:
        yield proxy


def login_attempt(client, server, password="wrong password"):
    form = client.get(server.url("/login"), timeout=FAIL_FAST)
    assert form.status_code == 200
    started = time.monotonic()
    answer = client.post(server.url("/login"), data={"email": "member@example.org", "password": password,
                                                     "csrf_token": csrf_token(form.text)},
                         allow_redirects=False, timeout=FAIL_FAST * 2)
    return answer.status_code, time.monotonic() - started


@pytest.mark.postgres
@pytest.mark.redis
def test_with_redis_cut_off_pages_serve_likes_are_refused_and_all_is_right_once_it_is_back(
        local, redis_proxy, tmp_path):
    import redis

    from plugins.brand_stories import live
    from plugins.brand_stories.models import LikeTotal, LiveSession
    from plugins.brand_stories.runtime import get_runtime

    config = local.config
    make_user("member", email="member@example.org")
    make_section("yaowen")
    editor = bearer(make_user("editor"))
    _final, _competition, sessions, entries, _organisations = make_final(likes_cap=3)
    session_id, entry = sessions[0].id, entries[0][0]
    entry_id, title = entry.id, entry.title
    session = db.session.get(LiveSession, session_id)
    live.open_window(session, session.slots[0], None)
    server = Instance(tmp_path, "redis", database_url=config["SQLALCHEMY_DATABASE_URI"],
                      redis_url=through(redis_proxy, config["REDIS_URL"]), secret_key=uuid.uuid4().hex,
                      settings={"BRAND_STORIES_REDIS_PREFIX": config["BRAND_STORIES_REDIS_PREFIX"],
                                "LOGIN_RATE_LIMIT": "3 per minute", "API_RATE_LIMIT": LOAD_API_LIMIT})
    start(server)
    real_redis = redis.Redis.from_url(config["REDIS_URL"])
    try:
        token = requests.post(server.url("/api/v1/live/devices"), timeout=5).json()["device_token"]

        def like(batch_id, count=2):
            started = time.monotonic()
            answer = requests.post(server.url(f"/api/v1/live/{session_id}/likes"), timeout=FAIL_FAST * 2,
                                   json={"entry_id": entry_id, "count": count, "batch_id": batch_id},
                                   headers={live.DEVICE_HEADER: token})
            return answer, time.monotonic() - started

        def page(path):
            started = time.monotonic()
            answer = requests.get(server.url(path), timeout=FAIL_FAST * 2)
            return answer, time.monotonic() - started

        assert like("before-1")[0].status_code == 200
        page("/news/")
        assert page("/news/")[0].headers["X-Cache"] == "HIT"
        assert not real_redis.keys("*LIMITER*users.login*")

        for hang in (True, False):  # first hanging (only timeouts help), then resetting
            redis_proxy.cut(hang=hang)
            for path in ("/news/", "/", f"/live/{session_id}"):
                answer, seconds = page(path)
                assert answer.status_code == 200 and seconds < FAIL_FAST, (path, answer.status_code, seconds)
            assert title in page(f"/live/{session_id}")[0].text
            refused, seconds = like("during-1")
            assert refused.status_code == 503 and seconds < FAIL_FAST, (refused.status_code, seconds)
            assert refused.json()["error"]["code"] == "unavailable" and refused.headers["Retry-After"]
            with requests.Session() as client:
                attempts = [login_attempt(client, server) for _ in range(4 if hang else 1)]
            assert all(seconds < FAIL_FAST for _status, seconds in attempts), attempts
            if hang:  # counted in the worker's memory meanwhile: still limited
                assert [status for status, _seconds in attempts] == [200, 200, 200, 429]
            else:  # news published meanwhile: the cached list from before must not come back with Redis
                published = requests.post(server.url("/api/v1/pages"), headers=editor, timeout=FAIL_FAST, json={
                    "title": "Published while Redis was away", "section": "yaowen", "status": "published"})
                assert published.status_code == 201, published.text
            redis_proxy.restore()
            if hang:
                time.sleep(0.5)

        # Redis is back. The phone re-sends its refused batch; it counts once.
        answer, _seconds = like("during-1")
        assert answer.status_code == 200 and answer.json()["duplicate"] is False, answer.text
        # Pages are cached again, none from before the news.
        assert "Published while Redis was away" in page("/news/")[0].text
        assert wait_for(lambda: page("/news/")[0].headers.get("X-Cache") == "HIT", 2 * FAIL_FAST, step=0.2)
        assert "Published while Redis was away" in page("/news/")[0].text
        # The limiter counts in Redis again (Flask-Limiter retries its storage with a backoff).
        with requests.Session() as client:
            statuses = []

            def limiter_back():
                statuses.append(login_attempt(client, server)[0])
                return bool(real_redis.keys("*LIMITER*users.login*"))

            assert wait_for(limiter_back, 40, step=1), statuses
        assert set(statuses) <= {200, 429}, statuses

        session = db.session.get(LiveSession, session_id)
        live.close_window(session, None)  # flushes Redis's journal into the database
        db.session.expire_all()
        total = db.session.get(LikeTotal, (session_id, entry_id))
        assert (total.hearts, total.scoring) == (4, 3)  # 2 + 2 likes, 3 of them scoring (K = 3)
        assert get_runtime(local).ledger.snapshot(session_id).counts == {entry_id: (4, 3)}
    finally:
        server.stop()
