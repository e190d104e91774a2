"""The embedded like budgets (budgets.py): the sliding-window counter of the limits library,
counted in the process."""
import random

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from plugins.brand_stories.budgets import SlidingBudgets


class Clock:
    def __init__(self, now=6_000_000.0):  # the start of a minute
        self.now = now

    def __call__(self):
        return self.now


def test_hits_beyond_the_limit_are_refused_and_cost_nothing():
    clock = Clock()
    budgets = SlidingBudgets(clock)
    assert [budgets.hit("phone", 3) for _ in range(5)] == [True, True, True, False, False]
    assert budgets.hit("other phone", 3)  # a budget per key
    clock.now += 59.9
    assert not budgets.hit("phone", 3)
    # The next minute still weighs the last one: halfway through, its 3 hits weigh 3 x 30 / 60 = 1.5,
    # so two more fit (floor(1.5 + 1) + 1 <= 3); the refusals above did not count.
    clock.now += 30.1
    assert [budgets.hit("phone", 3) for _ in range(3)] == [True, True, False]
    clock.now += 30  # a new minute: the last one's 2 hits weigh fully at its start
    assert [budgets.hit("phone", 3) for _ in range(2)] == [True, False]


def test_keys_idle_for_two_minutes_are_forgotten():
    clock = Clock()
    budgets = SlidingBudgets(clock)
    for number in range(100):
        budgets.hit(("bs-viewer", 1, f"d:{number}"), 10)
    clock.now += 60
    budgets.hit("recent", 10)
    assert len(budgets) == 101  # the last minute's keys still weigh
    clock.now += 60
    budgets.hit("recent", 10)
    assert len(budgets) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_answers_as_the_limits_librarys_sliding_window_counter(monkeypatch, seed):
    """What the embedded default did before: SlidingWindowCounterRateLimiter on a MemoryStorage."""
    import limits.storage.memory as memory

    clock = Clock()

    class FakeTime:
        @staticmethod
        def time():
            return clock.now

    monkeypatch.setattr(memory, "time", FakeTime)
    reference = SlidingWindowCounterRateLimiter(MemoryStorage())
    budgets = SlidingBudgets(clock)
    rng = random.Random(seed)
    limits = {"a": 5, "b": 12, "c": 1}
    answers = []
    for _step in range(3000):
        clock.now += rng.choice([0.0, 0.05, 0.4, 1.5, 7.0, 40.0])
        key = rng.choice("abc")
        expected = reference.hit(RateLimitItemPerMinute(limits[key]), "bs", key)
        assert budgets.hit(key, limits[key]) == expected, (clock.now, key)
        answers.append(expected)
    assert 0.2 < sum(answers) / len(answers) < 0.9  # both answers were exercised
