"""Request ids, log lines, /metrics, /livez and /readyz: what operators and their tools rely on."""
import json
import logging
import os
import re
import subprocess
import sys
import textwrap

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.extensions import db
from core.permissions import public
from tests.conftest import login, with_plugins
from tests.core.test_health import UNREACHABLE_DATABASE

TOKEN = "metrics-token-for-tests"
NEW_ID = re.compile(r"[0-9a-f]{32}")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def app(app_factory):
    app = app_factory(METRICS_TOKEN=TOKEN)
    with app.app_context():
        yield app
        db.session.remove()


def scrape(app):
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_counted(samples, endpoint, status):
    return value(samples, "guildhall_http_request_duration_seconds_count", endpoint=endpoint, status=status)


# -- request ids ----------------------------------------------------------------------------


def test_each_request_gets_a_new_id_in_its_response(client):
    first = client.get("/livez").headers["X-Request-ID"]
    second = client.get("/livez").headers["X-Request-ID"]
    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second)
    assert first != second
    assert NEW_ID.fullmatch(client.get("/no-such-page").headers["X-Request-ID"])  # errors too


def test_a_sane_incoming_id_is_kept(client):
    for incoming in ("5f0c1e2a9b7d4c3e8f6a1b2c3d4e5f60", "1-67891233-abcdef0123456789", "req:42.a_b-c"):
        assert client.get("/livez", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["short", "x" * 129, "two words here", "abc\r\nSet-Cookie: a=b",
                                      "<script>alert(1)</script>", "名字名字名字名字名字"])
def test_an_insane_incoming_id_is_replaced(client, incoming):
    # As the server's environ has it (the test client refuses some of these as headers).
    answered = client.get("/livez", environ_overrides={"HTTP_X_REQUEST_ID": incoming}).headers["X-Request-ID"]
    assert answered != incoming and NEW_ID.fullmatch(answered)


# -- log lines ------------------------------------------------------------------------------


def add_logging_route(app):
    @app.route("/__log-something")
    @public
    def log_something():
        logging.getLogger("plugins.example").warning("something %s", "happened")
        return "ok"


def test_json_log_lines_carry_the_request_and_an_access_line(app_factory, capsys):
    app = app_factory(LOG_FORMAT="json", ACCESS_LOG=True)
    add_logging_route(app)
    capsys.readouterr()
    response = app.test_client().get("/__log-something?x=1", headers={"X-Request-ID": "trace-0001-abcd"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    warning = next(line for line in lines if line["logger"] == "plugins.example")
    assert warning["message"] == "something happened" and warning["level"] == "WARNING"
    assert (warning["request_id"], warning["method"], warning["path"]) == ("trace-0001-abcd", "GET", "/__log-something")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", warning["time"])
    access = next(line for line in lines if line["logger"] == "guildhall.access")
    assert access["request_id"] == "trace-0001-abcd"
    assert access["status"] == 200 and access["duration_ms"] >= 0 and access["endpoint"] == "log_something"


def test_log_lines_show_paths_as_people_typed_them(app_factory, capsys):
    app = app_factory(LOG_FORMAT="json", ACCESS_LOG=True)
    capsys.readouterr()
    app.test_client().get("/新闻/质量月")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert next(line for line in lines if line["logger"] == "guildhall.access")["path"] == "/新闻/质量月"
    capsys.readouterr()
    app.test_client().get("/a%0Afake%20line")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert next(line for line in lines if line["logger"] == "guildhall.access")["path"] == "/a\\nfake line"


def test_exceptions_are_one_json_line_with_their_traceback(app_factory, capsys):
    app = app_factory(LOG_FORMAT="json", ACCESS_LOG=True)

    @app.route("/__broken")
    @public
    def broken():
        raise RuntimeError("boom")

    capsys.readouterr()
    assert app.test_client().get("/__broken").status_code == 500
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert "RuntimeError: boom" in error["exception"] and error["path"] == "/__broken"
    assert next(line for line in lines if line["logger"] == "guildhall.access")["status"] == 500


def test_text_log_lines_name_the_request(app_factory, capsys):
    app = app_factory(ACCESS_LOG=True)  # LOG_FORMAT defaults to text
    add_logging_route(app)
    capsys.readouterr()
    app.test_client().get("/__log-something", headers={"X-Request-ID": "trace-0002-abcd"})
    err = capsys.readouterr().err
    assert "WARNING plugins.example [trace-0002-abcd GET /__log-something] something happened" in err
    assert re.search(r"INFO guildhall.access \[trace-0002-abcd GET /__log-something\] GET /__log-something 200 ", err)


def test_the_access_log_is_off_unless_asked_for(app_factory, capsys):
    app = app_factory()  # as gunicorn's own access log: nginx logs every request already
    capsys.readouterr()
    app.test_client().get("/livez")
    assert "guildhall.access" not in capsys.readouterr().err


def test_an_unknown_log_format_is_refused(app_factory):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        app_factory(LOG_FORMAT="yaml")


# -- /metrics -------------------------------------------------------------------------------


def test_metrics_count_requests_by_endpoint_and_status_class(app):
    before = scrape(app)
    client = app.test_client()
    client.get("/livez")
    client.get("/livez")
    client.get("/no-such-page")  # the pages' catch-all answers 404
    client.post("/livez")  # no route for POST: 405, unmatched
    after = scrape(app)
    livez = ("observability.livez", "2xx")
    assert requests_counted(after, *livez) - requests_counted(before, *livez) == 2
    assert requests_counted(after, "unmatched", "4xx") - requests_counted(before, "unmatched", "4xx") == 1
    assert requests_counted(after, "pages.page", "4xx") - requests_counted(before, "pages.page", "4xx") == 1
    buckets = value(after, "guildhall_http_request_duration_seconds_bucket", endpoint="observability.livez",
                    status="2xx", le="+Inf")
    assert buckets == requests_counted(after, "observability.livez", "2xx")
    assert value(after, "process_resident_memory_bytes") > 0  # the process's own figures, single-process mode


def test_metrics_need_the_token_or_an_administrator(app, users):
    client = app.test_client()
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["status"] == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    for role, status in (("member", 403), ("editor", 403), ("admin", 200)):
        signed_in = app.test_client()
        login(signed_in, users[role])
        assert signed_in.get("/metrics").status_code == status, role


def test_without_a_configured_token_no_bearer_token_opens_metrics(app_factory):
    app = app_factory()
    for header in ("Bearer ", "Bearer None", "Bearer  "):
        assert app.test_client().get("/metrics", headers={"Authorization": header}).status_code == 401


def test_metrics_are_never_cached(app):
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.headers["Cache-Control"] == "no-store"
    assert "X-Cache" not in response.headers


# -- live finals: likes, lean lane, streams, queue -----------------------------------------


LIVE_PLUGINS = ["announcements", "competitions", "brand_stories"]


def test_metrics_count_likes_lean_requests_and_streams(app_factory):
    from plugins.brand_stories import live
    from tests.plugins.brand_stories.conftest import make_final

    app = with_plugins(app_factory, LIVE_PLUGINS, BABEL_DEFAULT_LOCALE="en")(METRICS_TOKEN=TOKEN)
    with app.app_context():
        _final, _competition, sessions, entries, _organisations = make_final()
        session, first = sessions[0], entries[0][0]
        live.open_window(session, session.slots[0], None)
        session_id, entry_id = session.id, first.id
        db.session.remove()
    before = scrape(app)
    phone = app.test_client()
    token = phone.post("/api/v1/live/devices").get_json()["device_token"]
    answer = phone.post(f"/api/v1/live/{session_id}/likes", headers={live.DEVICE_HEADER: token},
                        json={"entry_id": entry_id, "count": 5, "batch_id": "metrics-batch-01"})
    assert answer.status_code == 200 and answer.get_json()["accepted"] == 5
    assert NEW_ID.fullmatch(answer.headers["X-Request-ID"])  # the lean lane's answers have ids too
    resent = phone.post(f"/api/v1/live/{session_id}/likes", headers={live.DEVICE_HEADER: token},
                        json={"entry_id": entry_id, "count": 5, "batch_id": "metrics-batch-01"})
    assert resent.status_code == 200  # a re-sent batch counts once
    page = app.test_client()
    assert page.get(f"/live/{session_id}").status_code == 200
    assert page.post(f"/live/{session_id}/likes", json={"entry_id": entry_id, "count": 2,
                                                        "batch_id": "metrics-batch-02"}).status_code == 200

    stream = app.test_client().get(f"/live/{session_id}/events")
    next(iter(stream.response))  # the generator starts: the stream is open
    during = scrape(app)
    stream.close()
    after = scrape(app)

    assert value(during, "guildhall_likes_accepted_total") - value(before, "guildhall_likes_accepted_total") == 7
    lean = "lean:brand_stories.lean_likes"
    assert requests_counted(during, lean, "2xx") - requests_counted(before, lean, "2xx") == 2
    page_likes = ("brand_stories.like", "2xx")
    assert requests_counted(during, *page_likes) - requests_counted(before, *page_likes) == 1
    assert value(during, "guildhall_sse_clients") - value(before, "guildhall_sse_clients") == 1
    assert value(after, "guildhall_sse_clients") == value(before, "guildhall_sse_clients")
    assert ("guildhall_live_like_queue", ()) in during and value(during, "guildhall_live_like_queue") == 0


def test_a_failing_sampler_leaves_the_rest_of_the_scrape(app):
    from core import metrics

    metrics.register_sampler(app, "guildhall_test_broken", "Always fails.", lambda: 1 / 0)
    metrics.register_sampler(app, "guildhall_test_seven", "Always seven.", lambda: 7)
    samples = scrape(app)
    assert ("guildhall_test_broken", ()) not in samples
    assert value(samples, "guildhall_test_seven") == 7
    with pytest.raises(ValueError):
        metrics.register_sampler(app, "guildhall_likes_accepted", "Taken.", lambda: 0)


MULTIPROCESS_WORKER = textwrap.dedent("""
    import sys
    from core import metrics
    metrics.likes_accepted(int(sys.argv[1]))
    metrics.observe_request("observability.livez", 200, 0.003)
    for _ in range(int(sys.argv[2])):
        metrics.sse_opened()
""")
MULTIPROCESS_SCRAPE = textwrap.dedent("""
    import types
    from core import metrics
    body, content_type = metrics.render(types.SimpleNamespace(extensions={}))
    print(body.decode())
""")


def test_multiprocess_mode_adds_up_every_worker_and_forgets_dead_ones_streams(tmp_path):
    """Several gunicorn workers: each writes its own files, a scrape in any of them sums them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def run(code, *args):
        result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run(MULTIPROCESS_WORKER, "3", "0")
    run(MULTIPROCESS_WORKER, "4", "2")  # exits with two streams "open": its process is gone
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(run(MULTIPROCESS_SCRAPE)) for s in family.samples}
    assert value(samples, "guildhall_likes_accepted_total") == 7
    assert requests_counted(samples, "observability.livez", "2xx") == 2
    assert value(samples, "guildhall_sse_clients") == 0  # the exited worker's two streams are forgotten


# -- /livez and /readyz ---------------------------------------------------------------------


def test_livez_answers_without_dependencies(app_factory):
    for app in (app_factory(), app_factory(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)):
        response = app.test_client().get("/livez")
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}
        assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_a_database_and_plugins(client):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["plugins"]["ok"] is True and body["checks"]["plugins"]["loaded"] >= 1
    assert "redis" not in body["checks"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("database", [UNREACHABLE_DATABASE, "sqlite:////nonexistent-folder/guildhall/guildhall.db"])
def test_readyz_is_503_when_the_database_is_unreachable(app_factory, database):
    app = app_factory(SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        response = app.test_client().get("/readyz")
        db.session.remove()
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is False and body["checks"]["database"]["error"]


def test_readyz_is_503_when_configured_redis_is_unreachable(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        response = app.test_client().get("/readyz")
        db.session.remove()
    body = response.get_json()
    assert response.status_code == 503
    assert body["checks"]["database"]["ok"] is True and body["checks"]["redis"]["ok"] is False


def test_readyz_is_ready_with_redis(app_factory, redis_url):
    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        response = app.test_client().get("/readyz")
        db.session.remove()
    assert response.status_code == 200 and response.get_json()["checks"]["redis"]["ok"] is True


def test_health_endpoints_answer_only_get(client):
    for path in ("/livez", "/readyz", "/metrics"):
        assert client.post(path).status_code == 405, path
