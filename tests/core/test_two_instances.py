"""Two Guildhall instances, as on two hosts: each a real gunicorn (deploy/gunicorn.conf.py, gevent)
on its own port with its own create_app, sharing one PostgreSQL database, one Redis database and
the SECRET_KEY. What one instance changes, the other follows:

- a plugin disabled through one instance's API answers 404 on the other within a second, and is
  back within a second of being enabled (PLUGIN_STATE_TTL at its production default);
- a like sent to one shows on the other's Server-Sent Events stream;
- a session cookie from signing in on one works on the other;
- the sign-in rate limit is counted across both (Flask-Limiter's storage in Redis);
- an anonymous page cached by both is dropped on both when content is published through one.

Processes, not two apps in the test's process: Flask-Limiter's ``limiter`` is one object per
process whose storage is the last app's, so in-process apps would share counts whatever the storage.
"""
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from core.config import Defaults
from core.extensions import db
from tests.conftest import PASSWORD, _clean_postgres, make_user, with_plugins
from tests.core.public_helpers import make_section
from tests.core.test_api import bearer
from tests.plugins.brand_stories.conftest import PLUGINS, make_final
from tests.plugins.brand_stories.test_scale_out import wait_for
from tests.plugins.brand_stories.test_worker_kill import Stream, _gunicorn_version, children, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
LOGIN_LIMIT = 4  # per minute, set on both instances


class Instance:
    """One instance: a gunicorn master and its worker, configured by environment variables (as
    deployed) plus an instance config.py for what has no variable."""

    def __init__(self, tmp_path, name, *, database_url, redis_url, secret_key, settings=None, workers=1):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.py").write_text("".join(f"{key} = {value!r}\n" for key, value in (settings or {}).items()))
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("GUILDHALL_")}
        env.update({
            "GUILDHALL_INSTANCE_PATH": str(folder),
            "GUILDHALL_BIND": f"127.0.0.1:{self.port}",
            "GUILDHALL_DATABASE_URL": database_url,
            "GUILDHALL_REDIS_URL": redis_url,
            "GUILDHALL_PLUGINS": ",".join(PLUGINS),
            "GUILDHALL_SECRET_KEY": secret_key,
            "GUILDHALL_LANGUAGE": "en",
            "WEB_CONCURRENCY": str(workers),
        })
        self.log = open(tmp_path / f"{name}.log", "wb")
        command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py"]
        if _gunicorn_version() >= (25, 1):
            command += ["--control-socket", str(tmp_path / f"{name}.ctl")]
        self.process = subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def url(self, path):
        return self.base + path

    def up(self):
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn {self.name} exited: {self.output()}")
        try:
            return requests.get(self.url("/healthz"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def workers(self):
        return children(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: open streams need not end
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                for pid in self.workers():
                    os.kill(pid, signal.SIGKILL)
                self.process.kill()
                self.process.wait(5)
        self.log.close()

    def output(self):
        return Path(self.log.name).read_text(errors="replace")[-4000:]


def start(*instances, within=40):
    try:
        for instance in instances:
            assert wait_for(instance.up, within, step=0.1), instance.output()
    except BaseException:
        for instance in instances:
            instance.stop()
        raise


def stop_listeners(app):
    runtime = app.extensions.get("brand_stories")
    if runtime is not None and runtime.remote is not None:
        runtime.remote.stop()


@pytest.fixture
def local(app_factory, pg_migrated, redis_url):
    """The test's own app on the shared database and Redis (for setting up data), its context pushed."""
    prefix = f"test:two:{uuid.uuid4().hex[:12]}"
    app = with_plugins(app_factory, PLUGINS, BABEL_DEFAULT_LOCALE="en")(
        SQLALCHEMY_DATABASE_URI=pg_migrated, REDIS_URL=redis_url, BRAND_STORIES_REDIS_PREFIX=prefix)
    with app.app_context():
        _clean_postgres(app)
        yield app
        stop_listeners(app)
        db.session.remove()


@pytest.fixture
def pair(local, tmp_path):
    config = local.config
    secret = uuid.uuid4().hex
    settings = {"BRAND_STORIES_REDIS_PREFIX": config["BRAND_STORIES_REDIS_PREFIX"],
                "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute"}
    a, b = (Instance(tmp_path, name, database_url=config["SQLALCHEMY_DATABASE_URI"], redis_url=config["REDIS_URL"],
                     secret_key=secret, settings=settings) for name in ("a", "b"))
    start(a, b)
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def first_moment(predicate, within, step=0.02):
    """Seconds until predicate() first holds, or None if it does not within ``within`` s."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    return None


def csrf_token(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# -- plugin state ------------------------------------------------------------------------------------


def test_a_plugin_disabled_through_one_instance_is_404_on_the_other_within_a_second_and_back(local, pair):
    a, b = pair
    assert Defaults.PLUGIN_STATE_TTL <= 1  # the instances run with the production default
    headers = bearer(make_user("admin"))
    assert requests.get(b.url("/announcements"), timeout=5).status_code == 200
    assert requests.get(b.url("/announcements"), timeout=5).headers["X-Cache"] == "HIT"  # in the way, too

    answer = requests.post(a.url("/api/v1/plugins/announcements"), json={"enabled": False}, headers=headers,
                           timeout=5)
    assert answer.status_code == 200 and answer.json()["enabled"] is False, answer.text
    delay = first_moment(lambda: requests.get(b.url("/announcements"), timeout=5).status_code == 404, 1.0)
    assert delay is not None, "still served by the other instance a second after it was disabled"
    assert [requests.get(inst.url("/announcements"), timeout=5).status_code for inst in (a, b, a, b)] == [404] * 4
    assert "/announcements" not in requests.get(b.url("/"), timeout=5).text  # gone from the menus too

    answer = requests.post(b.url("/api/v1/plugins/announcements"), json={"enabled": True}, headers=headers,
                           timeout=5)
    assert answer.status_code == 200 and answer.json()["enabled"] is True, answer.text
    delay = first_moment(lambda: requests.get(a.url("/announcements"), timeout=5).status_code == 200, 1.0)
    assert delay is not None, "still 404 on the other instance a second after it was enabled"
    assert [requests.get(inst.url("/announcements"), timeout=5).status_code for inst in (a, b)] == [200, 200]


# -- live finals --------------------------------------------------------------------------------------


def test_a_like_sent_to_one_instance_shows_on_the_other_instances_event_stream(local, pair):
    from plugins.brand_stories import live
    from plugins.brand_stories.models import LiveSession

    a, b = pair
    _final, _competition, sessions, entries, _organisations = make_final(likes_cap=3)
    session_id, entry_id = sessions[0].id, entries[0][0].id
    session = db.session.get(LiveSession, session_id)
    live.open_window(session, session.slots[0], None)
    stream = Stream("127.0.0.1", b.port, f"/live/{session_id}/events")
    try:
        assert wait_for(lambda: stream.snapshots, 5), "no first snapshot on the stream"
        assert stream.hearts(entry_id) == 0
        token = requests.post(a.url("/api/v1/live/devices"), timeout=5).json()["device_token"]
        sent = time.monotonic()
        answer = requests.post(a.url(f"/api/v1/live/{session_id}/likes"), timeout=5,
                               json={"entry_id": entry_id, "count": 3, "batch_id": "two-instances-1"},
                               headers={live.DEVICE_HEADER: token})
        assert answer.status_code == 200, answer.text
        assert wait_for(lambda: stream.hearts(entry_id) == 3, 2, step=0.01), stream.snapshots[-3:]
        assert time.monotonic() - sent < 1.0
    finally:
        stream.close()


# -- sessions and rate limits -----------------------------------------------------------------------------


def sign_in(client, instance, email, password):
    form = client.get(instance.url("/login"), timeout=5)
    assert form.status_code == 200
    return client.post(instance.url("/login"), data={"email": email, "password": password,
                                                     "csrf_token": csrf_token(form.text)},
                       allow_redirects=False, timeout=5)


def test_a_session_cookie_from_signing_in_on_one_instance_works_on_the_other(local, pair):
    a, b = pair
    member = make_user("member", email="member@example.org")
    with requests.Session() as on_a:
        answer = sign_in(on_a, a, member.email, PASSWORD)
        assert answer.status_code == 302, answer.text[:500]
        cookie = on_a.cookies.get("session")
    assert cookie
    assert requests.get(b.url("/me/account"), allow_redirects=False, timeout=5).status_code == 302  # without it
    with requests.Session() as on_b:
        on_b.cookies.set("session", cookie)
        page = on_b.get(b.url("/me/account"), allow_redirects=False, timeout=5)
        assert page.status_code == 200
        assert member.email in page.text


def test_the_sign_in_rate_limit_is_counted_across_both_instances(local, pair):
    import redis

    a, b = pair
    make_user("member", email="member@example.org")
    statuses = []
    with requests.Session() as client:
        for attempt in range(LOGIN_LIMIT + 2):
            instance = (a, b)[attempt % 2]
            statuses.append(sign_in(client, instance, "member@example.org", "wrong password").status_code)
        # Over the limit on both, even with the right password.
        right = [sign_in(client, instance, "member@example.org", PASSWORD).status_code for instance in (a, b)]
    assert statuses == [200] * LOGIN_LIMIT + [429, 429]
    assert right == [429, 429]
    assert redis.Redis.from_url(local.config["REDIS_URL"]).keys("*LIMITER*")  # the counts live in Redis


# -- the page cache --------------------------------------------------------------------------------------


def test_a_page_cached_on_both_instances_is_dropped_on_both_when_content_is_published_through_one(local, pair):
    a, b = pair
    make_section("yaowen")
    headers = bearer(make_user("editor"))
    title = "Quality Month opens in Shenzhen"
    for instance in (a, b):
        requests.get(instance.url("/news/"), timeout=5)
        cached = requests.get(instance.url("/news/"), timeout=5)
        assert cached.headers["X-Cache"] == "HIT" and title not in cached.text

    answer = requests.post(a.url("/api/v1/pages"), headers=headers, timeout=5,
                           json={"title": title, "body": "<p>Opening.</p>", "section": "yaowen",
                                 "status": "published"})
    assert answer.status_code == 201, answer.text
    for instance in (a, b):
        delay = first_moment(lambda: title in requests.get(instance.url("/news/"), timeout=5).text, 1.0)
        assert delay is not None, f"instance {instance.name} still serves the old page"
