# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AcceptedChange")


@_attrs_define
class AcceptedChange:
    """
    Attributes:
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path
            that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        stored_path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A
            path that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        version (int):
        seq (int | None): The change-log entry it made; null when nothing changed.
    """

    path: str
    stored_path: str
    version: int
    seq: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        stored_path = self.stored_path

        version = self.version

        seq: int | None
        seq = self.seq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
                "stored_path": stored_path,
                "version": version,
                "seq": seq,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        path = d.pop("path")

        stored_path = d.pop("stored_path")

        version = d.pop("version")

        def _parse_seq(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        seq = _parse_seq(d.pop("seq"))

        accepted_change = cls(
            path=path,
            stored_path=stored_path,
            version=version,
            seq=seq,
        )

        accepted_change.additional_properties = d
        return accepted_change

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
