# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.device_type import DeviceType

T = TypeVar("T", bound="Device")


@_attrs_define
class Device:
    """
    Attributes:
        id (UUID):
        name (str): Any text without control characters.
        device_type (DeviceType):
        os_info (None | str):
        client_version (None | str):
        enabled (bool):
        sync_cursor (int):
        last_seen_at (datetime.datetime | None):
        last_sync_at (datetime.datetime | None):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    id: UUID
    name: str
    device_type: DeviceType
    os_info: None | str
    client_version: None | str
    enabled: bool
    sync_cursor: int
    last_seen_at: datetime.datetime | None
    last_sync_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        device_type = self.device_type.value

        os_info: None | str
        os_info = self.os_info

        client_version: None | str
        client_version = self.client_version

        enabled = self.enabled

        sync_cursor = self.sync_cursor

        last_seen_at: None | str
        if isinstance(self.last_seen_at, datetime.datetime):
            last_seen_at = self.last_seen_at.isoformat()
        else:
            last_seen_at = self.last_seen_at

        last_sync_at: None | str
        if isinstance(self.last_sync_at, datetime.datetime):
            last_sync_at = self.last_sync_at.isoformat()
        else:
            last_sync_at = self.last_sync_at

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "device_type": device_type,
                "os_info": os_info,
                "client_version": client_version,
                "enabled": enabled,
                "sync_cursor": sync_cursor,
                "last_seen_at": last_seen_at,
                "last_sync_at": last_sync_at,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        device_type = DeviceType(d.pop("device_type"))

        def _parse_os_info(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        os_info = _parse_os_info(d.pop("os_info"))

        def _parse_client_version(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_version = _parse_client_version(d.pop("client_version"))

        enabled = d.pop("enabled")

        sync_cursor = d.pop("sync_cursor")

        def _parse_last_seen_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_seen_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_seen_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_seen_at = _parse_last_seen_at(d.pop("last_seen_at"))

        def _parse_last_sync_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_sync_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_sync_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_sync_at = _parse_last_sync_at(d.pop("last_sync_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        device = cls(
            id=id,
            name=name,
            device_type=device_type,
            os_info=os_info,
            client_version=client_version,
            enabled=enabled,
            sync_cursor=sync_cursor,
            last_seen_at=last_seen_at,
            last_sync_at=last_sync_at,
            created_at=created_at,
            updated_at=updated_at,
        )

        device.additional_properties = d
        return device

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
