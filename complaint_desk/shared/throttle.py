"""A sliding-window count per key: how many times something happened (a failed sign-in, a
public report) within a window, and how long a key must wait once it reached the limit."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable


class Throttle:
    """At most ``limit`` failures per key within ``window`` seconds; then the key waits until
    the oldest failure leaves the window. In memory, per replica."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window = limit, window
        self.clock = clock
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def wait(self, key: str) -> float:
        """Seconds ``key`` must still wait (0: it may try)."""
        failures = self.failures.get(key)
        if not failures:
            return 0.0
        now = self.clock()
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures[0] + self.window - now if len(failures) >= self.limit else 0.0

    def fail(self, key: str) -> None:
        if len(self.failures) > 100_000:  # a flood of names: forget the oldest state
            self.failures.clear()
        self.failures[key].append(self.clock())
