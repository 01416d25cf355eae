"""The working set of one write transaction: file states read and changed, log rows appended.

Report, conflict resolution and upload completion all change files through a Ledger, so a
change is versioned, logged and given its seq the same way whichever operation made it, and
each is checked against the same holdability rule (DESIGN.md "A library every device can
hold"): the ledger keeps the folders of the user's live files, with their stored case and how
many live files each holds, so `clash` and `adopt` answer from equality look-ups alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..storage.db import advance_seq, bulk_write
from ..storage.path_keys import folders_of, path_key
from ..storage.prepared import PreparedIn, slot
from ..storage.tables import ChangeLog, FileState, Folder, UserSeq, utcnow


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


@dataclass
class FolderEntry:
    """A folder of live files: its stored case, and how many live files lie below it."""

    path: str
    files: int = 0


@dataclass(frozen=True)
class Clash:
    """The live path a new path would clash with, and how (DESIGN.md; `ClashKind`)."""

    path: str
    kind: str  # "file", "folder" or "case"
    state: State | None = None  # the blocking file, for "file" and "case"


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
_LIVE_AT_KEYS = PreparedIn(
    lambda keys: FileState.select().where(
        (FileState.user == slot("user", FileState.user))
        & FileState.path_key.in_(keys)
        & (FileState.deleted == slot("deleted", FileState.deleted))
    ),
    FileState.path_key,
)
_FOLDERS_AT = PreparedIn(
    lambda keys: Folder.select(Folder.key, Folder.path, Folder.files).where(
        (Folder.user == slot("user", Folder.user)) & Folder.key.in_(keys)
    ),
    Folder.key,
)


def _keys_around(paths: Iterable[str]) -> set[str]:
    """The keys the rule looks at for `paths`: their own and their folders'."""
    return {path_key(p) for path in paths for p in (path, *folders_of(path))}


class Ledger:
    def __init__(self, user_id: uuid.UUID, preload: Iterable[str] = ()) -> None:
        self.user_id = user_id
        self._states: dict[str, State] = {}
        self._dirty: dict[str, State] = {}
        self.entries: list[Entry] = []
        self._paths_by_key: dict[str, set[str]] = {}  # of the states loaded
        self._folders: dict[str, FolderEntry | None] = {}  # by key; None: no such folder
        self._dirty_folders: set[str] = set()
        self._load(set(preload))

    def _add(self, state: State) -> None:
        self._states[state.path] = state
        self._paths_by_key.setdefault(path_key(state.path), set()).add(state.path)

    def _load(self, paths: set[str]) -> None:
        """States at `paths`, and what the rule needs around them: live files sharing their
        keys or their folders' keys, and those folders."""
        wanted = sorted(paths - self._states.keys())
        for row in _STATES_AT.instances(wanted, user=self.user_id):
            self._add(_state(row))
        for path in wanted:
            if path not in self._states:
                self._add(State(path))
        keys = sorted(_keys_around(paths) - self._folders.keys())
        for row in _LIVE_AT_KEYS.instances(keys, user=self.user_id, deleted=False):
            if row.path not in self._states:
                self._add(_state(row))
        for key in keys:
            self._folders[key] = None
        for key, path, files in _FOLDERS_AT.rows(keys, user=self.user_id):
            self._folders[key] = FolderEntry(path, files)

    def state(self, path: str) -> State:
        if path not in self._states:
            self._load({path})
        return self._states[path]

    def _folder(self, key: str, path: str) -> FolderEntry | None:
        if key not in self._folders:
            self._load({path})
        return self._folders[key]

    def _live_with_key(self, path: str) -> list[State]:
        key = path_key(path)
        if key not in self._folders:
            self._load({path})
        states = (self._states[p] for p in sorted(self._paths_by_key.get(key, ())))
        return [state for state in states if state.live]

    def _files_below(self, folder: str, leaving: str | None) -> int:
        """Live files under `folder`, not counting `leaving` (a move's old path)."""
        key = path_key(folder)
        entry = self._folder(key, folder)
        files = entry.files if entry else 0
        leaving_below = leaving is not None and any(key == path_key(f) for f in folders_of(leaving))
        if leaving_below and self.state(leaving).live:
            files -= 1
        return files

    def adopt(self, path: str, leaving: str | None = None) -> str:
        """`path` with its folders in the stored case of the deepest folder that exists
        (`DOCS/b.txt` next to `Docs/a.txt` is `Docs/b.txt`)."""
        for folder in reversed(folders_of(path)):
            if self._files_below(folder, leaving) > 0:
                entry = self._folder(path_key(folder), folder)
                assert entry is not None
                return entry.path + path[len(folder) :]
        return path

    def clash(self, path: str, leaving: str | None = None) -> Clash | None:
        """What a live file at `path` would clash with (`leaving` is going away in the same
        change): a live file at one of its folders, a live file with its key, or a folder."""
        for folder in folders_of(path):
            for state in self._live_with_key(folder):
                if state.path != leaving:
                    return Clash(state.path, "file", state)
        for state in self._live_with_key(path):
            if state.path not in (path, leaving):
                return Clash(state.path, "case", state)
        if self._files_below(path, leaving) > 0:
            entry = self._folder(path_key(path), path)
            assert entry is not None
            return Clash(entry.path, "folder")
        return None

    def _count(self, path: str, delta: int) -> None:
        """`path` became live (+1) or stopped being live (-1): its folders count it."""
        for folder in folders_of(path):
            key = path_key(folder)
            entry = self._folder(key, folder)
            if entry is None:
                entry = self._folders[key] = FolderEntry(folder)
            if entry.files == 0:
                entry.path = folder  # an empty folder takes the case it is used in again
            entry.files += delta
            self._dirty_folders.add(key)

    def _record(self, state: State, entry: Entry, was_live: bool) -> Entry:
        if state.live != was_live:
            self._count(state.path, 1 if state.live else -1)
        self._dirty[state.path] = state
        self.entries.append(entry)
        return entry

    def put(self, path: str, content_hash: str, size: int, mtime: datetime | None) -> Entry:
        """New content at `path`, over whatever version is there."""
        state = self.state(path)
        was_live = state.live
        change_type = "modified" if was_live else "created"
        state.version += 1
        state.content_hash, state.size, state.mtime = content_hash, size, mtime
        state.deleted, state.moved_to, state.moved_to_version = False, None, None
        return self._record(
            state, Entry(path, change_type, state.version, content_hash, size, mtime), was_live
        )

    def delete(self, path: str) -> Entry:
        state = self.state(path)
        was_live = state.live
        state.version += 1
        state.content_hash = state.size = state.mtime = None
        state.deleted, state.moved_to, state.moved_to_version = True, None, None
        return self._record(state, Entry(path, "deleted", state.version), was_live)

    def move(self, old_path: str, path: str, mtime: datetime | None) -> Entry:
        """One logged change: a tombstone at `old_path`, its content at `path`."""
        old, new = self.state(old_path), self.state(path)
        old_was_live, new_was_live = old.live, new.live
        new.version += 1
        new.content_hash, new.size = old.content_hash, old.size
        new.mtime = mtime or old.mtime
        new.deleted, new.moved_to, new.moved_to_version = False, None, None
        old.version += 1
        old.content_hash = old.size = old.mtime = None
        old.deleted, old.moved_to, old.moved_to_version = True, path, new.version
        if old_was_live:
            self._count(old.path, -1)
        self._dirty[old.path] = old
        return self._record(
            new,
            Entry(path, "moved", new.version, new.content_hash, new.size, new.mtime, old_path),
            new_was_live,
        )

    def commit(self, device_id: uuid.UUID | None) -> int | None:
        """Write states and log rows with the next seqs; returns the user's last seq, if any."""
        if not self.entries:
            return None
        last_seq = allocate_seqs(self.user_id, len(self.entries))
        for seq, entry in enumerate(self.entries, start=last_seq - len(self.entries) + 1):
            entry.seq = seq
        now = utcnow()
        bulk_write(
            FileState,
            [
                {
                    "user": self.user_id, "path": s.path, "path_key": path_key(s.path),
                    "version": s.version,
                    "content_hash": s.content_hash, "size": s.size, "mtime": s.mtime,
                    "deleted": s.deleted, "moved_to": s.moved_to,
                    "moved_to_version": s.moved_to_version, "updated_at": now,
                }
                for s in self._dirty.values()
            ],
            conflict_target=("user", "path"),
        )  # fmt: skip
        bulk_write(
            Folder,
            [
                {"user": self.user_id, "key": key, "path": entry.path, "files": entry.files}
                for key in sorted(self._dirty_folders)
                if (entry := self._folders[key]) is not None
            ],
            conflict_target=("user", "key"),
        )
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
    """Reserve `count` seqs inside the caller's transaction (and announce them); returns the
    last one.

    The UPDATE takes the counter row's lock first, so concurrent writers of one user commit
    in seq order and a reader can never pass a seq that commits later.
    """
    last = advance_seq(user_id, count)
    if last is None:
        UserSeq.insert(user=user_id, last_seq=0).execute()
        last = advance_seq(user_id, count)
        assert last is not None
    return last


def last_seq(user_id: uuid.UUID) -> int:
    return UserSeq.select(UserSeq.last_seq).where(UserSeq.user == user_id).scalar() or 0
