"""Like budgets counted in this process: the embedded deployment's (one process, the rate
limits' storage in memory).

The same sliding-window counter as the ``limits`` library's ``SlidingWindowCounterRateLimiter``
on its ``MemoryStorage`` (what the embedded default would otherwise use): minute windows aligned
on the clock, a hit allowed while ``floor(previous * (time left in this window) / 60 + current)
+ 1 <= limit``, and a refused hit costs nothing. Without that library's per-key locks, expiry
timer thread and key strings it is a dictionary look-up per budget: a venue's phones send a
batch every half second each. Scale-out (the limits' storage in Redis, shared by the workers)
keeps using the library.
"""
from __future__ import annotations

import threading
import time
from math import floor

WINDOW_SECONDS = 60


class SlidingBudgets:
    """``hit(key, limit)``: True when one more hit fits ``limit`` per minute for ``key`` (and
    counts it), False when it does not (and counts nothing)."""

    def __init__(self, clock=time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict = {}  # key -> [window number, hits in the previous window, hits in this one]
        self._window = -1  # the window of the last sweep: keys idle for two windows are dropped then

    def hit(self, key, limit: int) -> bool:
        now = self._clock()
        window, into = divmod(now, WINDOW_SECONDS)
        window = int(window)
        with self._lock:
            if window != self._window:
                self._sweep(window)
            counts = self._counts.get(key)
            if counts is None:
                counts = self._counts[key] = [window, 0, 0]
            elif counts[0] != window:
                counts[1] = counts[2] if counts[0] == window - 1 else 0
                counts[0], counts[2] = window, 0
            previous = counts[1] * (WINDOW_SECONDS - into) / WINDOW_SECONDS if counts[1] else 0
            if floor(previous + counts[2]) + 1 > limit:
                return False
            counts[2] += 1
            return True

    def _sweep(self, window: int) -> None:
        self._window = window
        if self._counts:
            self._counts = {key: counts for key, counts in self._counts.items() if counts[0] >= window - 1}

    def __len__(self) -> int:
        return len(self._counts)
