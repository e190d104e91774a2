"""The contract every like ledger keeps (memory and Redis), and Redis fixtures.

A test module subclasses ``LedgerContract`` and provides a ``ledger`` fixture.
All assertions are deterministic: concurrency tests check invariants that hold
for every interleaving, never timings.
"""
import threading
import uuid
from collections import defaultdict

import pytest

from plugins.brand_stories.likes import LikeBatch, LikeRefused, Outcome, Snapshot

S = 1  # session id used by most tests


def like(entry, viewer, count, batch_id, session=S):
    return LikeBatch(session, entry, viewer, count, batch_id)


def refusal(ledger, batch):
    with pytest.raises(LikeRefused) as caught:
        ledger.record(batch)
    assert caught.value.status == 409
    return caught.value.code


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client):
    """A prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"test:bs:{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        redis_client.delete(*keys)


class LedgerContract:
    @pytest.fixture
    def ledger(self):
        raise NotImplementedError

    # -- snapshots and windows ------------------------------------------

    def test_unknown_session_is_empty(self, ledger):
        assert ledger.snapshot(99) == Snapshot(99, 0, None, {})
        assert ledger.journal(99) == []

    def test_window_changes_bump_the_version_once_each(self, ledger):
        assert ledger.open_window(S, 7, cap=1) == Snapshot(S, 1, 7, {})
        assert ledger.open_window(S, 7, cap=1).version == 1  # already open: no change
        assert ledger.open_window(S, 8, cap=1) == Snapshot(S, 2, 8, {})  # switch: one change
        assert ledger.close_window(S) == Snapshot(S, 3, None, {})
        assert ledger.close_window(S).version == 3  # already closed
        assert ledger.snapshot(S) == Snapshot(S, 3, None, {})

    def test_cap_must_be_at_least_one(self, ledger):
        with pytest.raises(ValueError):
            ledger.open_window(S, 7, cap=0)

    # -- window rule -------------------------------------------------------

    def test_no_window_refuses(self, ledger):
        assert refusal(ledger, like(7, "m:1", 3, "batch-001")) == "window_closed"
        assert ledger.snapshot(S) == Snapshot(S, 0, None, {})

    def test_closed_window_refuses_and_adds_nothing(self, ledger):
        ledger.open_window(S, 7, cap=3)
        ledger.record(like(7, "m:1", 2, "batch-001"))
        ledger.close_window(S)
        before = ledger.snapshot(S)
        assert refusal(ledger, like(7, "m:1", 2, "batch-002")) == "window_closed"
        assert ledger.snapshot(S) == before == Snapshot(S, 3, None, {7: (2, 2)})

    def test_only_the_open_entry_counts(self, ledger):
        ledger.open_window(S, 7, cap=5)
        assert refusal(ledger, like(8, "m:1", 2, "batch-001")) == "not_current_entry"
        assert ledger.record(like(7, "m:1", 2, "batch-002")) == Outcome(2, 2)
        ledger.open_window(S, 8, cap=5)
        assert refusal(ledger, like(7, "m:1", 2, "batch-003")) == "not_current_entry"
        assert ledger.record(like(8, "m:1", 1, "batch-004")) == Outcome(1, 1)
        assert ledger.snapshot(S) == Snapshot(S, 4, 8, {7: (2, 2), 8: (1, 1)})

    def test_a_refused_batch_is_not_remembered(self, ledger):
        assert refusal(ledger, like(7, "m:1", 2, "batch-001")) == "window_closed"
        ledger.open_window(S, 7, cap=5)
        assert ledger.record(like(7, "m:1", 2, "batch-001")) == Outcome(2, 2, False)

    # -- duplicates ----------------------------------------------------------

    def test_duplicates_count_once_and_return_the_original_outcome(self, ledger):
        ledger.open_window(S, 7, cap=3)
        first = ledger.record(like(7, "m:1", 5, "batch-001"))
        assert first == Outcome(5, 3, False)
        for _ in range(3):
            assert ledger.record(like(7, "m:1", 5, "batch-001")) == Outcome(5, 3, True)
        assert ledger.snapshot(S) == Snapshot(S, 2, 7, {7: (5, 3)})
        assert len(ledger.journal(S)) == 1

    def test_a_duplicate_after_the_window_closed_still_gets_its_outcome(self, ledger):
        ledger.open_window(S, 7, cap=1)
        ledger.record(like(7, "m:1", 4, "batch-001"))
        ledger.open_window(S, 8, cap=1)
        assert ledger.record(like(7, "m:1", 4, "batch-001")) == Outcome(4, 1, True)
        ledger.close_window(S)
        assert ledger.record(like(7, "m:1", 4, "batch-001")) == Outcome(4, 1, True)
        assert ledger.snapshot(S).counts == {7: (4, 1)}

    def test_batch_ids_are_per_viewer_and_per_session(self, ledger):
        ledger.open_window(S, 7, cap=9)
        ledger.open_window(2, 7, cap=9)
        assert ledger.record(like(7, "m:1", 2, "batch-001")) == Outcome(2, 2)
        assert ledger.record(like(7, "d:phone", 2, "batch-001")) == Outcome(2, 2)
        assert ledger.record(like(7, "m:1", 2, "batch-001", session=2)) == Outcome(2, 2)
        assert ledger.snapshot(S).counts == {7: (4, 4)}
        assert ledger.snapshot(2).counts == {7: (2, 2)}

    def test_a_reused_batch_id_with_other_likes_is_refused(self, ledger):
        ledger.open_window(S, 7, cap=9)
        ledger.record(like(7, "m:1", 2, "batch-001"))
        assert refusal(ledger, like(7, "m:1", 3, "batch-001")) == "batch_conflict"
        ledger.open_window(S, 8, cap=9)
        assert refusal(ledger, like(8, "m:1", 2, "batch-001")) == "batch_conflict"
        assert ledger.snapshot(S).counts == {7: (2, 2)}

    # -- scoring cap ----------------------------------------------------------

    def test_cap_one_means_one_scoring_like_per_viewer_per_entry(self, ledger):
        ledger.open_window(S, 7, cap=1)
        assert ledger.record(like(7, "m:1", 3, "batch-001")) == Outcome(3, 1)
        assert ledger.record(like(7, "m:1", 2, "batch-002")) == Outcome(2, 0)
        assert ledger.record(like(7, "m:2", 1, "batch-003")) == Outcome(1, 1)
        ledger.open_window(S, 8, cap=1)
        assert ledger.record(like(8, "m:1", 1, "batch-004")) == Outcome(1, 1)
        assert ledger.snapshot(S).counts == {7: (6, 2), 8: (1, 1)}

    def test_cap_three_spreads_over_batches(self, ledger):
        ledger.open_window(S, 7, cap=3)
        assert ledger.record(like(7, "d:a", 2, "batch-001")) == Outcome(2, 2)
        assert ledger.record(like(7, "d:a", 2, "batch-002")) == Outcome(2, 1)
        assert ledger.record(like(7, "d:a", 2, "batch-003")) == Outcome(2, 0)
        assert ledger.record(like(7, "d:b", 5, "batch-004")) == Outcome(5, 3)
        assert ledger.snapshot(S) == Snapshot(S, 5, 7, {7: (11, 6)})

    def test_reopening_an_entry_keeps_what_its_viewers_used(self, ledger):
        ledger.open_window(S, 7, cap=3)
        ledger.record(like(7, "d:a", 2, "batch-001"))
        ledger.close_window(S)
        ledger.open_window(S, 7, cap=3)
        assert ledger.record(like(7, "d:a", 5, "batch-002")) == Outcome(5, 1)

    # -- journal ----------------------------------------------------------------

    def test_journal_deltas_sum_to_the_counters(self, ledger):
        ledger.open_window(S, 7, cap=2)
        for i, viewer in enumerate(["m:1", "m:2", "m:1", "d:x", "m:1"]):
            ledger.record(like(7, viewer, i + 1, f"batch-{i:03d}"), now=1_700_000_000 + i)
        ledger.record(like(7, "m:1", 1, "batch-000"))  # duplicate: not journaled
        ledger.open_window(S, 8, cap=2)
        ledger.record(like(8, "m:1", 4, "batch-100"))
        deltas = ledger.journal(S)
        assert len(deltas) == 6
        totals = defaultdict(lambda: [0, 0])
        for d in deltas:
            totals[d.entry_id][0] += d.hearts
            totals[d.entry_id][1] += d.scoring
        assert {k: tuple(v) for k, v in totals.items()} == ledger.snapshot(S).counts == {7: (15, 6), 8: (4, 2)}
        assert [d.version for d in deltas] == [2, 3, 4, 5, 6, 8]
        assert deltas[0].at_ms == 1_700_000_000_000 and deltas[0].viewer == "m:1" and deltas[0].batch_id == "batch-000"

    def test_clear_session_forgets_everything(self, ledger):
        ledger.open_window(S, 7, cap=2)
        ledger.record(like(7, "m:1", 1, "batch-001"))
        ledger.open_window(2, 7, cap=2)
        ledger.record(like(7, "m:1", 1, "batch-001", session=2))
        ledger.clear_session(S)
        assert ledger.snapshot(S) == Snapshot(S, 0, None, {})
        assert ledger.snapshot(2).counts == {7: (1, 1)}

    # -- concurrency ------------------------------------------------------------

    def test_concurrent_batches_with_resends_count_exactly_once(self, ledger):
        threads, per_thread, cap = 8, 50, 3
        ledger.open_window(S, 7, cap=cap)
        plan = {
            t: [
                like(7, f"d:v{(t * per_thread + i) % 6}", 1 + (t * 7 + i) % 5, f"t{t}-b{i:04d}")
                for i in range(per_thread)
            ]
            for t in range(threads)
        }
        # Every thread sends its own batches and re-sends 20% of its neighbour's,
        # so an original and its duplicate race in two threads.
        sends = {t: [] for t in range(threads)}
        for t in range(threads):
            for i, own in enumerate(plan[t]):
                sends[t].append(own)
                if i % 5 == 0:
                    sends[t].append(plan[(t + 1) % threads][i])
        results = {t: [] for t in range(threads)}
        errors = []
        barrier = threading.Barrier(threads)

        def run(t):
            try:
                barrier.wait()
                for b in sends[t]:
                    results[t].append((b, ledger.record(b)))
            except Exception as error:  # reported below
                errors.append(error)

        workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert not errors

        by_batch = defaultdict(list)
        for t in range(threads):
            for b, outcome in results[t]:
                by_batch[b.batch_id].append(outcome)
        all_batches = [b for t in range(threads) for b in plan[t]]
        assert len(by_batch) == len(all_batches) == 400
        assert sum(len(v) for v in by_batch.values()) == 480
        for outcomes in by_batch.values():
            originals = [o for o in outcomes if not o.duplicate]
            assert len(originals) == 1
            numbers = {(o.accepted_hearts, o.accepted_scoring) for o in outcomes}
            assert numbers == {(originals[0].accepted_hearts, originals[0].accepted_scoring)}

        acknowledged = [o for outcomes in by_batch.values() for o in outcomes if not o.duplicate]
        per_viewer = defaultdict(int)
        for b in all_batches:
            per_viewer[b.viewer] += b.count
        snap = ledger.snapshot(S)
        assert snap.counts[7][0] == sum(o.accepted_hearts for o in acknowledged) == sum(b.count for b in all_batches)
        assert snap.counts[7][1] == sum(o.accepted_scoring for o in acknowledged)
        assert snap.counts[7][1] == sum(min(cap, n) for n in per_viewer.values())
        assert snap.version == 1 + 400
        assert len(ledger.journal(S)) == 400

    def test_window_switches_racing_with_likes_keep_counts_equal_to_accepted(self, ledger):
        senders, per_sender, switches = 4, 40, 20
        ledger.open_window(S, 7, cap=2)
        accepted = defaultdict(lambda: [0, 0])
        lock = threading.Lock()
        refused = []
        barrier = threading.Barrier(senders + 1)

        def send(t):
            barrier.wait()
            for i in range(per_sender):
                entry = 7 + i % 2
                try:
                    outcome = ledger.record(like(entry, f"m:{t}", 1 + i % 3, f"s{t}-b{i:04d}"))
                except LikeRefused as error:
                    refused.append(error.code)
                    continue
                with lock:
                    accepted[entry][0] += outcome.accepted_hearts
                    accepted[entry][1] += outcome.accepted_scoring

        def switch():
            barrier.wait()
            for i in range(switches):
                ledger.open_window(S, 8 if i % 2 == 0 else 7, cap=2)

        workers = [threading.Thread(target=send, args=(t,)) for t in range(senders)] + [threading.Thread(target=switch)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        snap = ledger.snapshot(S)
        assert set(refused) <= {"not_current_entry"}
        assert {k: tuple(v) for k, v in accepted.items() if v[0]} == snap.counts
        accepted_batches = senders * per_sender - len(refused)
        assert snap.version == 1 + switches + accepted_batches
        assert all(scoring <= 2 * senders for _, scoring in snap.counts.values())
