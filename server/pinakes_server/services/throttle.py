"""Failed sign-ins counted per client address, so passwords and device tokens cannot be guessed
at speed: over the allowance, an attempt is refused (429) before any credential is checked.

Counts live in this process (each worker and instance keeps its own): they slow a guesser
down by a known factor, they do not stop a distributed one.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections import deque
from collections.abc import Iterator

from ..errors import ApiError, Unauthorized

# One address may fail this many times the allowance in all, whatever names it tries.
ADDRESS_FACTOR = 10
# Keys kept at most; past it, keys whose failures have all aged out are dropped first.
MAX_KEYS = 100_000


class TooManyAttempts(ApiError):
    status, type, title = 429, "too-many-attempts", "Too many failed sign-ins"


class SignInThrottle:
    """Sliding windows of failure times: per (address, name) and per address."""

    def __init__(self, allowance: int, window_seconds: float) -> None:
        self.allowance = allowance
        self.window = window_seconds
        self._failures: dict[tuple[str, ...], deque[float]] = {}

    @contextlib.contextmanager
    def attempt(self, address: str, name: str) -> Iterator[None]:
        """Refuse at once when either key is exhausted. The attempt counts as failed from its
        start (so concurrent guesses cannot slip past the check together) and is taken back
        unless it ends in a 401."""
        keys = ((address, name.casefold()), (address,))
        now = time.monotonic()
        wait = max(self._wait(key, now) for key in keys)
        if wait > 0:
            raise TooManyAttempts(
                f"too many failed sign-ins from this address; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        for key in keys:
            self._count(key, now)
        try:
            yield
        except Unauthorized:
            raise
        except BaseException:
            self._take_back(keys, now)
            raise
        self._take_back(keys, now)

    def _limit(self, key: tuple[str, ...]) -> int:
        return self.allowance if len(key) == 2 else self.allowance * ADDRESS_FACTOR

    def _wait(self, key: tuple[str, ...], now: float) -> int:
        """Whole seconds until the key may fail once more (0: it may now)."""
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self._limit(key):
            return 0
        return max(1, math.ceil(times[0] + self.window - now))

    def _count(self, key: tuple[str, ...], now: float) -> None:
        times = self._failures.get(key)
        if times is None:
            if len(self._failures) >= MAX_KEYS:
                self._forget_stale(now)
            times = self._failures[key] = deque(maxlen=self._limit(key))
        times.append(now)

    def _take_back(self, keys: tuple[tuple[str, ...], ...], when: float) -> None:
        for key in keys:
            with contextlib.suppress(KeyError, ValueError):  # aged out or forgotten meanwhile
                self._failures[key].remove(when)

    def _forget_stale(self, now: float) -> None:
        stale = [k for k, t in self._failures.items() if not t or t[-1] <= now - self.window]
        for key in stale:
            del self._failures[key]
        # Still full (a flood of fresh addresses): the oldest keys make room.
        for key in list(self._failures)[: max(0, len(self._failures) - MAX_KEYS + 1)]:
            del self._failures[key]
