# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.change_type import ChangeType

T = TypeVar("T", bound="Change")


@_attrs_define
class Change:
    """
    Attributes:
        seq (int):
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path
            that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        change_type (ChangeType):
        content_hash (None | str):
        size (int | None):
        mtime (datetime.datetime | None):
        version (int):
        old_path (None | str):
        device_id (None | UUID):
        timestamp (datetime.datetime):
    """

    seq: int
    path: str
    change_type: ChangeType
    content_hash: None | str
    size: int | None
    mtime: datetime.datetime | None
    version: int
    old_path: None | str
    device_id: None | UUID
    timestamp: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        path = self.path

        change_type = self.change_type.value

        content_hash: None | str
        content_hash = self.content_hash

        size: int | None
        size = self.size

        mtime: None | str
        if isinstance(self.mtime, datetime.datetime):
            mtime = self.mtime.isoformat()
        else:
            mtime = self.mtime

        version = self.version

        old_path: None | str
        old_path = self.old_path

        device_id: None | str
        if isinstance(self.device_id, UUID):
            device_id = str(self.device_id)
        else:
            device_id = self.device_id

        timestamp = self.timestamp.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "path": path,
                "change_type": change_type,
                "content_hash": content_hash,
                "size": size,
                "mtime": mtime,
                "version": version,
                "old_path": old_path,
                "device_id": device_id,
                "timestamp": timestamp,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seq = d.pop("seq")

        path = d.pop("path")

        change_type = ChangeType(d.pop("change_type"))

        def _parse_content_hash(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        content_hash = _parse_content_hash(d.pop("content_hash"))

        def _parse_size(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        size = _parse_size(d.pop("size"))

        def _parse_mtime(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mtime_type_0 = datetime.datetime.fromisoformat(data)

                return mtime_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        mtime = _parse_mtime(d.pop("mtime"))

        version = d.pop("version")

        def _parse_old_path(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        old_path = _parse_old_path(d.pop("old_path"))

        def _parse_device_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                device_id_type_0 = UUID(data)

                return device_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        device_id = _parse_device_id(d.pop("device_id"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        change = cls(
            seq=seq,
            path=path,
            change_type=change_type,
            content_hash=content_hash,
            size=size,
            mtime=mtime,
            version=version,
            old_path=old_path,
            device_id=device_id,
            timestamp=timestamp,
        )

        change.additional_properties = d
        return change

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
