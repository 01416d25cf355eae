# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UploadCreate")


@_attrs_define
class UploadCreate:
    """
    Attributes:
        target_path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A
            path that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        expected_hash (str): Lowercase hex SHA-256.
        expected_size (int):
        chunk_size (int | Unset):  Default: 8388608.
        mtime (datetime.datetime | Unset): A time a device states (a file's mtime): RFC 3339 with its UTC offset, from
            0001-01-02 to 9999-12-30, so that it is a time in UTC too, which is how the server keeps and returns it.
        device_id (UUID | Unset):
        base_version (int | Unset):
    """

    target_path: str
    expected_hash: str
    expected_size: int
    chunk_size: int | Unset = 8388608
    mtime: datetime.datetime | Unset = UNSET
    device_id: UUID | Unset = UNSET
    base_version: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        target_path = self.target_path

        expected_hash = self.expected_hash

        expected_size = self.expected_size

        chunk_size = self.chunk_size

        mtime: str | Unset = UNSET
        if not isinstance(self.mtime, Unset):
            mtime = self.mtime.isoformat()

        device_id: str | Unset = UNSET
        if not isinstance(self.device_id, Unset):
            device_id = str(self.device_id)

        base_version = self.base_version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "target_path": target_path,
                "expected_hash": expected_hash,
                "expected_size": expected_size,
            }
        )
        if chunk_size is not UNSET:
            field_dict["chunk_size"] = chunk_size
        if mtime is not UNSET:
            field_dict["mtime"] = mtime
        if device_id is not UNSET:
            field_dict["device_id"] = device_id
        if base_version is not UNSET:
            field_dict["base_version"] = base_version

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        target_path = d.pop("target_path")

        expected_hash = d.pop("expected_hash")

        expected_size = d.pop("expected_size")

        chunk_size = d.pop("chunk_size", UNSET)

        _mtime = d.pop("mtime", UNSET)
        mtime: datetime.datetime | Unset
        if isinstance(_mtime, Unset):
            mtime = UNSET
        else:
            mtime = datetime.datetime.fromisoformat(_mtime)

        _device_id = d.pop("device_id", UNSET)
        device_id: UUID | Unset
        if isinstance(_device_id, Unset):
            device_id = UNSET
        else:
            device_id = UUID(_device_id)

        base_version = d.pop("base_version", UNSET)

        upload_create = cls(
            target_path=target_path,
            expected_hash=expected_hash,
            expected_size=expected_size,
            chunk_size=chunk_size,
            mtime=mtime,
            device_id=device_id,
            base_version=base_version,
        )

        return upload_create
