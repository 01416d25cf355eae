"""Peewee tables, bound through one proxy. Secrets are stored only as hashes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import peewee

database = peewee.DatabaseProxy()


def is_postgres() -> bool:
    """The bound database is PostgreSQL: a few locks and one collation differ from SQLite."""
    return isinstance(database.obj, peewee.PostgresqlDatabase)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTimeField(peewee.DateTimeField):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    def db_value(self, value: datetime | None) -> object:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value: object) -> datetime | None:
        parsed = super().python_value(value)
        return parsed.replace(tzinfo=UTC) if isinstance(parsed, datetime) else parsed


class PathField(peewee.TextField):
    """A library path, ordered by its bytes (the contract's order). SQLite compares text that
    way already; PostgreSQL would follow the database's locale without COLLATE "C"."""

    def ddl_datatype(self, ctx: peewee.Context) -> peewee.Node:
        data_type = super().ddl_datatype(ctx)
        if is_postgres():
            return peewee.NodeList((data_type, peewee.SQL('COLLATE "C"')))
        return data_type


class BaseTable(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class User(BaseTable):
    id = peewee.UUIDField(primary_key=True, default=uuid.uuid4)
    username = peewee.CharField(max_length=64)
    # Case-folded username: "Alice" and "alice" are one account.
    username_key = peewee.CharField(max_length=64, unique=True)
    password_hash = peewee.CharField(max_length=255)
    is_admin = peewee.BooleanField(default=False)
    created_at = UTCDateTimeField(default=utcnow)
    # Set by `pinakes-server users disable`: no sign-in, no token of the user counts.
    disabled = peewee.BooleanField(default=False)
    # Every JWT carries it (`ugen`); bumping it ends all of the user's tokens at once.
    token_generation = peewee.IntegerField(default=1)


class Device(BaseTable):
    id = peewee.UUIDField(primary_key=True, default=uuid.uuid4)
    user = peewee.ForeignKeyField(User, backref="devices", on_delete="CASCADE", index=True)
    name = peewee.CharField(max_length=128)
    device_type = peewee.CharField(max_length=16)
    os_info = peewee.CharField(max_length=256, null=True)
    client_version = peewee.CharField(max_length=64, null=True)
    enabled = peewee.BooleanField(default=True)
    # SHA-256 of the device token; the token itself is shown once and never stored.
    token_hash = peewee.CharField(max_length=64, unique=True)
    # Bumped on regeneration; device-bound JWTs carry it, so older ones stop working at once.
    token_generation = peewee.IntegerField(default=1)
    sync_cursor = peewee.BigIntegerField(default=0)
    last_seen_at = UTCDateTimeField(null=True)
    last_sync_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)


class UserSeq(BaseTable):
    """Per-user change counter, updated inside every writing transaction: its lock orders seqs."""

    user = peewee.ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
    last_seq = peewee.BigIntegerField(default=0)
    # Change rows with seq <= this were compacted away; older cursors must re-list (410).
    compacted_through = peewee.BigIntegerField(default=0)


class FileState(BaseTable):
    """The server's current version of one path of one user; deleted=True is a tombstone."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    path = PathField()
    # The path's comparison key (paths.path_key): live files never share one (migration 2).
    path_key = peewee.TextField(null=True)
    version = peewee.BigIntegerField()
    content_hash = peewee.CharField(max_length=64, null=True)
    size = peewee.BigIntegerField(null=True)
    mtime = UTCDateTimeField(null=True)
    deleted = peewee.BooleanField(default=False)
    # Set on the tombstone a move leaves at its old path: where it went, at which version,
    # so that the same move retried is recognised and not turned into a conflict.
    moved_to = peewee.TextField(null=True)
    moved_to_version = peewee.BigIntegerField(null=True)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "path"), True), (("user", "path_key"), False))


class Folder(BaseTable):
    """A folder of a user's live files, by comparison key: its stored case and how many live
    files lie below it. A file may not be created where a folder has files (migration 2)."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    key = peewee.TextField()
    path = PathField()
    files = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("user", "key"), True),)


class ChangeLog(BaseTable):
    """Append-only: one row per applied change, seq 1, 2, 3 … per user without gaps."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    seq = peewee.BigIntegerField()
    path = peewee.TextField()
    change_type = peewee.CharField(max_length=16)
    content_hash = peewee.CharField(max_length=64, null=True)
    size = peewee.BigIntegerField(null=True)
    mtime = UTCDateTimeField(null=True)
    version = peewee.BigIntegerField()
    old_path = peewee.TextField(null=True)
    device_id = peewee.UUIDField(null=True)  # no foreign key: history outlives a deleted device
    timestamp = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "seq"), True),)


class UserBlob(BaseTable):
    """Bytes a user has uploaded: knowing a hash never gives one user another user's bytes."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    content_hash = peewee.CharField(max_length=64)
    size = peewee.BigIntegerField()
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "content_hash"), True),)


class Conflict(BaseTable):
    id = peewee.UUIDField(primary_key=True, default=uuid.uuid4)
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    # A deleted device leaves its open conflicts, and its name on them (migration 3).
    device = peewee.ForeignKeyField(Device, null=True, on_delete="SET NULL")
    device_name = peewee.CharField(max_length=128, null=True)
    path = peewee.TextField()
    old_path = peewee.TextField(null=True)
    change_type = peewee.CharField(max_length=16)
    local_hash = peewee.CharField(max_length=64, null=True)
    local_size = peewee.BigIntegerField(null=True)
    local_mtime = UTCDateTimeField(null=True)
    server_hash = peewee.CharField(max_length=64, null=True)
    server_version = peewee.BigIntegerField()
    # Set when the change would make the library unholdable (migration 2): the live path in
    # the way and how — "file" (a file where a folder is needed), "folder" (a folder where
    # the file would go) or "case" (the same name in another case).
    clash_path = peewee.TextField(null=True)
    clash_kind = peewee.CharField(max_length=16, null=True)
    detected_at = UTCDateTimeField(default=utcnow)
    resolved_at = UTCDateTimeField(null=True)
    resolution = peewee.CharField(max_length=16, null=True)

    class Meta:
        indexes = ((("user", "resolved_at"), False), (("device", "path"), False))


class UploadSession(BaseTable):
    id = peewee.UUIDField(primary_key=True, default=uuid.uuid4)
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    device = peewee.ForeignKeyField(Device, on_delete="CASCADE")
    target_path = peewee.TextField()
    expected_hash = peewee.CharField(max_length=64)
    expected_size = peewee.BigIntegerField()
    chunk_size = peewee.BigIntegerField()
    chunk_count = peewee.BigIntegerField()
    base_version = peewee.BigIntegerField(null=True)
    mtime = UTCDateTimeField(null=True)
    status = peewee.CharField(max_length=16, default="pending")
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField()
    # What completing applied, so that completing again answers the same.
    result_version = peewee.BigIntegerField(null=True)
    result_conflict = peewee.UUIDField(null=True)
    # Where the bytes were stored, when the folder's stored case differs (migration 2).
    result_path = peewee.TextField(null=True)

    class Meta:
        indexes = ((("user", "status"), False), (("status", "expires_at"), False))


class UploadChunk(BaseTable):
    """A chunk durably staged: in its session's staging file, or in an object of its own
    (`object`: its name in the bucket; migration 6)."""

    session = peewee.ForeignKeyField(UploadSession, on_delete="CASCADE")
    index = peewee.BigIntegerField()
    size = peewee.BigIntegerField()
    object = peewee.CharField(max_length=255, null=True)

    class Meta:
        indexes = ((("session", "index"), True),)


class SignInFailure(BaseTable):
    """A failed (or still running) sign-in, by throttle key and wall-clock time (migration 4):
    in the database, so every worker and instance counts the same attempts."""

    key = peewee.CharField(max_length=400)
    at = peewee.DoubleField()

    class Meta:
        indexes = ((("key", "at"), False),)


TABLES: list[type[BaseTable]] = [
    User, Device, UserSeq, FileState, Folder, ChangeLog, UserBlob, Conflict, UploadSession,
    UploadChunk, SignInFailure,
]  # fmt: skip
