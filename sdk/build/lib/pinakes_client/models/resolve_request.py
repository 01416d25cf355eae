# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.resolution import Resolution

T = TypeVar("T", bound="ResolveRequest")


@_attrs_define
class ResolveRequest:
    """
    Attributes:
        resolution (Resolution):
    """

    resolution: Resolution

    def to_dict(self) -> dict[str, Any]:
        resolution = self.resolution.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "resolution": resolution,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        resolution = Resolution(d.pop("resolution"))

        resolve_request = cls(
            resolution=resolution,
        )

        return resolve_request
