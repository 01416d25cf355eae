"""Portable names: each live file whose path some device cannot hold (`CON/x.txt`, `a./b`,
`a*?.txt`, a bidirectional control …, stored before the rule) becomes an open `name` conflict.

Unlike migration 2's clashes the file stays live where it is: its owner's devices keep syncing
it (a Linux disk holds `NUL.txt`) and can read, delete or move it away until the conflict is
resolved; keep_both moves it to a portable conflict-copy name. The conflict belongs to the
device that last wrote the path (else the user's first device, else none); `pinakes-server
check` lists each non-portable live path.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import peewee
from playhouse.migrate import SchemaMigrator

from ..portable import unportable
from ..tables import PathField, UTCDateTimeField


class _Table(peewee.Model):
    class Meta:
        legacy_table_names = False


class FileState(_Table):
    user = peewee.UUIDField(column_name="user_id")
    path = PathField()
    version = peewee.BigIntegerField()
    content_hash = peewee.CharField(max_length=64, null=True)
    size = peewee.BigIntegerField(null=True)
    mtime = UTCDateTimeField(null=True)
    deleted = peewee.BooleanField()


class ChangeLog(_Table):
    user = peewee.UUIDField(column_name="user_id")
    seq = peewee.BigIntegerField()
    path = peewee.TextField()
    device_id = peewee.UUIDField(null=True)


class Device(_Table):
    id = peewee.UUIDField(primary_key=True)
    user = peewee.UUIDField(column_name="user_id")
    name = peewee.CharField(max_length=128)
    created_at = UTCDateTimeField()


class Conflict(_Table):
    id = peewee.UUIDField(primary_key=True)
    user = peewee.UUIDField(column_name="user_id")
    device = peewee.UUIDField(column_name="device_id", null=True)
    device_name = peewee.CharField(max_length=128, null=True)
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


MODELS = [FileState, ChangeLog, Device, Conflict]


def up(db: peewee.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx(MODELS):
        live = FileState.select().where(~FileState.deleted).order_by(FileState.id)
        for row in live.iterator():
            if unportable(row.path) is not None:
                _record(row)


def _holder(user_id: uuid.UUID, path: str) -> Device | None:
    """The device that last wrote `path`, else the user's first one (None: no device)."""
    devices = {d.id: d for d in Device.select().where(Device.user == user_id)}
    writer = (
        ChangeLog.select(ChangeLog.device_id)
        .where((ChangeLog.user == user_id) & (ChangeLog.path == path))
        .order_by(ChangeLog.seq.desc())
        .scalar()
    )
    if writer in devices:
        return devices[writer]
    return min(devices.values(), key=lambda d: d.created_at, default=None)


def _record(row: FileState) -> None:
    device = _holder(row.user, row.path)
    Conflict.insert(
        id=uuid.uuid4(), user=row.user, device=device.id if device else None,
        device_name=device.name if device else None, path=row.path, change_type="created",
        local_hash=row.content_hash, local_size=row.size, local_mtime=row.mtime,
        server_hash=row.content_hash, server_version=row.version,
        clash_path=row.path, clash_kind="name", detected_at=datetime.now(UTC),
    ).execute()  # fmt: skip
