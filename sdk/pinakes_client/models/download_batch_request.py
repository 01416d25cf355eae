# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="DownloadBatchRequest")


@_attrs_define
class DownloadBatchRequest:
    """
    Attributes:
        paths (list[str]): Each path at most once (a path is compared in its NFC form): a repeat is a 400 naming it.
    """

    paths: list[str]

    def to_dict(self) -> dict[str, Any]:
        paths = self.paths

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "paths": paths,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        paths = cast(list[str], d.pop("paths"))

        download_batch_request = cls(
            paths=paths,
        )

        return download_batch_request
