"""A whole-file sha256 computed while an upload's chunks arrive, trusted only when provable.

`complete` must give the hash of the staged file. Hashing it then costs as long as receiving
it did (sha256 runs at about 380 MB/s on this kind of machine) and may read it back from
disk. So this process feeds each chunk it wrote to a running hash, in order, as soon as the
chunks before it are there: the hashing overlaps the upload.

The running hash stands for the file only if this process made every write the session ever
had, each chunk once. Every writer, in any process, first appends a byte to the session's
write journal (`uploads/<id>.writes`, O_APPEND), before its first byte reaches the staging
file; so a write started anywhere else, even one killed half-way, leaves the journal longer
than this process's own count, and `complete` hashes the file as before. A chunk written
twice here (a resend, or a retry after a broken write that got recorded) does the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .file_store import FileStore

log = logging.getLogger("pinakes.uploads")
# Sessions remembered per process; the oldest is forgotten first (and then hashed in full).
MAX_SESSIONS = 256


@dataclass
class _Running:
    hasher: Any = field(default_factory=hashlib.sha256)
    own_writes: int = 0  # journal bytes this process appended
    started: set[int] = field(default_factory=set)  # chunks whose write began here
    landed: set[int] = field(default_factory=set)  # chunks written and recorded here
    fed: int = 0  # chunks 0..fed-1 are in the hash
    spoiled: bool = False  # a chunk written twice here, or a failed read: trust the file
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class RunningHashes:
    """The sessions this process is hashing as their chunks arrive."""

    def __init__(self) -> None:
        self._sessions: OrderedDict[uuid.UUID, _Running] = OrderedDict()

    def _state(self, session_id: uuid.UUID) -> _Running:
        state = self._sessions.get(session_id)
        if state is None:
            if len(self._sessions) >= MAX_SESSIONS:
                self._sessions.popitem(last=False)
            state = self._sessions[session_id] = _Running()
        return state

    def starting(self, store: FileStore, session_id: uuid.UUID, index: int) -> None:
        """Before a chunk's first byte is written: the journal shows that a write began."""
        fd = os.open(store.journal_path(session_id), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            os.write(fd, b".")
        finally:
            os.close(fd)
        state = self._state(session_id)
        state.own_writes += 1
        state.spoiled |= index in state.started
        state.started.add(index)

    def failed(self, session_id: uuid.UUID, index: int) -> None:
        """The write broke off unrecorded: its retry is a first write, not a resend."""
        state = self._sessions.get(session_id)
        if state is not None and index not in state.landed:
            state.started.discard(index)

    async def landed(
        self, store: FileStore, session_id: uuid.UUID, index: int, chunk_size: int
    ) -> None:
        """A chunk is written and recorded: hash every chunk that is now next in line."""
        state = self._sessions.get(session_id)
        if state is None:
            return
        state.landed.add(index)
        async with state.lock:
            run = 0
            while state.fed + run in state.landed:
                run += 1
            if run == 0 or state.spoiled:
                return
            start = state.fed
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, _feed, state.hasher, store.part_path(session_id), start, run, chunk_size
                )
            except OSError:  # the chunk is stored all the same; complete will hash the file
                log.exception("running hash of upload %s given up", session_id)
                state.spoiled = True
                return
            state.fed = start + run

    async def digest(self, store: FileStore, session_id: uuid.UUID, chunk_count: int) -> str | None:
        """The file's sha256 if the running hash provably covers it; None to hash the file.

        Called with the staging file locked exclusively (no write is under way)."""
        state = self._sessions.get(session_id)
        if state is None:
            return None
        async with state.lock:
            try:
                journal = os.stat(store.journal_path(session_id)).st_size
            except FileNotFoundError:
                return None
            if state.spoiled or journal != state.own_writes or state.fed != chunk_count:
                return None
            return str(state.hasher.hexdigest())

    def forget(self, session_id: uuid.UUID) -> None:
        self._sessions.pop(session_id, None)


def _feed(hasher: Any, part: os.PathLike[str], first: int, count: int, chunk_size: int) -> None:
    """Chunks first..first+count-1, read back from the staging file (the page cache)."""
    with open(part, "rb", buffering=0) as handle:
        handle.seek(first * chunk_size)
        remaining = count * chunk_size
        buffer = bytearray(min(chunk_size, 8 * 1024 * 1024))
        view = memoryview(buffer)
        while remaining > 0:
            read = handle.readinto(view[: min(len(buffer), remaining)])
            if not read:  # the last chunk is short: the file ends here
                return
            hasher.update(view[:read])
            remaining -= read


RUNNING = RunningHashes()  # per process, like the event loop that feeds it
