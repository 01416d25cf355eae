# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DeviceLogin")


@_attrs_define
class DeviceLogin:
    """
    Attributes:
        device_token (str):
    """

    device_token: str

    def to_dict(self) -> dict[str, Any]:
        device_token = self.device_token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "device_token": device_token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        device_token = d.pop("device_token")

        device_login = cls(
            device_token=device_token,
        )

        return device_login
