"""Reading the change log and the live-file snapshot; acknowledging; compacting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import peewee

from ..auth import Principal
from ..errors import ApiError, NotFound, ValidationFailed
from ..storage.db import write_transaction
from ..storage.paths import checked_path
from ..storage.prepared import Prepared, slot
from ..storage.tables import ChangeLog, Device, FileState, UserSeq, utcnow
from . import devices
from .ledger import last_seq
from .path_lists import distinct_paths
from .records import ChangeRecord, FileRecord


class CursorExpired(ApiError):
    status, type, title = 410, "cursor-expired", "Cursor expired"


@dataclass(frozen=True, slots=True)
class ChangesPage:
    changes: list[ChangeRecord]
    cursor: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class FilesPage:
    files: list[FileRecord]
    next_after: str | None
    cursor: int


@dataclass(frozen=True, slots=True)
class AckResult:
    device_id: uuid.UUID
    cursor: int


def default_cursor(principal: Principal) -> int:
    """Where a feed read without a cursor starts: the device's acknowledged one, else 0."""
    if principal.device_id is None:
        return 0
    return devices.get(principal, principal.device_id).sync_cursor


def _horizon(user_id: uuid.UUID) -> tuple[int, int]:
    """(compacted_through, last_seq) of the user's log."""
    row = UserSeq.get_or_none(UserSeq.user == user_id)
    return (row.compacted_through, row.last_seq) if row else (0, 0)


def changes_query(user_id: uuid.UUID, cursor: int, limit: int) -> peewee.ModelSelect:
    """One range scan of the (user, seq) index: its cost does not grow with the log."""
    return (
        ChangeLog.select()
        .where((ChangeLog.user == user_id) & (ChangeLog.seq > cursor))
        .order_by(ChangeLog.seq)
        .limit(limit)
    )


def changes_since(user_id: uuid.UUID, cursor: int, limit: int) -> ChangesPage:
    compacted_through, newest = _horizon(user_id)
    if cursor < compacted_through:
        raise CursorExpired(
            f"changes up to {compacted_through} were compacted: list /sync/files and read on "
            "from its cursor"
        )
    if cursor > newest:
        raise CursorExpired(
            f"cursor {cursor} is ahead of this library's last change ({newest}): list "
            "/sync/files and read on from its cursor"
        )
    rows = list(changes_query(user_id, cursor, limit + 1))
    page = [ChangeRecord.of(row) for row in rows[:limit]]
    return ChangesPage(page, page[-1].seq if page else cursor, len(rows) > limit)


def live_files(user_id: uuid.UUID, after: str | None, limit: int) -> FilesPage:
    # The cursor is read first: a change committed meanwhile is then both in the page and in
    # the feed after the cursor, and applying it twice is harmless; nothing can be missed.
    if after is not None:
        after = checked_path(after, "query.after")
    cursor = last_seq(user_id)
    query = FileState.select().where((FileState.user == user_id) & ~FileState.deleted)
    if after is not None:
        query = query.where(FileState.path > after)
    rows = list(query.order_by(FileState.path).limit(limit + 1))
    page = [FileRecord.of(row) for row in rows[:limit]]
    return FilesPage(page, page[-1].path if len(rows) > limit else None, cursor)


@dataclass(frozen=True)
class LiveFile:
    path: str
    content_hash: str
    size: int
    updated_at: datetime


# Every download runs this (a 4 KiB range costs little else).
_LIVE_FILE = Prepared(
    lambda: FileState.select(
        FileState.path, FileState.content_hash, FileState.size, FileState.updated_at
    ).where(
        (FileState.user == slot("user", FileState.user))
        & (FileState.path == slot("path", FileState.path))
        & ~FileState.deleted
    )
)


def live_file(user_id: uuid.UUID, raw_path: str) -> LiveFile:
    """The current version of a live file; a tombstone or unknown path is 404."""
    path = checked_path(raw_path, "path.path")
    row = _LIVE_FILE.first(user=user_id, path=path)
    if row is None:
        raise NotFound(f"no file at {path!r}")
    return LiveFile(*row)


def live_files_at(user_id: uuid.UUID, raw_paths: list[str]) -> list[tuple[str, LiveFile | None]]:
    """Each asked path (canonical, none twice) with its live file, or None where there is none."""
    paths = distinct_paths(raw_paths, lambda index: f"body.paths[{index}]")
    found = {}
    for start in range(0, len(paths), 500):
        query = FileState.select(
            FileState.path, FileState.content_hash, FileState.size, FileState.updated_at
        ).where(
            (FileState.user == user_id)
            & FileState.path.in_(paths[start : start + 500])
            & ~FileState.deleted
        )
        found.update({row[0]: LiveFile(*row) for row in query.tuples()})
    return [(path, found.get(path)) for path in paths]


def acknowledge(principal: Principal, device_id: uuid.UUID | None, cursor: int) -> AckResult:
    device = devices.acting_device(principal, device_id, "body.device_id")
    newest = last_seq(device.user_id)  # before the write: the last seq only ever grows
    if cursor > newest:
        raise ValidationFailed.at("body.cursor", f"is past this library's last change ({newest})")
    with write_transaction():
        # max(old, cursor) in one statement: concurrent acks never move a cursor back.
        Device.update(
            sync_cursor=peewee.Case(
                None, [(Device.sync_cursor < cursor, cursor)], Device.sync_cursor
            ),
            last_sync_at=utcnow(),
        ).where(Device.id == device.id).execute()
        return AckResult(device.id, Device.get_by_id(device.id).sync_cursor)


def compact() -> dict[uuid.UUID, int]:
    """Remove change rows every device of their user has acknowledged; rows removed per user."""
    removed: dict[uuid.UUID, int] = {}
    for counter in list(UserSeq.select()):
        with write_transaction():
            cursors = [
                d.sync_cursor
                for d in Device.select(Device.sync_cursor).where(Device.user == counter.user_id)
            ]
            horizon = min(cursors, default=counter.last_seq)
            if horizon <= counter.compacted_through:
                continue
            removed[counter.user_id] = (
                ChangeLog.delete()
                .where((ChangeLog.user == counter.user_id) & (ChangeLog.seq <= horizon))
                .execute()
            )
            UserSeq.update(compacted_through=horizon).where(
                UserSeq.user == counter.user_id
            ).execute()
    return removed
