# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.change_type import ChangeType
from ..types import UNSET, Unset

T = TypeVar("T", bound="ClientChange")


@_attrs_define
class ClientChange:
    """
    Attributes:
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path
            that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        change_type (ChangeType):
        content_hash (str | Unset): Lowercase hex SHA-256.
        size (int | Unset):
        mtime (datetime.datetime | Unset): A time a device states (a file's mtime): RFC 3339 with its UTC offset, from
            0001-01-02 to 9999-12-30, so that it is a time in UTC too, which is how the server keeps and returns it.
        base_version (int | Unset): The server version the device last synced; 0 or absent: it did not have it.
        old_path (str | Unset): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a
            segment. A path that would be new (a created or modified file, a move's or an upload's target not live now) must
            also be portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or
            without an extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional
            control, a zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be
            read, listed, deleted and moved away from.
    """

    path: str
    change_type: ChangeType
    content_hash: str | Unset = UNSET
    size: int | Unset = UNSET
    mtime: datetime.datetime | Unset = UNSET
    base_version: int | Unset = UNSET
    old_path: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        change_type = self.change_type.value

        content_hash = self.content_hash

        size = self.size

        mtime: str | Unset = UNSET
        if not isinstance(self.mtime, Unset):
            mtime = self.mtime.isoformat()

        base_version = self.base_version

        old_path = self.old_path

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "path": path,
                "change_type": change_type,
            }
        )
        if content_hash is not UNSET:
            field_dict["content_hash"] = content_hash
        if size is not UNSET:
            field_dict["size"] = size
        if mtime is not UNSET:
            field_dict["mtime"] = mtime
        if base_version is not UNSET:
            field_dict["base_version"] = base_version
        if old_path is not UNSET:
            field_dict["old_path"] = old_path

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        path = d.pop("path")

        change_type = ChangeType(d.pop("change_type"))

        content_hash = d.pop("content_hash", UNSET)

        size = d.pop("size", UNSET)

        _mtime = d.pop("mtime", UNSET)
        mtime: datetime.datetime | Unset
        if isinstance(_mtime, Unset):
            mtime = UNSET
        else:
            mtime = datetime.datetime.fromisoformat(_mtime)

        base_version = d.pop("base_version", UNSET)

        old_path = d.pop("old_path", UNSET)

        client_change = cls(
            path=path,
            change_type=change_type,
            content_hash=content_hash,
            size=size,
            mtime=mtime,
            base_version=base_version,
            old_path=old_path,
        )

        return client_change
