# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.upload_status import UploadStatus

T = TypeVar("T", bound="UploadSession")


@_attrs_define
class UploadSession:
    """
    Attributes:
        id (UUID):
        target_path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A
            path that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        expected_hash (str): Lowercase hex SHA-256.
        expected_size (int):
        chunk_size (int):
        chunk_count (int):
        received_chunks (list[int]):
        bytes_received (int):
        status (UploadStatus):
        created_at (datetime.datetime):
        expires_at (datetime.datetime):
    """

    id: UUID
    target_path: str
    expected_hash: str
    expected_size: int
    chunk_size: int
    chunk_count: int
    received_chunks: list[int]
    bytes_received: int
    status: UploadStatus
    created_at: datetime.datetime
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        target_path = self.target_path

        expected_hash = self.expected_hash

        expected_size = self.expected_size

        chunk_size = self.chunk_size

        chunk_count = self.chunk_count

        received_chunks = self.received_chunks

        bytes_received = self.bytes_received

        status = self.status.value

        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "target_path": target_path,
                "expected_hash": expected_hash,
                "expected_size": expected_size,
                "chunk_size": chunk_size,
                "chunk_count": chunk_count,
                "received_chunks": received_chunks,
                "bytes_received": bytes_received,
                "status": status,
                "created_at": created_at,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        target_path = d.pop("target_path")

        expected_hash = d.pop("expected_hash")

        expected_size = d.pop("expected_size")

        chunk_size = d.pop("chunk_size")

        chunk_count = d.pop("chunk_count")

        received_chunks = cast(list[int], d.pop("received_chunks"))

        bytes_received = d.pop("bytes_received")

        status = UploadStatus(d.pop("status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        upload_session = cls(
            id=id,
            target_path=target_path,
            expected_hash=expected_hash,
            expected_size=expected_size,
            chunk_size=chunk_size,
            chunk_count=chunk_count,
            received_chunks=received_chunks,
            bytes_received=bytes_received,
            status=status,
            created_at=created_at,
            expires_at=expires_at,
        )

        upload_session.additional_properties = d
        return upload_session

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
