"""What services hand to handlers: plain records shaped as the contract's schemas, never
Peewee rows, so a handler renders one with orjson and nothing lazy reaches the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: uuid.UUID
    username: str
    is_admin: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> UserRecord:
        return cls(row.id, row.username, row.is_admin, row.created_at)


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    id: uuid.UUID
    name: str
    device_type: str
    os_info: str | None
    client_version: str | None
    enabled: bool
    sync_cursor: int
    last_seen_at: datetime | None
    last_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> DeviceRecord:
        return cls(
            row.id, row.name, row.device_type, row.os_info, row.client_version, row.enabled,
            row.sync_cursor, row.last_seen_at, row.last_sync_at, row.created_at, row.updated_at,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    id: uuid.UUID
    path: str
    old_path: str | None
    device_id: uuid.UUID | None  # None once the device was deleted
    change_type: str
    local_hash: str | None
    local_size: int | None
    local_mtime: datetime | None
    server_hash: str | None
    server_version: int
    clash_path: str | None
    clash_kind: str | None
    detected_at: datetime
    resolved_at: datetime | None
    resolution: str | None

    @classmethod
    def of(cls, row: Any) -> ConflictRecord:
        return cls(
            row.id, row.path, row.old_path, row.device_id, row.change_type, row.local_hash,
            row.local_size, row.local_mtime, row.server_hash, row.server_version, row.clash_path,
            row.clash_kind, row.detected_at, row.resolved_at, row.resolution,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    seq: int
    path: str
    change_type: str
    content_hash: str | None
    size: int | None
    mtime: datetime | None
    version: int
    old_path: str | None
    device_id: uuid.UUID | None
    timestamp: datetime

    @classmethod
    def of(cls, row: Any) -> ChangeRecord:
        return cls(
            row.seq, row.path, row.change_type, row.content_hash, row.size, row.mtime,
            row.version, row.old_path, row.device_id, row.timestamp,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FileRecord:
    path: str
    version: int
    content_hash: str | None
    size: int | None
    mtime: datetime | None

    @classmethod
    def of(cls, row: Any) -> FileRecord:
        return cls(row.path, row.version, row.content_hash, row.size, row.mtime)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: uuid.UUID
    target_path: str
    expected_hash: str
    expected_size: int
    chunk_size: int
    chunk_count: int
    received_chunks: list[int]
    bytes_received: int
    status: str
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, row: Any, received_chunks: list[int], bytes_received: int) -> SessionRecord:
        return cls(
            row.id, row.target_path, row.expected_hash, row.expected_size, row.chunk_size,
            row.chunk_count, received_chunks, bytes_received, row.status, row.created_at,
            row.expires_at,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class UploadedFile:
    path: str
    version: int
    content_hash: str
    size: int


@dataclass(frozen=True, slots=True)
class UploadResult:
    session: SessionRecord
    file: UploadedFile | None
    conflict: ConflictRecord | None


@dataclass(frozen=True, slots=True)
class ChunkReceipt:
    chunk_index: int
    received_chunks: list[int]
    bytes_received: int
