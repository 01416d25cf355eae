"""Peewee tables, bound through one proxy. Secrets are stored only as hashes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import peewee

database = peewee.DatabaseProxy()


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


TABLES: list[type[BaseTable]] = [User, Device]
