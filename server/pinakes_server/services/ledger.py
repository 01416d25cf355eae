"""The working set of one write transaction: file states read and changed, log rows appended.

Report, conflict resolution and upload completion all change files through a Ledger, so a
change is versioned, logged and given its seq the same way whichever operation made it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..storage.db import announce_change, bulk_write
from ..storage.prepared import PreparedIn, slot
from ..storage.tables import ChangeLog, FileState, UserSeq, utcnow


@dataclass
class State:
    """A path's server state; a path that never existed is a tombstone at version 0."""

    path: str
    version: int = 0
    content_hash: str | None = None
    size: int | None = None
    mtime: datetime | None = None
    deleted: bool = True
    moved_to: str | None = None
    moved_to_version: int | None = None

    @property
    def live(self) -> bool:
        return not self.deleted


@dataclass
class Entry:
    """A change-log row to be; its seq is set when the ledger commits."""

    path: str
    change_type: str
    version: int
    content_hash: str | None = None
    size: int | None = None
    mtime: datetime | None = None
    old_path: str | None = None
    seq: int | None = None


def _state(row: FileState) -> State:
    return State(
        path=row.path,
        version=row.version,
        content_hash=row.content_hash,
        size=row.size,
        mtime=row.mtime,
        deleted=row.deleted,
        moved_to=row.moved_to,
        moved_to_version=row.moved_to_version,
    )


_STATES_AT = PreparedIn(
    lambda paths: FileState.select().where(
        (FileState.user == slot("user", FileState.user)) & FileState.path.in_(paths)
    ),
    FileState.path,
)


class Ledger:
    def __init__(self, user_id: uuid.UUID, preload: Iterable[str] = ()) -> None:
        self.user_id = user_id
        self._states: dict[str, State] = {}
        self._dirty: dict[str, State] = {}
        self.entries: list[Entry] = []
        self._load(set(preload))

    def _load(self, paths: set[str]) -> None:
        wanted = sorted(paths - self._states.keys())
        for row in _STATES_AT.instances(wanted, user=self.user_id):
            self._states[row.path] = _state(row)
        for path in wanted:
            self._states.setdefault(path, State(path))

    def state(self, path: str) -> State:
        if path not in self._states:
            self._load({path})
        return self._states[path]

    def _record(self, state: State, entry: Entry) -> Entry:
        self._dirty[state.path] = state
        self.entries.append(entry)
        return entry

    def put(self, path: str, content_hash: str, size: int, mtime: datetime | None) -> Entry:
        """New content at `path`, over whatever version is there."""
        state = self.state(path)
        change_type = "modified" if state.live else "created"
        state.version += 1
        state.content_hash, state.size, state.mtime = content_hash, size, mtime
        state.deleted, state.moved_to, state.moved_to_version = False, None, None
        return self._record(
            state, Entry(path, change_type, state.version, content_hash, size, mtime)
        )

    def delete(self, path: str) -> Entry:
        state = self.state(path)
        state.version += 1
        state.content_hash = state.size = state.mtime = None
        state.deleted, state.moved_to, state.moved_to_version = True, None, None
        return self._record(state, Entry(path, "deleted", state.version))

    def move(self, old_path: str, path: str, mtime: datetime | None) -> Entry:
        """One logged change: a tombstone at `old_path`, its content at `path`."""
        old, new = self.state(old_path), self.state(path)
        new.version += 1
        new.content_hash, new.size = old.content_hash, old.size
        new.mtime = mtime or old.mtime
        new.deleted, new.moved_to, new.moved_to_version = False, None, None
        old.version += 1
        old.content_hash = old.size = old.mtime = None
        old.deleted, old.moved_to, old.moved_to_version = True, path, new.version
        self._dirty[old.path] = old
        return self._record(
            new,
            Entry(path, "moved", new.version, new.content_hash, new.size, new.mtime, old_path),
        )

    def commit(self, device_id: uuid.UUID | None) -> int | None:
        """Write states and log rows with the next seqs; returns the user's last seq, if any."""
        if not self.entries:
            return None
        last_seq = allocate_seqs(self.user_id, len(self.entries))
        announce_change(self.user_id, last_seq)
        for seq, entry in enumerate(self.entries, start=last_seq - len(self.entries) + 1):
            entry.seq = seq
        now = utcnow()
        bulk_write(
            FileState,
            [
                {
                    "user": self.user_id, "path": s.path, "version": s.version,
                    "content_hash": s.content_hash, "size": s.size, "mtime": s.mtime,
                    "deleted": s.deleted, "moved_to": s.moved_to,
                    "moved_to_version": s.moved_to_version, "updated_at": now,
                }
                for s in self._dirty.values()
            ],
            conflict_target=("user", "path"),
        )  # fmt: skip
        bulk_write(
            ChangeLog,
            [
                {
                    "user": self.user_id, "seq": e.seq, "path": e.path,
                    "change_type": e.change_type, "content_hash": e.content_hash, "size": e.size,
                    "mtime": e.mtime, "version": e.version, "old_path": e.old_path,
                    "device_id": device_id, "timestamp": now,
                }
                for e in self.entries
            ],
        )  # fmt: skip
        return last_seq


def lock_library(user_id: uuid.UUID) -> None:
    """First in every transaction that changes a user's files or conflicts: writers of one
    library then take turns, so each decides on states no one else is changing. On SQLite the
    write transaction holds the database already; on PostgreSQL this row lock is what does."""
    UserSeq.update(last_seq=UserSeq.last_seq).where(UserSeq.user == user_id).execute()


def allocate_seqs(user_id: uuid.UUID, count: int) -> int:
    """Reserve `count` seqs inside the caller's transaction; returns the last one.

    The UPDATE takes the counter row's lock first, so concurrent writers of one user commit
    in seq order and a reader can never pass a seq that commits later.
    """
    updated = (
        UserSeq.update(last_seq=UserSeq.last_seq + count).where(UserSeq.user == user_id).execute()
    )
    if not updated:
        UserSeq.insert(user=user_id, last_seq=count).execute()
    return UserSeq.select(UserSeq.last_seq).where(UserSeq.user == user_id).scalar()


def last_seq(user_id: uuid.UUID) -> int:
    return UserSeq.select(UserSeq.last_seq).where(UserSeq.user == user_id).scalar() or 0
