"""Long-poll wake-ups: a change committed here wakes waiters at once; one committed by another
worker process is seen by polling the waiting users' counters (one query per tick)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict

from ..storage.tables import UserSeq

log = logging.getLogger("pinakes.notifier")
POLL_INTERVAL = 0.01


class ChangeNotifier:
    def __init__(self, poll_interval: float = POLL_INTERVAL) -> None:
        self.poll_interval = poll_interval
        self._waiters: dict[uuid.UUID, dict[asyncio.Future[None], int]] = defaultdict(dict)

    def publish(self, user_id: uuid.UUID, last_seq: int) -> None:
        """Wake every waiter of `user_id` whose cursor is below `last_seq`."""
        for future, cursor in list(self._waiters.get(user_id, {}).items()):
            if cursor < last_seq and not future.done():
                future.set_result(None)

    async def wait(self, user_id: uuid.UUID, cursor: int, timeout: float) -> None:
        """Return when the user's log passes `cursor`, or after `timeout` seconds."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[user_id][future] = cursor
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, timeout)
        finally:
            waiting = self._waiters.get(user_id)
            if waiting is not None:
                waiting.pop(future, None)
                if not waiting:
                    del self._waiters[user_id]

    def poll_once(self) -> None:
        users = list(self._waiters)
        if not users:
            return
        rows = UserSeq.select(UserSeq.user, UserSeq.last_seq).where(UserSeq.user.in_(users))
        for row in rows:
            self.publish(row.user_id, row.last_seq)

    async def run(self) -> None:
        """The per-process poller; cancelled at shutdown."""
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                self.poll_once()
            except Exception:  # a failed tick must not end wake-ups for good
                log.exception("long-poll tick failed")
