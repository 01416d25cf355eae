"""Failed sign-ins counted per client address, so passwords and device tokens cannot be guessed
at speed: over the allowance, an attempt is refused (429) before any credential is checked.

The counts live in the database: every worker and instance sees the same ones, so the
allowance is exact however many of them serve. They slow a guesser down; they do not stop a
distributed one.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator

from ..errors import ApiError, Unauthorized
from ..storage.db import lock_table, write_transaction
from ..storage.tables import SignInFailure
from .units import unit

# One address may fail this many times the allowance in all, whatever names it tries.
ADDRESS_FACTOR = 10


class TooManyAttempts(ApiError):
    status, type, title = 429, "too-many-attempts", "Too many failed sign-ins"


class SignInThrottle:
    """Sliding windows of failure times: per (address, name) and per address."""

    def __init__(self, allowance: int, window_seconds: float) -> None:
        self.allowance = allowance
        self.window = window_seconds

    @contextlib.asynccontextmanager
    async def attempt(self, address: str, name: str) -> AsyncIterator[None]:
        """Refuse at once when either key is exhausted. The attempt counts as failed from its
        start (so concurrent guesses cannot slip past the check together, on any instance)
        and is taken back unless it ends in a 401."""
        keys = {f"name {address} {name.casefold()}": self.allowance,
                f"address {address}": self.allowance * ADDRESS_FACTOR}  # fmt: skip
        marks = await unit(self._begin, keys)
        try:
            yield
        except Unauthorized:
            raise
        except BaseException:
            await unit(self._take_back, marks)
            raise
        await unit(self._take_back, marks)

    def _begin(self, limits: dict[str, int]) -> list[int]:
        now = time.time()
        with write_transaction():
            lock_table(SignInFailure)  # one check-and-count at a time, across instances
            recent = SignInFailure.key.in_(list(limits)) & (SignInFailure.at > now - self.window)
            times: dict[str, list[float]] = {key: [] for key in limits}
            for key, at in (
                SignInFailure.select(SignInFailure.key, SignInFailure.at)
                .where(recent)
                .order_by(SignInFailure.at)
                .tuples()
            ):
                times[key].append(at)
            wait = max(
                (math.ceil(t[len(t) - limits[k]] + self.window - now) for k, t in times.items()
                 if len(t) >= limits[k]),
                default=0,
            )  # fmt: skip
            if wait:
                raise TooManyAttempts(
                    f"too many failed sign-ins from this address; try again in {max(1, wait)} s",
                    headers={"Retry-After": str(max(1, wait))},
                )
            return [SignInFailure.insert(key=key, at=now).execute() for key in limits]

    @staticmethod
    def _take_back(marks: list[int]) -> None:
        SignInFailure.delete().where(SignInFailure.id.in_(marks)).execute()

    def purge(self) -> int:
        """Failures past the window count no more: the collector removes them."""
        before = time.time() - self.window
        return SignInFailure.delete().where(SignInFailure.at <= before).execute()
