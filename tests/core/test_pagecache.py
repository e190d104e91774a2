"""The whole-page cache for anonymous visitors: what it keeps, for whom, and when it lets go."""
import re
import time
from datetime import timedelta, timezone

import pytest
from flask import make_response, render_template_string
from sqlalchemy import text
from werkzeug.exceptions import SecurityError

from core import pagecache
from core.extensions import db
from core.pages import models
from core.pages.models import Page
from core.permissions import public
from core.plugins import get_host
from core.users import models as users_models
from core.users.models import utcnow
from tests.conftest import login, make_user
from tests.fixtures import add_notice

PROBE = '{% extends "base.html" %}{% block content %}<p id="titles">{{ titles|join("|") }}</p>{% endblock %}'


def with_probe(app):
    """A public page listing what visitors may read: depends on nothing but the models."""

    @app.route("/probe")
    @public
    def probe():
        titles = db.session.scalars(db.select(Page.title).where(Page.visible_filter()).order_by(Page.id)).all()
        return render_template_string(PROBE, titles=titles)

    @app.route("/probe-cookie")
    @public
    def probe_cookie():
        response = make_response(render_template_string(PROBE, titles=[]))
        response.set_cookie("seen", "yes")
        return response

    @app.route("/probe-live")
    @public
    def probe_live():
        pagecache.skip()
        return render_template_string(PROBE, titles=[str(time.monotonic())])

    return app


def titles(response):
    return re.search(r'<p id="titles">(.*?)</p>', response.get_data(as_text=True)).group(1)


def add_page(title, status="published", publish_at=None):
    page = Page(title=title, slug=f"p-{abs(hash(title))}", status=status, publish_at=publish_at)
    db.session.add(page)
    pagecache.content_changed()
    db.session.commit()
    return page


def csrf_in(response):
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def probe_app(app_factory):
    app = with_probe(app_factory())
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def probe(probe_app):
    return probe_app.test_client()


def test_second_anonymous_visit_is_a_hit_with_the_same_page_and_security_headers(probe):
    client = probe
    first = client.get("/probe")
    second = client.get("/probe")
    assert first.headers["X-Cache"] == "MISS"
    assert second.headers["X-Cache"] == "HIT"
    strip = lambda r: re.sub(r'name="csrf_token" value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(second) == strip(first)
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert header in second.headers
    assert "Cookie" in second.headers["Vary"]
    assert client.head("/probe").headers["X-Cache"] == "HIT"


def test_each_visitor_gets_their_own_csrf_token_from_a_cached_page(app_factory):
    app = with_probe(app_factory(WTF_CSRF_ENABLED=True))
    with app.app_context():
        first, second = app.test_client(), app.test_client()
        token_first = csrf_in(first.get("/probe"))
        served = second.get("/probe")
        assert served.headers["X-Cache"] == "HIT"
        token_second = csrf_in(served)
        assert token_second != token_first
        # The token works for the visitor it was served to: the language switch accepts it.
        switched = second.post("/language", data={"lang": "en", "next": "/probe", "csrf_token": token_second})
        assert switched.status_code == 302
        assert '<html lang="en"' in second.get("/probe").get_data(as_text=True)


def test_signed_in_users_are_never_cached_nor_served_the_anonymous_copy(probe, users):
    client = probe
    client.get("/probe")
    assert client.get("/probe").headers["X-Cache"] == "HIT"
    member = users["member"]
    login(client, member)
    for _ in range(2):
        response = client.get("/probe")
        assert "X-Cache" not in response.headers
        assert member.name in response.get_data(as_text=True)
        assert "no-store" in response.headers["Cache-Control"]


def test_languages_are_cached_apart(probe_app):
    english, chinese = probe_app.test_client(), probe_app.test_client()
    english.post("/language", data={"lang": "en", "next": "/probe"})
    for _ in range(2):
        chinese_page = chinese.get("/probe")
        english_page = english.get("/probe")
    assert chinese_page.headers["X-Cache"] == english_page.headers["X-Cache"] == "HIT"
    assert '<html lang="zh-CN"' in chinese_page.get_data(as_text=True)
    assert '<html lang="en"' in english_page.get_data(as_text=True)


def test_flashed_messages_are_shown_not_cached(probe):
    client = probe
    client.get("/probe")
    client.get("/probe")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this visitor only")]
    response = client.get("/probe")
    assert "X-Cache" not in response.headers
    assert "A message for this visitor only" in response.get_data(as_text=True)
    assert client.get("/probe").headers["X-Cache"] == "HIT"


@pytest.mark.parametrize(
    "path", ["/probe?preview=1", "/probe?utm=x", "/probe?page=2&x=1", "/probe?page=x", "/login", "/admin/"]
)
def test_other_query_strings_and_private_areas_are_not_cached(probe, path):
    probe.get(path)
    assert "X-Cache" not in probe.get(path).headers


def test_page_numbers_are_cached_one_by_one(probe_app):
    client = probe_app.test_client()
    assert client.get("/probe?page=2").headers["X-Cache"] == "MISS"
    assert client.get("/probe?page=2").headers["X-Cache"] == "HIT"
    assert client.get("/probe?page=3").headers["X-Cache"] == "MISS"


def test_content_changed_in_another_app_on_the_same_database_drops_the_page(app_factory):
    reader = with_probe(app_factory())
    writer = app_factory()
    client = reader.test_client()
    with reader.app_context():
        assert titles(client.get("/probe")) == ""
        assert client.get("/probe").headers["X-Cache"] == "HIT"
    with writer.app_context():
        add_page("质量月活动启动")
    with reader.app_context():
        response = client.get("/probe")
        assert response.headers["X-Cache"] == "MISS"
        assert titles(response) == "质量月活动启动"
    with writer.app_context():
        pagecache.content_changed()  # nothing pending: stored at once
    with reader.app_context():
        assert client.get("/probe").headers["X-Cache"] == "MISS"


def test_a_change_behind_the_orms_back_waits_for_content_changed(probe_app):
    """Shows the cache is really in the way, so the invalidation tests mean something."""
    client = probe_app.test_client()
    add_page("原标题")
    client.get("/probe")
    db.session.execute(text("UPDATE core_pages SET title = '新标题'"))
    db.session.commit()
    assert titles(client.get("/probe")) == "原标题"
    pagecache.content_changed()
    assert titles(client.get("/probe")) == "新标题"


def test_saved_content_and_plugin_rows_drop_pages_without_being_told(probe_app):
    client = probe_app.test_client()
    client.get("/probe")
    db.session.add(Page(title="忘了通知缓存", slug="forgot", status="published"))
    db.session.commit()
    assert titles(client.get("/probe")) == "忘了通知缓存"
    assert client.get("/announcements").headers["X-Cache"] == "MISS"
    assert client.get("/announcements").headers["X-Cache"] == "HIT"
    add_notice(title="秘书处通知")
    response = client.get("/announcements")
    assert response.headers["X-Cache"] == "MISS"
    assert "秘书处通知" in response.get_data(as_text=True)


def test_writes_that_visitors_cannot_see_keep_the_cache(probe_app):
    client = probe_app.test_client()
    client.get("/probe")
    make_user("member")
    assert client.get("/probe").headers["X-Cache"] == "HIT"


def test_rolled_back_change_does_not_bump_the_version(probe_app):
    client = probe_app.test_client()
    client.get("/probe")
    db.session.add(Page(title="作废", slug="void", status="published"))
    pagecache.content_changed()
    db.session.rollback()
    assert client.get("/probe").headers["X-Cache"] == "HIT"


def test_redis_backend_is_shared_between_apps(app_factory, redis_url):
    import redis

    first = with_probe(app_factory(REDIS_URL=redis_url))
    second = with_probe(app_factory(REDIS_URL=redis_url))
    with first.app_context():
        assert first.test_client().get("/probe").headers["X-Cache"] == "MISS"
    assert any(key.startswith(b"guildhall:pagecache:page:") for key in redis.Redis.from_url(redis_url).keys())
    with second.app_context():
        assert second.test_client().get("/probe").headers["X-Cache"] == "HIT"
        add_page("深圳质协动态")
    with first.app_context():
        response = first.test_client().get("/probe")
        assert response.headers["X-Cache"] == "MISS"
        assert titles(response) == "深圳质协动态"


def test_scheduled_post_appears_on_time_despite_the_cache(probe_app, monkeypatch):
    client = probe_app.test_client()
    publish_at = utcnow().replace(microsecond=0) + timedelta(minutes=1)  # well within PAGE_CACHE_SECONDS
    add_page("定时发布的新闻", status="scheduled", publish_at=publish_at)
    assert titles(client.get("/probe")) == ""
    assert client.get("/probe").headers["X-Cache"] == "HIT"
    # The clock reaches the publish time: no save, no content_changed().
    later = publish_at + timedelta(seconds=1)
    monkeypatch.setattr(models, "utcnow", lambda: later)
    monkeypatch.setattr(users_models, "utcnow", lambda: later)
    monkeypatch.setattr(pagecache.time, "time", lambda: later.replace(tzinfo=timezone.utc).timestamp())
    response = client.get("/probe")
    assert response.headers["X-Cache"] == "MISS"
    assert titles(response) == "定时发布的新闻"


def test_entries_expire_after_page_cache_seconds(app_factory, monkeypatch):
    app = with_probe(app_factory(PAGE_CACHE_SECONDS=60))
    with app.app_context():
        client = app.test_client()
        client.get("/probe")
        assert client.get("/probe").headers["X-Cache"] == "HIT"
        later = time.time() + 61
        monkeypatch.setattr(pagecache.time, "time", lambda: later)
        assert client.get("/probe").headers["X-Cache"] == "MISS"


def test_conditional_requests_get_304(probe):
    client = probe
    first = client.get("/probe")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/probe", headers={"If-None-Match": etag}).status_code == 304
    not_modified = client.get("/probe", headers={"If-Modified-Since": modified})
    assert not_modified.status_code == 304
    assert not_modified.headers["X-Cache"] == "HIT"
    assert client.get("/probe", headers={"If-None-Match": '"something-else"'}).status_code == 200
    add_page("新的一期会刊")
    changed = client.get("/probe", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_disabled_plugin_is_not_served_from_the_cache(probe):
    client = probe
    for _ in range(2):
        page = client.get("/probe")
        notices = client.get("/announcements")
    assert page.headers["X-Cache"] == notices.headers["X-Cache"] == "HIT"
    assert 'href="/announcements"' in page.get_data(as_text=True)
    get_host().set_enabled("announcements", False)
    page = client.get("/probe")
    assert page.headers["X-Cache"] == "MISS"
    assert 'href="/announcements"' not in page.get_data(as_text=True)
    assert client.get("/announcements").status_code == 404
    get_host().set_enabled("announcements", True)
    assert 'href="/announcements"' in client.get("/probe").get_data(as_text=True)


def test_page_cache_off_caches_nothing(app_factory):
    app = with_probe(app_factory(PAGE_CACHE=False))
    with app.app_context():
        client = app.test_client()
        client.get("/probe")
        assert "X-Cache" not in client.get("/probe").headers


def test_memory_store_is_bounded():
    store = pagecache.MemoryStore(max_entries=2)
    entry = pagecache.Entry(200, [], b"x", time.time(), "e")
    for key in ("a", "b", "c"):
        store.set(key, entry, time.time() + 60)
    assert len(store) == 2
    assert store.get("a") is None and store.get("c") is entry


@pytest.mark.parametrize("path", ["/probe-cookie", "/probe-live"])
def test_answers_that_set_cookies_or_skip_the_cache_are_not_kept(probe, path):
    first, second = probe.get(path), probe.get(path)
    assert first.headers["X-Cache"] == second.headers["X-Cache"] == "MISS"
    assert first.status_code == second.status_code == 200


def test_feeds_are_cached_too(probe):
    probe.get("/rss.xml")
    response = probe.get("/rss.xml")
    assert response.headers["X-Cache"] == "HIT"
    assert response.mimetype == "application/rss+xml"


def test_version_is_stored_on_each_database(backend_app):
    """The first bump inserts the version row, later ones update it (an upsert on each dialect)."""
    client = with_probe(backend_app).test_client()
    versions = []
    for title in ("第一条", "第二条"):
        client.get("/probe")
        add_page(title)
        versions.append(db.session.get(models.Setting, pagecache.VERSION_SETTING).value)
        assert title in titles(client.get("/probe"))
    pagecache.content_changed()
    db.session.expire_all()
    versions.append(db.session.get(models.Setting, pagecache.VERSION_SETTING).value)
    assert len(set(versions)) == 3


def test_http_and_https_visitors_are_cached_apart(probe):
    """Feeds and canonical links are absolute: an https visitor never gets http:// links."""
    probe.get("/rss.xml", base_url="http://localhost")
    response = probe.get("/rss.xml", base_url="https://localhost")
    assert response.headers["X-Cache"] == "MISS"
    assert "https://localhost/" in response.get_data(as_text=True)
    assert "http://localhost/" not in response.get_data(as_text=True)


def test_a_rolled_back_savepoint_does_not_swallow_the_later_bump(probe_app):
    client = probe_app.test_client()
    client.get("/probe")
    savepoint = db.session.begin_nested()
    db.session.add(Page(title="作废", slug="void", status="published"))
    db.session.flush()  # bumps the version inside the savepoint ...
    savepoint.rollback()  # ... and loses that bump with it
    db.session.add(Page(title="保留", slug="kept", status="published"))
    db.session.commit()
    response = client.get("/probe")
    assert response.headers["X-Cache"] == "MISS"
    assert titles(response) == "保留"


@pytest.mark.parametrize("end", ["rollback", "commit"])
def test_content_changed_after_a_savepoint_never_commits_the_callers_work(probe_app, end):
    db.session.add(Page(title="未完成", slug="unfinished", status="published"))
    db.session.flush()
    savepoint = db.session.begin_nested()
    getattr(savepoint, end)()
    pagecache.content_changed()  # the outer transaction still holds a write: bump with it, no commit
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Page.id))) == 0


def test_redis_bump_survives_a_rolled_back_savepoint(app_factory, redis_url):
    app = with_probe(app_factory(REDIS_URL=redis_url))
    with app.app_context():
        client = app.test_client()
        client.get("/probe")
        db.session.add(Page(title="保存点之外", slug="outside", status="published"))
        db.session.flush()
        db.session.begin_nested().rollback()
        db.session.commit()
        response = client.get("/probe")
        assert response.headers["X-Cache"] == "MISS"
        assert titles(response) == "保存点之外"
        db.session.remove()


# -- HitLane: hits answered before Flask ----------------------------------------------


def counting_flask_requests(app):
    calls = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: calls.append(1))
    return calls


def test_a_returning_visitors_hit_is_answered_before_flask_with_the_same_page(probe_app):
    flask_requests = counting_flask_requests(probe_app)
    client = probe_app.test_client()
    first = client.get("/probe")
    assert first.headers["X-Cache"] == "MISS" and "session=" in first.headers["Set-Cookie"]
    assert len(flask_requests) == 1
    hit = client.get("/probe")
    assert len(flask_requests) == 1  # no request context, no view, no hooks
    assert hit.status_code == 200 and hit.headers["X-Cache"] == "HIT"
    assert titles(hit) == titles(first)
    assert "Set-Cookie" not in hit.headers
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                   "Permissions-Policy", "ETag", "Last-Modified"):
        assert header in hit.headers
    assert "Cookie" in hit.headers["Vary"] and hit.headers["Cache-Control"] == "no-cache"
    assert hit.headers["Content-Type"] == first.headers["Content-Type"]
    # The visitor's own CSRF token, as Flask-WTF would have made it for this session.
    with probe_app.test_request_context(headers={"Cookie": f"session={client.get_cookie('session').value}"}):
        from flask_wtf.csrf import validate_csrf

        validate_csrf(csrf_in(hit))  # raises when the token is not this session's
    assert client.head("/probe").headers["X-Cache"] == "HIT" and len(flask_requests) == 1
    assert client.get("/probe", headers={"If-None-Match": hit.headers["ETag"]}).status_code == 304


def test_the_lane_hands_on_what_flask_must_decide(probe_app, users):
    flask_requests = counting_flask_requests(probe_app)
    client = probe_app.test_client()
    client.get("/probe")
    client.get("/probe")
    assert len(flask_requests) == 1
    # A session cookie signed with another key: Flask starts a new session (and a new token).
    stranger = probe_app.test_client()
    stranger.set_cookie("session", client.get_cookie("session").value[:-3] + "abc")
    forged = stranger.get("/probe")
    assert forged.status_code == 200 and "session=" in forged.headers["Set-Cookie"]
    assert len(flask_requests) == 2
    # A remember-me cookie alone: Flask signs the member in, who never sees the anonymous copy.
    remembered = probe_app.test_client()
    remembered.set_cookie("session", client.get_cookie("session").value)
    remembered.set_cookie("remember_token", "whatever")
    assert "X-Cache" not in remembered.get("/probe").headers
    assert len(flask_requests) == 3
    # Other query strings, private areas and POSTs are Flask's.
    client.get("/probe?utm=1")
    client.post("/probe")
    assert len(flask_requests) == 5


def test_a_view_declared_never_is_not_looked_up(probe_app):
    @probe_app.route("/probe-never")
    @public
    @pagecache.never
    def probe_never():
        return render_template_string(PROBE, titles=["live"])

    store = pagecache.get_cache(probe_app).store
    looked_up = []
    original_get = store.get
    store.get = lambda key: looked_up.append(key) or original_get(key)
    client = probe_app.test_client()
    for _ in range(3):
        assert "X-Cache" not in client.get("/probe-never").headers
    assert looked_up == []  # not even a lookup (a round trip to Redis in scale-out)
    client.get("/probe")
    client.get("/probe")
    assert len(looked_up) == 2  # the lane's miss is not looked up again by Flask; then a hit


def test_hits_are_counted_under_their_endpoint_in_the_metrics(probe_app):
    from werkzeug.test import EnvironBuilder

    client = probe_app.test_client()
    client.get("/probe")
    cookie = f"session={client.get_cookie('session').value}"
    environ = EnvironBuilder(path="/probe", headers={"Cookie": cookie}).get_environ()
    answered = []
    body = b"".join(probe_app.wsgi_app(environ, lambda status, headers, exc_info=None: answered.append(dict(headers))))
    assert answered[0]["X-Cache"] == "HIT" and b'id="titles"' in body
    assert environ[pagecache.ENDPOINT_KEY] == "probe"


def test_the_lane_serves_addresses_in_chinese_and_refuses_untrusted_hosts(app_factory):
    app = with_probe(app_factory(TRUSTED_HOSTS=["localhost"]))

    @app.route("/探针")
    @public
    def probe_in_chinese():
        return render_template_string(PROBE, titles=["中文地址"])

    with app.app_context():
        flask_requests = counting_flask_requests(app)
        client = app.test_client()
        for _ in range(3):
            page = client.get("/%E6%8E%A2%E9%92%88")
        assert page.headers["X-Cache"] == "HIT" and titles(page) == "中文地址"
        assert len(flask_requests) == 1  # the lane's key is the one Flask stored under
        # Another host is Flask's to refuse (a 400; the test client raises it), never the lane's to serve.
        with pytest.raises(SecurityError):
            client.get("/%E6%8E%A2%E9%92%88", headers={"Host": "evil.example"})
        db.session.remove()
