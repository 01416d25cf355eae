"""A library every device can hold: comparison keys, folder counts, clash conflicts.

Adds `file_state.path_key`, the `folder` table, `conflict.clash_path`/`clash_kind` and
`upload_session.result_path`, then fills them from what is stored. A library that already
holds clashing live files (release 1 accepted `docs` beside `docs/x.txt`, and `Docs/a.txt`
beside `docs/A.TXT`) keeps the file that was there first; each later one that clashes becomes
an open conflict of the device that last wrote it, its bytes kept, and its path a logged
tombstone, so the owner resolves it like any other clash (`pinakes-server check` lists them).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import peewee
from playhouse.migrate import SchemaMigrator, migrate

from ..path_keys import LiveSet, path_key
from ..tables import PathField, UTCDateTimeField


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Table(peewee.Model):
    class Meta:
        legacy_table_names = False


class FileState(_Table):
    user = peewee.UUIDField(column_name="user_id")
    path = PathField()
    path_key = peewee.TextField(null=True)
    version = peewee.BigIntegerField()
    content_hash = peewee.CharField(max_length=64, null=True)
    size = peewee.BigIntegerField(null=True)
    mtime = UTCDateTimeField(null=True)
    deleted = peewee.BooleanField()
    moved_to = peewee.TextField(null=True)
    moved_to_version = peewee.BigIntegerField(null=True)
    updated_at = UTCDateTimeField()


class User(_Table):
    id = peewee.UUIDField(primary_key=True)


class Folder(_Table):
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    key = peewee.TextField()
    path = PathField()
    files = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("user", "key"), True),)


class UserSeq(_Table):
    user = peewee.UUIDField(column_name="user_id", primary_key=True)
    last_seq = peewee.BigIntegerField()


class ChangeLog(_Table):
    user = peewee.UUIDField(column_name="user_id")
    seq = peewee.BigIntegerField()
    path = peewee.TextField()
    change_type = peewee.CharField(max_length=16)
    version = peewee.BigIntegerField()
    device_id = peewee.UUIDField(null=True)
    timestamp = UTCDateTimeField()


class Device(_Table):
    id = peewee.UUIDField(primary_key=True)
    user = peewee.UUIDField(column_name="user_id")
    created_at = UTCDateTimeField()


class Conflict(_Table):
    id = peewee.UUIDField(primary_key=True)
    user = peewee.UUIDField(column_name="user_id")
    device = peewee.UUIDField(column_name="device_id")
    path = peewee.TextField()
    change_type = peewee.CharField(max_length=16)
    local_hash = peewee.CharField(max_length=64, null=True)
    local_size = peewee.BigIntegerField(null=True)
    local_mtime = UTCDateTimeField(null=True)
    server_hash = peewee.CharField(max_length=64, null=True)
    server_version = peewee.BigIntegerField()
    clash_path = peewee.TextField(null=True)
    clash_kind = peewee.CharField(max_length=16, null=True)
    detected_at = UTCDateTimeField()


MODELS = [User, FileState, Folder, UserSeq, ChangeLog, Device, Conflict]


def up(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrate(
        migrator.add_column("file_state", "path_key", peewee.TextField(null=True)),
        migrator.add_index("file_state", ("user_id", "path_key"), False),
        migrator.add_column("conflict", "clash_path", peewee.TextField(null=True)),
        migrator.add_column("conflict", "clash_kind", peewee.CharField(max_length=16, null=True)),
        migrator.add_column("upload_session", "result_path", peewee.TextField(null=True)),
    )
    with db.bind_ctx(MODELS):
        db.create_tables([Folder])
        for (user_id,) in FileState.select(FileState.user).distinct().tuples():
            _settle_library(user_id)


def _settle_library(user_id: uuid.UUID) -> None:
    states = list(
        FileState.select()
        .where(FileState.user == user_id)
        .order_by(FileState.updated_at, FileState.id)
    )
    for state in states:
        FileState.update(path_key=path_key(state.path)).where(FileState.id == state.id).execute()
    kept, by_path = LiveSet(), {s.path: s for s in states}
    clashes: list[_Clash] = []
    for row in (s for s in states if not s.deleted):
        clash = kept.clash(row.path)
        if clash is None:
            kept.add(row.path)
        else:
            clash_path, kind = clash
            clashes.append((row, by_path.get(clash_path) if kind != "folder" else None, *clash))
    folders = [{"user": user_id, "key": k, "path": p, "files": n} for k, p, n in kept.folders()]
    for start in range(0, len(folders), 500):
        Folder.insert_many(folders[start : start + 500]).execute()
    if clashes:
        _record_clashes(user_id, clashes)


_Clash = tuple[FileState, FileState | None, str, str]  # the row, its blocker, clash path, kind


def _record_clashes(user_id: uuid.UUID, clashes: list[_Clash]) -> None:
    devices = list(
        Device.select(Device.id).where(Device.user == user_id).order_by(Device.created_at).scalars()
    )
    if not devices:
        return  # no device to hold the conflict: `pinakes-server check` reports the clash
    seq_row = UserSeq.get_or_none(UserSeq.user == user_id)
    last_seq = seq_row.last_seq if seq_row else 0
    now = _utcnow()
    for row, blocker, clash_path, kind in clashes:
        writer = (
            ChangeLog.select(ChangeLog.device_id)
            .where((ChangeLog.user == user_id) & (ChangeLog.path == row.path))
            .order_by(ChangeLog.seq.desc())
            .scalar()
        )
        device = writer if writer in devices else devices[0]
        Conflict.insert(
            id=uuid.uuid4(), user=user_id, device=device, path=row.path, change_type="created",
            local_hash=row.content_hash, local_size=row.size, local_mtime=row.mtime,
            server_hash=blocker.content_hash if blocker else None,
            server_version=blocker.version if blocker else 0,
            clash_path=clash_path, clash_kind=kind, detected_at=now,
        ).execute()  # fmt: skip
        last_seq += 1
        FileState.update(
            version=row.version + 1, content_hash=None, size=None, mtime=None, deleted=True,
            moved_to=None, moved_to_version=None, updated_at=now,
        ).where(FileState.id == row.id).execute()  # fmt: skip
        ChangeLog.insert(
            user=user_id, seq=last_seq, path=row.path, change_type="deleted",
            version=row.version + 1, device_id=None, timestamp=now,
        ).execute()  # fmt: skip
    if seq_row:
        UserSeq.update(last_seq=last_seq).where(UserSeq.user == user_id).execute()
    else:
        UserSeq.insert(user=user_id, last_seq=last_seq).execute()
