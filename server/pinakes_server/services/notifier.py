"""Long-poll wake-ups. A change committed in this process wakes its waiters at once. One
committed by another process is heard of through PostgreSQL's LISTEN/NOTIFY (sent inside the
writing transaction, so it is delivered only once the change is visible), or on SQLite by
polling the waiting users' counters: one query per tick, and only while someone waits.

A held request is a stream its token must keep standing for: twice a second the tokens of
every waiter are checked again (two queries however many wait, on any instance's revocation),
and a waiter whose token fell is ended with its 401 instead of being handed later changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable

import psycopg

from .. import metrics
from ..auth import Claims
from ..errors import Unauthorized
from ..storage.db import CHANGES_CHANNEL
from ..storage.tables import UserSeq
from .units import unit
from .users import fallen_tokens

log = logging.getLogger("pinakes.notifier")
POLL_INTERVAL = 0.01
# With LISTEN/NOTIFY, polling only covers the moments the listening connection is down.
LISTENING_POLL_INTERVAL = 1.0
RECONNECT_SECONDS = 1.0
# How often held requests' tokens are checked again: a revoked one ends within this.
STANDING_CHECK_SECONDS = 0.5


class ChangeNotifier:
    def __init__(self, listen_url: str | None = None, poll_interval: float = POLL_INTERVAL) -> None:
        self.listen_url = listen_url
        self.poll_interval = LISTENING_POLL_INTERVAL if listen_url else poll_interval
        # Per user, each waiter's future with its cursor and the token it was admitted with.
        self._waiters: dict[uuid.UUID, dict[asyncio.Future[None], tuple[int, Claims]]] = (
            defaultdict(dict)
        )

    def publish(self, user_id: uuid.UUID, last_seq: int) -> None:
        """Wake every waiter of `user_id` whose cursor is below `last_seq`."""
        for future, (cursor, _) in list(self._waiters.get(user_id, {}).items()):
            if cursor < last_seq and not future.done():
                future.set_result(None)

    async def wait(self, claims: Claims, cursor: int, timeout: float) -> None:
        """Return when the user's log passes `cursor`, or after `timeout` seconds; Unauthorized
        as soon as the token no longer stands."""
        user_id = claims.user_id
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[user_id][future] = (cursor, claims)
        metrics.WAITING_LONG_POLLS.inc()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, timeout)
        finally:
            metrics.WAITING_LONG_POLLS.dec()
            waiting = self._waiters.get(user_id)
            if waiting is not None:
                waiting.pop(future, None)
                if not waiting:
                    del self._waiters[user_id]

    async def poll_once(self) -> None:
        users = list(self._waiters)
        if not users:
            return
        for user_id, last_seq in await unit(_last_seqs, users):
            self.publish(user_id, last_seq)

    async def end_fallen(self) -> None:
        """End the waits whose token was revoked since they began (on any instance)."""
        held = {
            future: claims
            for waiting in self._waiters.values()
            for future, (_, claims) in waiting.items()
        }
        if not held:
            return
        fallen = await unit(fallen_tokens, list(set(held.values())))
        for future, claims in held.items():
            if claims in fallen and not future.done():
                future.set_exception(Unauthorized(fallen[claims]))

    async def run(self) -> None:
        """The per-process poller, the standing check, and listener on PostgreSQL; cancelled
        at shutdown."""
        listening = [self._listen(self.listen_url)] if self.listen_url is not None else []
        await asyncio.gather(
            self._every(self.poll_interval, self.poll_once, "long-poll tick"),
            self._every(STANDING_CHECK_SECONDS, self.end_fallen, "held tokens' check"),
            *listening,
        )

    @staticmethod
    async def _every(seconds: float, tick: Callable[[], Awaitable[None]], name: str) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await tick()
            except Exception:  # a failed tick must not end wake-ups for good
                log.exception("%s failed", name)

    async def _listen(self, url: str) -> None:
        """NOTIFY payloads `<user id>:<last seq>`, for as long as the process runs."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANGES_CHANNEL}")
                    await self.poll_once()  # what committed while nobody listened
                    async for note in conn.notifies():
                        user, _, seq = note.payload.partition(":")
                        self.publish(uuid.UUID(user), int(seq))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("listening for changes failed; polling until reconnected")
            await asyncio.sleep(RECONNECT_SECONDS)


def _last_seqs(users: list[uuid.UUID]) -> list[tuple[uuid.UUID, int]]:
    query = UserSeq.select(UserSeq.user, UserSeq.last_seq).where(UserSeq.user.in_(users))
    return [(row.user_id, row.last_seq) for row in query]
