"""The like-ledger contract in Redis, plus the stream side of the flush protocol."""
from collections import defaultdict

import pytest

from plugins.brand_stories.ledger_redis import GROUP, RedisLedger, unapplied
from plugins.brand_stories.likes import Delta, LikeBatch, Outcome, Snapshot

from .ledger_contract import LedgerContract, key_prefix, like, redis_client  # noqa: F401 (fixtures)

pytestmark = pytest.mark.redis


@pytest.fixture
def make_ledger(redis_client, key_prefix):  # noqa: F811
    def make(**options):
        return RedisLedger(redis_client, key_prefix, **options)

    return make


class TestRedisLedger(LedgerContract):
    @pytest.fixture
    def ledger(self, make_ledger):
        return make_ledger()


def record_some(ledger, n, entry=7, start=0):
    for i in range(start, start + n):
        ledger.record(like(entry, f"d:v{i % 4}", 1 + i % 3, f"batch-{i:04d}"))


def test_two_workers_share_one_ledger(make_ledger):
    a, b = make_ledger(), make_ledger()
    a.open_window(1, 7, cap=1)
    assert b.record(like(7, "m:1", 3, "batch-001")) == Outcome(3, 1)
    assert a.record(like(7, "m:1", 3, "batch-001")) == Outcome(3, 1, True)
    assert a.snapshot(1) == b.snapshot(1) == Snapshot(1, 2, 7, {7: (3, 1)})


def test_batch_ids_expire_after_the_configured_ttl(make_ledger, redis_client, key_prefix):  # noqa: F811
    ledger = make_ledger(batch_ttl=600)
    ledger.open_window(1, 7)
    ledger.record(like(7, "m:1", 1, "batch-001"))
    ttl = redis_client.ttl(f"{key_prefix}:s:1:b:m:1:batch-001")
    assert 0 < ttl <= 600


@pytest.mark.parametrize("options", [{"decode_responses": True}, {"protocol": 3}], ids=["decoding", "resp3"])
def test_works_with_other_client_settings(redis_url, key_prefix, options):  # noqa: F811
    import redis

    client = redis.Redis.from_url(redis_url, **options)
    try:
        ledger = RedisLedger(client, key_prefix)
        ledger.open_window(1, 7, cap=2)
        assert ledger.record(like(7, "m:1", 3, "batch-001")) == Outcome(3, 2)
        assert ledger.snapshot(1) == Snapshot(1, 2, 7, {7: (3, 2)})
        [delta] = ledger.pending_deltas("c1")
        assert (delta.entry_id, delta.hearts, delta.scoring) == (7, 3, 2)
        assert ledger.ack([delta.id]) == 1
    finally:
        client.close()


def test_stream_deltas_sum_to_the_counters_and_ack_empties_it(make_ledger):
    ledger = make_ledger()
    ledger.open_window(1, 7, cap=2)
    record_some(ledger, 30)
    deltas = ledger.pending_deltas("flusher-1")
    assert len(deltas) == 30 and ledger.pending_count() == 30
    sums = [sum(d.hearts for d in deltas), sum(d.scoring for d in deltas)]
    assert tuple(sums) == ledger.snapshot(1).counts[7]
    assert ledger.pending_deltas("flusher-1") == deltas  # not acked: delivered again, same order
    assert ledger.ack([d.id for d in deltas]) == 30
    assert ledger.pending_count() == 0 and ledger.backlog() == 0
    assert ledger.pending_deltas("flusher-1") == []


def test_a_dead_flushers_pending_deltas_are_claimed(make_ledger):
    ledger = make_ledger()
    ledger.open_window(1, 7, cap=2)
    record_some(ledger, 10)
    taken = ledger.pending_deltas("dead", count=6)
    assert len(taken) == 6
    # Not idle long enough: the second flusher leaves them and takes the new ones.
    fresh = ledger.pending_deltas("live", count=100, min_idle_ms=3_600_000)
    assert [d.id for d in fresh] == [d.id for d in ledger.journal(1)][6:]
    ledger.ack(d.id for d in fresh)
    # With the flush lock held, min_idle 0 takes over everything still pending.
    claimed = ledger.pending_deltas("live")
    assert claimed == taken
    assert ledger.redis.xpending(ledger.stream, GROUP)["consumers"] == [{"name": b"live", "pending": 6}]
    ledger.ack(d.id for d in claimed)
    assert ledger.pending_count() == 0 and ledger.backlog() == 0


def test_pending_deltas_come_before_new_ones(make_ledger):
    ledger = make_ledger()
    ledger.open_window(1, 7, cap=2)
    record_some(ledger, 5)
    first = ledger.pending_deltas("a")
    record_some(ledger, 5, start=5)
    again = ledger.pending_deltas("b")
    assert again == first  # the old ones, not the new ones, until they are acked
    ledger.ack(d.id for d in again)
    assert len(ledger.pending_deltas("b")) == 5


def test_unapplied_skips_ids_at_or_below_the_stored_one():
    deltas = [Delta(i, 1, 7, "m:1", 1, 1, "batch-000", 1, 0) for i in ["10-0", "9-0", "10-1", "11-0"]]
    fresh, last = unapplied(deltas, "10-0")
    assert [d.id for d in fresh] == ["10-1", "11-0"] and last == "11-0"
    fresh, last = unapplied(deltas, None)
    assert [d.id for d in fresh] == ["9-0", "10-0", "10-1", "11-0"] and last == "11-0"
    assert unapplied(deltas, "12-0") == ([], "12-0")


class FakeDatabase:
    """The database side of the flush protocol: counts and last_applied_id change together."""

    def __init__(self):
        self.counts = defaultdict(lambda: [0, 0])
        self.last_applied_id = None


def flush(ledger, database, consumer, crash=None, count=7):
    """One flusher round; ``crash`` stops it before the commit or before the ack."""
    deltas = ledger.pending_deltas(consumer, count=count)
    fresh, last = unapplied(deltas, database.last_applied_id)
    if crash == "before_commit":
        return len(deltas)
    for d in fresh:  # one transaction: counts and the stream position
        database.counts[d.entry_id][0] += d.hearts
        database.counts[d.entry_id][1] += d.scoring
    database.last_applied_id = last
    if crash == "before_ack":
        return len(deltas)
    ledger.ack(d.id for d in deltas)
    return len(deltas)


def test_an_interrupted_flush_never_counts_twice_and_loses_nothing(make_ledger):
    ledger, database = make_ledger(), FakeDatabase()
    ledger.open_window(1, 7, cap=2)
    record_some(ledger, 10)
    assert flush(ledger, database, "w1", crash="before_commit") == 7
    record_some(ledger, 5, start=10)
    assert flush(ledger, database, "w2", crash="before_ack") == 7  # the 7 w1 left pending
    ledger.open_window(1, 8, cap=2)
    record_some(ledger, 6, entry=8, start=15)
    assert flush(ledger, database, "w3", crash="before_ack") == 7  # claimed again, all skipped
    while flush(ledger, database, "w3"):
        pass
    assert {k: tuple(v) for k, v in database.counts.items()} == ledger.snapshot(1).counts
    assert sum(v[0] for v in database.counts.values()) == sum(1 + i % 3 for i in range(21))
    assert ledger.pending_count() == 0 and ledger.backlog() == 0
