"""Snapshot fan-out: latest-only subscriptions, SSE formatting, Redis pub/sub across workers."""
import json
import random
import threading

import pytest

from plugins.brand_stories.broadcast import (
    MemoryBroadcaster,
    RedisBroadcaster,
    Subscription,
    parse_last_event_id,
    sse_event,
    sse_heartbeat,
)
from plugins.brand_stories.likes import Snapshot

from .ledger_contract import key_prefix, redis_client  # noqa: F401 (fixtures)

WAIT = 10  # seconds a test waits for a message before failing; never asserted on


def snap(version, session=1, current=7):
    return Snapshot(session, version, current, {7: (version * 3, version)})


def test_sse_event_format():
    text = sse_event(Snapshot(1, 12, 7, {7: (30, 10)}))
    assert text == (
        'id: 12\nevent: snapshot\ndata: {"session_id":1,"version":12,"current_entry_id":7,'
        '"counts":{"7":{"hearts":30,"scoring":10}}}\n\n'
    )
    assert sse_event(Snapshot.empty(2), retry_ms=2000).startswith("retry: 2000\nid: 0\nevent: snapshot\ndata: ")


def test_sse_data_is_one_line_even_with_text():
    text = sse_event(Snapshot(1, 1, None, {}))
    lines = text.split("\n")
    assert lines[-2:] == ["", ""] and len(lines) == 5
    assert json.loads(lines[2].removeprefix("data: "))["current_entry_id"] is None


def test_heartbeat_is_a_comment():
    assert sse_heartbeat() == ": heartbeat\n\n"
    assert sse_heartbeat("ping").startswith(":")


@pytest.mark.parametrize(
    "header,expected", [("12", 12), (" 3 ", 3), ("", None), (None, None), ("abc", None), ("-1", None)]
)
def test_last_event_id(header, expected):
    assert parse_last_event_id(header) == expected


def test_a_slow_listener_gets_only_the_latest():
    broadcaster = MemoryBroadcaster()
    sub = broadcaster.subscribe(1)
    for version in range(1, 6):
        broadcaster.publish(snap(version))
    assert sub.get_nowait() == snap(5)
    assert sub.get_nowait() is None
    assert broadcaster.publish(snap(3)) == 0  # older than the newest published: dropped
    assert sub.get_nowait() is None
    broadcaster.publish(snap(6))
    assert sub.get(timeout=WAIT) == snap(6)


def test_a_subscription_never_goes_backwards():
    sub = Subscription(1)
    assert sub.offer(snap(4))
    assert not sub.offer(snap(2))
    assert sub.get_nowait().version == 4
    assert not sub.offer(snap(4)) and not sub.offer(snap(3))
    assert sub.offer(snap(5)) and not sub.offer(snap(1, session=2))
    assert sub.get_nowait().version == 5 and sub.delivered_version == 5


def test_a_new_subscriber_starts_with_the_latest_snapshot():
    broadcaster = MemoryBroadcaster()
    broadcaster.publish(snap(8))
    sub = broadcaster.subscribe(1)
    assert sub.get_nowait() == snap(8)
    # A (re)connecting view seeds it with the ledger's snapshot; an older one is ignored.
    assert not sub.offer(snap(7))
    assert broadcaster.subscribe(2).get_nowait() is None


def test_sessions_are_separate_and_close_unsubscribes():
    broadcaster = MemoryBroadcaster()
    one, two = broadcaster.subscribe(1), broadcaster.subscribe(2)
    also_one = broadcaster.subscribe(1)
    assert broadcaster.publish(snap(1, session=1)) == 2
    assert two.get_nowait() is None
    assert one.get_nowait() == also_one.get_nowait() == snap(1)
    with also_one:
        pass
    assert broadcaster.subscriber_count(1) == 1 and broadcaster.active_sessions() == [1, 2]
    one.close()
    two.close()
    assert broadcaster.subscriber_count() == 0
    assert one.get(timeout=WAIT) is None  # closed: returns at once
    assert broadcaster.publish(snap(2)) == 0


def test_get_times_out_with_none_and_wakes_on_publish():
    broadcaster = MemoryBroadcaster()
    sub = broadcaster.subscribe(1)
    assert sub.get(timeout=0.01) is None
    woken = []
    late = broadcaster.subscribe(1, on_update=lambda: woken.append(True))
    threading.Timer(0.05, broadcaster.publish, args=(snap(1),)).start()
    assert sub.get(timeout=WAIT) == snap(1)
    assert late.get(timeout=WAIT) == snap(1) and woken == [True]


def test_concurrent_publishers_in_any_order_never_move_a_listener_backwards():
    broadcaster = MemoryBroadcaster()
    subs = [broadcaster.subscribe(1) for _ in range(3)]
    top = 300
    seen = {i: [] for i in range(len(subs))}

    def publisher(seed):
        versions = list(range(1, top + 1))
        random.Random(seed).shuffle(versions)
        for version in versions:
            broadcaster.publish(snap(version))

    def listener(i):
        while True:
            got = subs[i].get(timeout=WAIT)
            if got is None:
                return
            seen[i].append(got.version)
            if got.version == top:
                return

    threads = [threading.Thread(target=listener, args=(i,)) for i in seen]
    threads += [threading.Thread(target=publisher, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for versions in seen.values():
        assert versions and versions[-1] == top
        assert all(a < b for a, b in zip(versions, versions[1:]))


# -- Redis pub/sub across workers --------------------------------------------


@pytest.fixture
def workers(redis_client, key_prefix):  # noqa: F811
    """Two processes' broadcasters on one Redis (one thread each)."""
    pair = [RedisBroadcaster(redis_client, key_prefix, poll_timeout=0.1).start() for _ in range(2)]
    yield pair
    for broadcaster in pair:
        broadcaster.stop()


@pytest.mark.redis
def test_a_snapshot_published_by_one_worker_reaches_the_other(workers):
    a, b = workers
    on_b, on_a = b.subscribe(1), a.subscribe(1)
    assert a.publish(snap(1)) == 2  # both processes listen
    assert on_b.get(timeout=WAIT) == snap(1)
    assert on_a.get(timeout=WAIT) == snap(1)
    a.publish(snap(3))
    b.publish(snap(2))  # older, arriving after: ignored
    b.publish(snap(4))
    assert on_b.get(timeout=WAIT) in (snap(3), snap(4))
    if on_b.delivered_version == 3:
        assert on_b.get(timeout=WAIT) == snap(4)
    assert on_b.get_nowait() is None and on_b.delivered_version == 4


@pytest.mark.redis
def test_a_malformed_message_is_ignored(workers, redis_client):  # noqa: F811
    a, b = workers
    sub = b.subscribe(1)
    redis_client.publish(a.channel(1), b"not json")
    redis_client.publish(a.channel(1), b'{"version": 1}')
    a.publish(snap(5))
    assert sub.get(timeout=WAIT) == snap(5)


@pytest.mark.redis
def test_resync_after_a_reconnect_publishes_the_ledger_snapshot(redis_client, key_prefix):  # noqa: F811
    broadcaster = RedisBroadcaster(redis_client, key_prefix, resync=lambda session: snap(9, session=session))
    sub = broadcaster.subscribe(1)
    broadcaster._resync()
    assert sub.get_nowait() == snap(9)
    assert broadcaster.subscribe(2).get_nowait() is None  # only sessions that had listeners
