"""SQLite's writers in this process take turns, in the order they came.

SQLite has one write lock per database. A thread that finds it taken waits in SQLite's busy
handler, which sleeps and tries again: whoever tries when it is free takes it, so under load
a writer can lose to later ones until its busy timeout ends in `database is locked`, a 503
where nothing failed. Waiting here instead, each writer is handed the turn by the one
before it. Readers never wait here (WAL: they read beside the writer).

Other processes (`--workers N`, the command line) are not ordered by this queue: between
processes SQLite's busy timeout is still what waits, one writer of each against the others.
"""

from __future__ import annotations

import collections
import threading

import peewee


class WriterBusy(Exception):
    """Another writer has the turn (asked of a write that would rather not wait)."""


class WriterQueue:
    """A FIFO lock held by one thread (which may take it again: a write inside its own
    transaction): the last `release` hands it to the longest waiter."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # longest a writer waits for its turn: then the store failed
        self._mutex = threading.Lock()
        self._holder: int | None = None
        self._depth = 0  # how many times the holder took it
        self._waiting: collections.deque[tuple[int, threading.Event]] = collections.deque()

    def acquire(self, wait: bool = True) -> bool:
        """The calling thread's turn, once the writers before it are done; False at once
        when another has it and `wait` is false."""
        me = threading.get_ident()
        with self._mutex:
            if self._holder in (None, me):  # None: nobody waits either (a release hands on)
                self._holder = me
                self._depth += 1
                return True
            if not wait:
                return False
            turn = threading.Event()
            self._waiting.append((me, turn))
        if turn.wait(self.timeout):  # handed on with a depth of one
            return True
        with self._mutex:
            if self._holder == me:  # handed the turn as the wait ran out
                return True
            self._waiting.remove((me, turn))
        raise peewee.OperationalError(
            f"database is locked: a write of this process held it for over {self.timeout:.0f} s"
        )

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn."""
        with self._mutex:
            return len(self._waiting)

    def release(self) -> None:
        """Ends the calling thread's turn (nothing when it has none)."""
        with self._mutex:
            if self._holder != threading.get_ident():
                return
            self._depth -= 1
            if self._depth:
                return
            if not self._waiting:
                self._holder = None
                return
            self._holder, turn = self._waiting.popleft()
            self._depth = 1
            turn.set()
