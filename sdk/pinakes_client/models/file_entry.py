# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FileEntry")


@_attrs_define
class FileEntry:
    """
    Attributes:
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path
            that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        version (int):
        content_hash (str): Lowercase hex SHA-256.
        size (int):
        mtime (datetime.datetime | None):
    """

    path: str
    version: int
    content_hash: str
    size: int
    mtime: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        version = self.version

        content_hash = self.content_hash

        size = self.size

        mtime: None | str
        if isinstance(self.mtime, datetime.datetime):
            mtime = self.mtime.isoformat()
        else:
            mtime = self.mtime

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
                "version": version,
                "content_hash": content_hash,
                "size": size,
                "mtime": mtime,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        path = d.pop("path")

        version = d.pop("version")

        content_hash = d.pop("content_hash")

        size = d.pop("size")

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

        file_entry = cls(
            path=path,
            version=version,
            content_hash=content_hash,
            size=size,
            mtime=mtime,
        )

        file_entry.additional_properties = d
        return file_entry

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
