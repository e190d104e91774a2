"""Scale-out: two app instances ("workers") on one PostgreSQL and one Redis.

Counters and per-viewer caps live in Redis (RedisLedger), snapshots fan out through
Redis pub/sub (RedisBroadcaster), and the flusher writes Redis's journal into the
database at least once a second and at every window change, so final scores come from
the database. The flush protocol (ledger_redis's docstring) is exercised with flushers
interrupted before the commit, between the commit and the acknowledgement, and racing.
Redis going away: likes are refused with 503 ``unavailable``, pages keep serving with
the database's counts, and the counts are right once Redis is back.
"""
import queue
import random
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
from limits.storage import MemoryStorage

from redis.exceptions import ConnectionError as RedisConnectionError

from core.extensions import db
from plugins.brand_stories import flusher, live
from plugins.brand_stories.likes import LikeBatch
from plugins.brand_stories.models import FlushMark, LikeBatchRecord, LikeTotal, LiveSession, ViewerLikes
from plugins.brand_stories.runtime import get_runtime
from tests.conftest import _clean_postgres

from .conftest import make_final

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@dataclass
class Scale:
    a: object  # worker A (its app context is pushed during the test)
    b: object  # worker B
    final: object
    competition: object
    session: LiveSession
    entries: list  # the session's finalists in running order
    prefix: str

    @property
    def ledger(self):
        return get_runtime(self.a).ledger


@pytest.fixture
def scale(app_factory, pg_migrated, redis_url):
    prefix = f"test:bs-scale:{uuid.uuid4().hex[:12]}"
    config = {"SQLALCHEMY_DATABASE_URI": pg_migrated, "REDIS_URL": redis_url,
              "BRAND_STORIES_REDIS_PREFIX": prefix}
    a, b = app_factory(**config), app_factory(**config)
    with a.app_context():
        _clean_postgres(a)
        final, competition, sessions, entries, _organisations = make_final(likes_cap=3)
        try:
            yield Scale(a, b, final, competition, sessions[0], entries[0], prefix)
        finally:
            stop_background_jobs(a, b)
            db.session.remove()


def stop_background_jobs(*apps):
    """Let the runtimes' pending flush and publish timers finish (they must not run into the
    next test's emptied Redis and database), and stop the pub/sub listeners."""
    for thread in threading.enumerate():
        if thread.name.startswith(("brand-stories-flush", "brand-stories-publish")):
            thread.join(5)
    for app in apps:
        runtime = app.extensions.get("brand_stories")
        if runtime is not None and runtime.remote is not None:
            runtime.remote.stop()


def device(app):
    return app.test_client().post("/api/v1/live/devices").get_json()["device_token"]


def send(app, session, token, entry, count, batch_id):
    """One batch through the API's like endpoint of ``app`` (a worker)."""
    return app.test_client().post(f"/api/v1/live/{session.id}/likes", headers={live.DEVICE_HEADER: token},
                                  json={"entry_id": entry.id, "count": count, "batch_id": batch_id})


def open_first(scale, index=0):
    session = db.session.get(LiveSession, scale.session.id)
    return live.open_window(session, session.slots[index], None)


def db_totals(session_id):
    db.session.expire_all()
    return {row.entry_id: (row.hearts, row.scoring) for row in db.session.scalars(
        db.select(LikeTotal).where(LikeTotal.session_id == session_id))}


def wait_for(predicate, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


# -- counting across workers ---------------------------------------------------------------------


def test_likes_through_both_workers_count_once_in_one_snapshot_with_the_cap_across_both(scale):
    first = scale.entries[0]
    open_first(scale)
    one, two = device(scale.a), device(scale.b)
    answers = [
        send(scale.a, scale.session, one, first, 2, "one-batch-1"),
        send(scale.b, scale.session, one, first, 2, "one-batch-2"),
        send(scale.a, scale.session, one, first, 4, "one-batch-3"),
        send(scale.b, scale.session, two, first, 5, "two-batch-1"),
    ]
    assert [answer.status_code for answer in answers] == [200] * 4
    # K = 3 holds for viewer one over both workers: 2 + 1 + 0 scoring likes.
    assert [answer.get_json()["accepted_scoring"] for answer in answers] == [2, 1, 0, 3]

    # A batch whose answer was lost, re-sent to the OTHER worker, counts once.
    again = send(scale.b, scale.session, one, first, 2, "one-batch-1")
    assert again.status_code == 200
    assert again.get_json() == {"accepted": 2, "accepted_hearts": 2, "accepted_scoring": 2, "duplicate": True}
    conflict = send(scale.b, scale.session, one, first, 3, "one-batch-1")
    assert (conflict.status_code, conflict.get_json()["error"]["code"]) == (409, "batch_conflict")

    snap_a = get_runtime(scale.a).ledger.snapshot(scale.session.id)
    snap_b = get_runtime(scale.b).ledger.snapshot(scale.session.id)
    assert snap_a == snap_b
    assert snap_a.counts == {first.id: (13, 6)} and snap_a.version == 1 + 4
    for app in (scale.a, scale.b):
        state = app.test_client().get(f"/api/v1/live/{scale.session.id}").get_json()
        assert (state["current"]["hearts"], state["current"]["scoring_likes"]) == (13, 6)


class EventReader:
    """A streamed SSE response read in a thread: (time, event text) in a queue."""

    def __init__(self, app, response):
        self.app, self.response = app, response
        self.events, self.stop = queue.Queue(), threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buffer = b""
        try:
            for chunk in self.response.response:
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self.events.put((time.monotonic(), block.decode()))
                if self.stop.is_set():
                    break
        finally:
            self.response.close()

    def get(self, timeout=5):
        return self.events.get(timeout=timeout)

    def wait_for(self, text, since, within):
        """The time from ``since`` to the first event containing ``text``; fails after ``within`` s."""
        while True:
            at, block = self.events.get(timeout=max(0.01, since + within - time.monotonic()))
            if text in block:
                return at - since, block

    def close(self):
        self.stop.set()
        get_runtime(self.app).fanout.wake_all()  # unblock the stream so the reader stops
        self.thread.join(5)


def stream(app, session):
    response = app.test_client().get(f"/live/{session.id}/events")
    assert response.status_code == 200
    return EventReader(app, response)


def test_the_stream_of_worker_b_shows_a_like_sent_to_worker_a_within_a_second(scale):
    first = scale.entries[0]
    open_first(scale)
    token = device(scale.a)
    reader = stream(scale.b, scale.session)
    try:
        _at, retry = reader.get()
        _at, start = reader.get()
        assert retry == "retry: 2000" and "event: snapshot" in start and '"counts":{}' in start

        sent = time.monotonic()
        assert send(scale.a, scale.session, token, first, 3, "stream-batch-1").status_code == 200
        delay, block = reader.wait_for('"hearts":3,"scoring":3', sent, 1.0)
        assert delay < 1.0
        assert f'"current_entry_id":{first.id}' in block
    finally:
        reader.close()


def test_a_stream_opened_while_redis_is_down_serves_and_follows_other_workers_once_it_is_back(scale):
    first = scale.entries[0]
    open_first(scale)
    runtime = get_runtime(scale.b)
    runtime.fanout.publish(runtime.ledger.snapshot(scale.session.id))  # this worker has shown the session
    pool = runtime.redis.connection_pool
    saved_port = pool.connection_kwargs["port"]
    pool.connection_kwargs["port"] = closed_port()
    pool.reset()
    readers = []
    try:
        readers.append(stream(scale.b, scale.session))
        _at, retry = readers[0].get()
        _at, start = readers[0].get()
        assert retry == "retry: 2000" and f'"current_entry_id":{first.id}' in start
    finally:
        pool.connection_kwargs["port"] = saved_port
        pool.reset()
    try:
        readers.append(stream(scale.b, scale.session))  # the next stream (or heartbeat) starts the listener
        readers[1].get()
        readers[1].get()
        sent = time.monotonic()
        assert send(scale.a, scale.session, device(scale.a), first, 2, "back-batch-1").status_code == 200
        for reader in readers:
            delay, _block = reader.wait_for('"hearts":2,"scoring":2', sent, 1.0)
            assert delay < 1.0
    finally:
        for reader in readers:
            reader.close()


# -- the flush to the database ---------------------------------------------------------------------


def test_counts_reach_the_database_within_a_second_and_exactly_at_every_window_change(scale):
    first, second = scale.entries[:2]
    open_first(scale)
    tokens = [device(scale.a) for _ in range(3)]

    # The timer flush: no window change, the database follows the likes within ~1.5 s.
    assert send(scale.a, scale.session, tokens[0], first, 2, "timer-batch-1").status_code == 200
    assert send(scale.b, scale.session, tokens[1], first, 4, "timer-batch-2").status_code == 200
    assert wait_for(lambda: sum(h for h, _s in db_totals(scale.session.id).values()) == 6, 1.5)
    # Worker A flushed a moment ago: its next flush waits for the rest of its second.
    assert send(scale.a, scale.session, tokens[2], first, 1, "timer-batch-3").status_code == 200
    last_like = time.monotonic()
    snap = scale.ledger.snapshot(scale.session.id)
    assert wait_for(lambda: db_totals(scale.session.id) == snap.counts, 1.5), (db_totals(scale.session.id), snap)
    assert time.monotonic() - last_like < 1.5

    # A burst through both workers, then the next window: the database has every like at once.
    sent = []
    for index in range(12):
        app = scale.a if index % 2 else scale.b
        token = tokens[index % 3]
        batch_id = f"burst-batch-{index:02d}"
        answer = send(app, scale.session, token, first, 1 + index % 4, batch_id)
        assert answer.status_code == 200
        sent.append(batch_id)
    session = db.session.get(LiveSession, scale.session.id)
    live.next_window(session, None)  # closes the first window, opens the second
    assert db_totals(scale.session.id) == scale.ledger.snapshot(scale.session.id).counts

    for index in range(9):
        app = scale.b if index % 2 else scale.a
        answer = send(app, scale.session, tokens[index % 3], second, 2, f"second-batch-{index:02d}")
        assert answer.status_code == 200
    session = db.session.get(LiveSession, scale.session.id)
    live.close_window(session, None)  # the final close

    snap = scale.ledger.snapshot(scale.session.id)
    assert db_totals(scale.session.id) == snap.counts
    assert snap.counts[first.id] == (2 + 4 + 1 + sum(1 + i % 4 for i in range(12)), 2 + 3 + 1 + 3)
    assert snap.counts[second.id] == (18, 9)

    # Per viewer: the database's ViewerLikes equal Redis's per-viewer caps and the batches' sums.
    db.session.expire_all()
    viewers = {(row.entry_id, row.viewer): (row.hearts, row.scoring) for row in db.session.scalars(
        db.select(ViewerLikes).where(ViewerLikes.session_id == scale.session.id))}
    redis = get_runtime(scale.a).redis
    for entry in (first, second):
        used = {key.decode(): int(value) for key, value in
                redis.hgetall(f"{scale.prefix}:s:{scale.session.id}:used:{entry.id}").items()}
        assert {viewer: scoring for (entry_id, viewer), (_h, scoring) in viewers.items()
                if entry_id == entry.id} == used
    records = db.session.scalars(db.select(LikeBatchRecord).where(
        LikeBatchRecord.session_id == scale.session.id)).all()
    assert len(records) == 3 + 12 + 9 == len({(r.viewer, r.batch_id) for r in records})
    by_viewer = defaultdict(lambda: [0, 0])
    for record in records:
        by_viewer[(record.entry_id, record.viewer)][0] += record.hearts
        by_viewer[(record.entry_id, record.viewer)][1] += record.scoring
    assert {key: tuple(value) for key, value in by_viewer.items()} == viewers
    assert scale.ledger.backlog() == 0 and scale.ledger.pending_count() == 0

    # The final's ranking reads the database.
    from plugins.competitions import results

    assert results.vote_counts(scale.competition) == {first.id: 9, second.id: 9}  # K = 3, three viewers


# -- the flush protocol, interrupted ------------------------------------------------------------------


def record(scale, viewer, count, batch_id, entry=None):
    """Straight into the ledger (no timer flush is poked: these tests drive the flusher)."""
    entry = entry or scale.entries[0]
    return scale.ledger.record(LikeBatch(scale.session.id, entry.id, viewer, count, batch_id))


def open_in_ledger(scale, entry=None, cap=3):
    entry = entry or scale.entries[0]
    scale.ledger.open_window(scale.session.id, entry.id, cap=cap)


def record_some(scale, n, start=0):
    for i in range(start, start + n):
        record(scale, f"d:viewer{i % 5}", 1 + i % 3, f"batch-{i:05d}")


class Boom(Exception):
    pass


def test_a_flush_interrupted_before_its_commit_applies_nothing_and_the_next_applies_each_delta_once(scale):
    open_in_ledger(scale)
    record_some(scale, 20)
    ledger = scale.ledger

    def killed(_deltas):
        raise Boom("flusher killed half-way")

    with pytest.raises(Boom):
        flusher.flush_round(db.engine, ledger, "dying", before_commit=killed)
    assert db_totals(scale.session.id) == {}
    assert db.session.scalar(db.select(FlushMark.last_applied_id).where(FlushMark.stream == ledger.stream)) \
        in (None, "0-0")
    assert ledger.pending_count() == 20

    record_some(scale, 5, start=20)
    assert flusher.flush(db.engine, ledger, "heir") == 25  # the dead flusher's 20, then the new 5
    assert db_totals(scale.session.id) == ledger.snapshot(scale.session.id).counts
    assert db.session.scalar(db.select(db.func.count(LikeBatchRecord.id))) == 25
    assert flusher.flush(db.engine, ledger, "heir") == 0
    assert ledger.backlog() == 0


def test_a_crash_after_the_commit_and_before_the_ack_skips_those_deltas_next_time(scale, monkeypatch):
    open_in_ledger(scale)
    record_some(scale, 15)
    ledger = scale.ledger
    real_ack = ledger.ack
    calls = []

    def ack_once_dies(ids):
        calls.append(list(ids))
        if len(calls) == 1:
            raise Boom("killed after the commit, before XACK")
        return real_ack(ids)

    monkeypatch.setattr(ledger, "ack", ack_once_dies)
    with pytest.raises(Boom):
        flusher.flush_round(db.engine, ledger, "dying")
    committed = db_totals(scale.session.id)
    assert committed == ledger.snapshot(scale.session.id).counts  # committed once
    assert ledger.pending_count() == 15  # but still pending in Redis

    record_some(scale, 6, start=15)  # new likes arrive meanwhile
    # The next flush skips the 15 (at or below the stored id) and applies only the 6 new ones, in one call.
    assert flusher.flush(db.engine, ledger, "heir") == 6
    assert db_totals(scale.session.id) == ledger.snapshot(scale.session.id).counts
    assert db.session.scalar(db.select(db.func.count(LikeBatchRecord.id))) == 21
    assert ledger.backlog() == 0 and ledger.pending_count() == 0


def test_the_flusher_recreates_its_consumer_group_when_redis_lost_the_stream(scale):
    """Redis restarted without its data (or the key was deleted) after this process made the group."""
    open_in_ledger(scale)
    record_some(scale, 3)
    ledger = scale.ledger
    assert flusher.flush(db.engine, ledger, "c1") == 3
    get_runtime(scale.a).redis.delete(ledger.stream)  # stream and group gone
    open_in_ledger(scale)
    record_some(scale, 4, start=3)
    assert flusher.flush(db.engine, ledger, "c1") == 4
    assert ledger.pending_count() == 0
    assert db_totals(scale.session.id) == ledger.snapshot(scale.session.id).counts


def test_flushers_racing_and_crashing_never_count_twice_and_lose_nothing(scale):
    """Four flushers (as four workers' timers) race while likes arrive; some rounds die before
    their commit, some after it and before the ack. The database ends equal to Redis."""
    open_in_ledger(scale, cap=2)
    ledger = scale.ledger
    engine = db.engine
    stop = threading.Event()
    errors = []
    outcomes = {}

    def liker(worker):
        for i in range(60):
            batch_id = f"w{worker}-b{i:04d}"
            outcomes[batch_id] = record(scale, f"d:w{worker}v{i % 7}", 1 + i % 4, batch_id)
            time.sleep(random.random() * 0.003)

    def racer(number):
        rng = random.Random(number)

        class FlakyLedger:
            """The same ledger whose ack sometimes dies (a flusher killed after its commit)."""

            def __getattr__(self, name):
                return getattr(ledger, name)

            def ack(self, ids):
                if rng.random() < 0.2:
                    raise Boom("killed before XACK")
                return ledger.ack(ids)

        flaky = FlakyLedger()

        def die_before_commit(_deltas):
            if rng.random() < 0.2:
                raise Boom("killed before COMMIT")

        while not stop.is_set():
            try:
                flusher.flush_round(engine, flaky, f"racer-{number}", before_commit=die_before_commit)
            except Boom:
                pass
            except Exception as error:  # anything else is a bug
                errors.append(error)
                return
            time.sleep(rng.random() * 0.005)

    likers = [threading.Thread(target=liker, args=(w,)) for w in range(4)]
    racers = [threading.Thread(target=racer, args=(n,)) for n in range(4)]
    for thread in likers + racers:
        thread.start()
    for thread in likers:
        thread.join(30)
    time.sleep(0.2)
    stop.set()
    for thread in racers:
        thread.join(30)
    assert not errors, errors
    flusher.flush(engine, ledger, "last")

    snap = ledger.snapshot(scale.session.id)
    hearts = sum(o.accepted_hearts for o in outcomes.values())
    scoring = sum(o.accepted_scoring for o in outcomes.values())
    assert snap.counts == {scale.entries[0].id: (hearts, scoring)}
    assert db_totals(scale.session.id) == snap.counts
    batch_ids = db.session.scalars(db.select(LikeBatchRecord.batch_id)).all()
    assert Counter(batch_ids) == Counter(outcomes.keys())  # every batch exactly once
    assert ledger.backlog() == 0


# -- Redis stopped --------------------------------------------------------------------------------------


def test_with_redis_down_likes_are_refused_pages_serve_and_counts_are_right_after_it_returns(scale):
    first = scale.entries[0]
    open_first(scale)
    token = device(scale.a)
    assert send(scale.a, scale.session, token, first, 4, "before-down-1").status_code == 200
    get_runtime(scale.a).flush_now()
    assert db_totals(scale.session.id) == {first.id: (4, 3)}

    # Worker A loses Redis (its client points at a port where nothing listens).
    pool = get_runtime(scale.a).redis.connection_pool
    saved_port = pool.connection_kwargs["port"]
    pool.connection_kwargs["port"] = closed_port()
    pool.reset()  # drop the open connections: new ones go to the closed port
    try:
        refused = send(scale.a, scale.session, token, first, 2, "during-down-1")
        assert refused.status_code == 503
        assert refused.get_json()["error"]["code"] == "unavailable"
        assert refused.headers["Retry-After"]
        client = scale.a.test_client()
        for path in (f"/live/{scale.session.id}", f"/live/{scale.session.id}/board"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert first.title in page.get_data(as_text=True)
        state = client.get(f"/api/v1/live/{scale.session.id}").get_json()
        assert state["current"]["entry_id"] == first.id  # from the database's session row
        assert (state["current"]["hearts"], state["current"]["scoring_likes"]) == (4, 3)  # the flushed counts
        assert get_runtime(scale.a).flush_now(strict=False) == 0  # what readers of results call
        with pytest.raises(RedisConnectionError):
            get_runtime(scale.a).flush_now()  # a window change must not pretend it flushed
    finally:
        pool.connection_kwargs["port"] = saved_port
        pool.reset()

    # Redis is back: the phone re-sends its refused batch (it keeps its taps), and all counts are right.
    again = send(scale.a, scale.session, token, first, 2, "during-down-1")
    assert again.status_code == 200 and again.get_json()["duplicate"] is False
    other = device(scale.b)
    assert send(scale.b, scale.session, other, first, 1, "after-up-1").status_code == 200
    session = db.session.get(LiveSession, scale.session.id)
    live.close_window(session, None)
    assert scale.ledger.snapshot(scale.session.id).counts == {first.id: (7, 4)}
    assert db_totals(scale.session.id) == {first.id: (7, 4)}


def test_with_redis_down_the_finals_results_still_read_the_database(scale):
    first = scale.entries[0]
    open_first(scale)
    answer = send(scale.a, scale.session, device(scale.a), first, 4, "before-down-1")
    assert answer.status_code == 200, answer.get_json()
    get_runtime(scale.a).flush_now()
    pool = get_runtime(scale.a).redis.connection_pool
    saved_port = pool.connection_kwargs["port"]
    pool.connection_kwargs["port"] = closed_port()
    pool.reset()
    try:
        from plugins.competitions import results

        assert results.vote_counts(scale.competition) == {first.id: 3}
    finally:
        pool.connection_kwargs["port"] = saved_port
        pool.reset()


def down_worker(scale, app_factory, **config):
    """Another worker whose Redis is unreachable from the start (core's page cache and rate-limit
    storage included), with rate limits on."""
    return app_factory(SQLALCHEMY_DATABASE_URI=scale.a.config["SQLALCHEMY_DATABASE_URI"],
                       REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0", RATELIMIT_ENABLED=True,
                       BRAND_STORIES_REDIS_PREFIX=scale.prefix, **config)


def test_a_worker_without_redis_refuses_likes_with_503_even_when_its_rate_limit_storage_fails(
        scale, app_factory, monkeypatch):
    first = scale.entries[0]
    open_first(scale)
    token = device(scale.a)
    assert send(scale.a, scale.session, token, first, 2, "before-down-1").status_code == 200
    down = down_worker(scale, app_factory)

    class DeadStorage(MemoryStorage):
        def acquire_sliding_window_entry(self, *args, **kwargs):
            raise RedisConnectionError("Error 111 connecting to the rate-limit storage")

        get_sliding_window = acquire_sliding_window_entry

    class Limiter:
        storage = DeadStorage()

    # Flask-Limiter switches to its in-memory fallback only once its own checks fail (the page's
    # like endpoint is exempt from them): until then check_rates meets the Redis error itself.
    monkeypatch.setattr(live, "limiter", Limiter())
    for _attempt in range(2):
        refused = send(down, scale.session, token, first, 1, "during-down-2")
        assert refused.status_code == 503, refused.get_json()
        assert refused.get_json()["error"]["code"] == "unavailable" and refused.headers["Retry-After"]
    assert scale.ledger.snapshot(scale.session.id).counts == {first.id: (2, 2)}


def test_a_worker_without_redis_serves_the_live_pages(scale, app_factory):
    first = scale.entries[0]
    open_first(scale)
    token = device(scale.a)
    assert send(scale.a, scale.session, token, first, 2, "before-down-1").status_code == 200
    get_runtime(scale.a).flush_now()
    down = down_worker(scale, app_factory)
    client = down.test_client()
    state = client.get(f"/api/v1/live/{scale.session.id}")
    assert state.status_code == 200 and state.get_json()["current"]["hearts"] == 2
    for path in (f"/live/{scale.session.id}", f"/live/{scale.session.id}/board"):
        assert client.get(path).status_code == 200, path


def test_a_void_takes_the_likes_out_of_the_database_and_of_the_live_counts_in_redis(scale):
    from plugins.brand_stories import anomalies

    first = scale.entries[0]
    open_first(scale)
    tokens = [device(scale.a), device(scale.b)]
    assert send(scale.a, scale.session, tokens[0], first, 5, "void-b00001").status_code == 200
    assert send(scale.b, scale.session, tokens[1], first, 2, "void-b00002").status_code == 200
    session = db.session.get(LiveSession, scale.session.id)
    live.end_session(session, None)
    viewer = f"d:{live.device_id(tokens[0])}"
    before = scale.ledger.snapshot(session.id)
    anomalies.void_viewer(session, viewer, "A script.", None)
    assert db_totals(session.id) == {first.id: (2, 2)}  # K = 3 here
    after = scale.ledger.snapshot(session.id)
    assert after.counts == {first.id: (2, 2)} and after.version == before.version + 1


def test_the_host_console_says_so_when_redis_is_down(scale, app_factory):
    from core.users.models import Role, RolePermission
    from tests.conftest import login, make_user

    host = make_user("member", email="host@example.org")
    host.roles = [*host.roles, Role(name="contest-host", title="Contest host",
                                    grants=[RolePermission(permission="brand_stories.host", granted=True)])]
    db.session.commit()
    worker = down_worker(scale, app_factory)
    client = worker.test_client()
    login(client, host)
    answer = client.post(f"/live/{scale.session.id}/host/next", follow_redirects=True)
    assert answer.status_code == 200
    assert "cannot be reached right now" in answer.get_data(as_text=True)
    assert db.session.get(LiveSession, scale.session.id).current_entry_id is None
