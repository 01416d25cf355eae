# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.change_type import ChangeType
from ..models.clash_kind import ClashKind
from ..models.resolution import Resolution

T = TypeVar("T", bound="Conflict")


@_attrs_define
class Conflict:
    """A change the server did not apply. Either its base version is not the server's (`clash_path` null), or applying it
    would make the library unholdable on some disk: `clash_path` names the live path in the way. keep_local replaces
    what blocks (a blocking file becomes a tombstone; a blocking folder only when it holds no live files, else 409),
    keep_remote drops the change, keep_both stores it with the clashing segment renamed to its conflict-copy name
    (always a portable name). A `name` conflict is a live file whose path is not portable: keep_both moves it to its
    conflict-copy name; keep_local and keep_remote are 409 while it is live there.

        Attributes:
            id (UUID):
            path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path
                that would be new (a created or modified file, a move's or an upload's target not live now) must also be
                portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
                extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
                zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
                listed, deleted and moved away from.
            old_path (None | str):
            device_id (None | UUID): The device whose change did not apply; null once that device was deleted (its open
                conflicts and their bytes stay until resolved).
            change_type (ChangeType):
            local_hash (None | str):
            local_size (int | None):
            local_mtime (datetime.datetime | None):
            server_hash (None | str):
            server_version (int):
            detected_at (datetime.datetime):
            resolved_at (datetime.datetime | None):
            resolution (None | Resolution):
            clash_path (None | str): The live path this change clashes with (see `clash_kind`); null for a conflict between
                versions of one path.
            clash_kind (ClashKind | None):
    """

    id: UUID
    path: str
    old_path: None | str
    device_id: None | UUID
    change_type: ChangeType
    local_hash: None | str
    local_size: int | None
    local_mtime: datetime.datetime | None
    server_hash: None | str
    server_version: int
    detected_at: datetime.datetime
    resolved_at: datetime.datetime | None
    resolution: None | Resolution
    clash_path: None | str
    clash_kind: ClashKind | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        path = self.path

        old_path: None | str
        old_path = self.old_path

        device_id: None | str
        if isinstance(self.device_id, UUID):
            device_id = str(self.device_id)
        else:
            device_id = self.device_id

        change_type = self.change_type.value

        local_hash: None | str
        local_hash = self.local_hash

        local_size: int | None
        local_size = self.local_size

        local_mtime: None | str
        if isinstance(self.local_mtime, datetime.datetime):
            local_mtime = self.local_mtime.isoformat()
        else:
            local_mtime = self.local_mtime

        server_hash: None | str
        server_hash = self.server_hash

        server_version = self.server_version

        detected_at = self.detected_at.isoformat()

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        resolution: None | str
        if isinstance(self.resolution, Resolution):
            resolution = self.resolution.value
        else:
            resolution = self.resolution

        clash_path: None | str
        clash_path = self.clash_path

        clash_kind: None | str
        if isinstance(self.clash_kind, ClashKind):
            clash_kind = self.clash_kind.value
        else:
            clash_kind = self.clash_kind

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "path": path,
                "old_path": old_path,
                "device_id": device_id,
                "change_type": change_type,
                "local_hash": local_hash,
                "local_size": local_size,
                "local_mtime": local_mtime,
                "server_hash": server_hash,
                "server_version": server_version,
                "detected_at": detected_at,
                "resolved_at": resolved_at,
                "resolution": resolution,
                "clash_path": clash_path,
                "clash_kind": clash_kind,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        path = d.pop("path")

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

        change_type = ChangeType(d.pop("change_type"))

        def _parse_local_hash(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        local_hash = _parse_local_hash(d.pop("local_hash"))

        def _parse_local_size(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        local_size = _parse_local_size(d.pop("local_size"))

        def _parse_local_mtime(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                local_mtime_type_0 = datetime.datetime.fromisoformat(data)

                return local_mtime_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        local_mtime = _parse_local_mtime(d.pop("local_mtime"))

        def _parse_server_hash(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        server_hash = _parse_server_hash(d.pop("server_hash"))

        server_version = d.pop("server_version")

        detected_at = datetime.datetime.fromisoformat(d.pop("detected_at"))

        def _parse_resolved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at"))

        def _parse_resolution(data: object) -> None | Resolution:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolution_type_0 = Resolution(data)

                return resolution_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Resolution, data)

        resolution = _parse_resolution(d.pop("resolution"))

        def _parse_clash_path(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        clash_path = _parse_clash_path(d.pop("clash_path"))

        def _parse_clash_kind(data: object) -> ClashKind | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                clash_kind_type_0 = ClashKind(data)

                return clash_kind_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ClashKind | None, data)

        clash_kind = _parse_clash_kind(d.pop("clash_kind"))

        conflict = cls(
            id=id,
            path=path,
            old_path=old_path,
            device_id=device_id,
            change_type=change_type,
            local_hash=local_hash,
            local_size=local_size,
            local_mtime=local_mtime,
            server_hash=server_hash,
            server_version=server_version,
            detected_at=detected_at,
            resolved_at=resolved_at,
            resolution=resolution,
            clash_path=clash_path,
            clash_kind=clash_kind,
        )

        conflict.additional_properties = d
        return conflict

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
