# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChunkReceipt")


@_attrs_define
class ChunkReceipt:
    """
    Attributes:
        chunk_index (int):
        received_chunks (list[int]):
        bytes_received (int):
    """

    chunk_index: int
    received_chunks: list[int]
    bytes_received: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        chunk_index = self.chunk_index

        received_chunks = self.received_chunks

        bytes_received = self.bytes_received

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "chunk_index": chunk_index,
                "received_chunks": received_chunks,
                "bytes_received": bytes_received,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        chunk_index = d.pop("chunk_index")

        received_chunks = cast(list[int], d.pop("received_chunks"))

        bytes_received = d.pop("bytes_received")

        chunk_receipt = cls(
            chunk_index=chunk_index,
            received_chunks=received_chunks,
            bytes_received=bytes_received,
        )

        chunk_receipt.additional_properties = d
        return chunk_receipt

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
