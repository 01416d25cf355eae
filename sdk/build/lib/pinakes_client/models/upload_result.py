# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.conflict import Conflict
    from ..models.upload_session import UploadSession
    from ..models.uploaded_file import UploadedFile


T = TypeVar("T", bound="UploadResult")


@_attrs_define
class UploadResult:
    """
    Attributes:
        session (UploadSession):
        file (None | UploadedFile):
        conflict (Conflict | None):
    """

    session: UploadSession
    file: None | UploadedFile
    conflict: Conflict | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.conflict import Conflict
        from ..models.uploaded_file import UploadedFile

        session = self.session.to_dict()

        file: dict[str, Any] | None
        if isinstance(self.file, UploadedFile):
            file = self.file.to_dict()
        else:
            file = self.file

        conflict: dict[str, Any] | None
        if isinstance(self.conflict, Conflict):
            conflict = self.conflict.to_dict()
        else:
            conflict = self.conflict

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "session": session,
                "file": file,
                "conflict": conflict,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.conflict import Conflict
        from ..models.upload_session import UploadSession
        from ..models.uploaded_file import UploadedFile

        d = dict(src_dict)
        session = UploadSession.from_dict(d.pop("session"))

        def _parse_file(data: object) -> None | UploadedFile:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                file_type_0 = UploadedFile.from_dict(data)

                return file_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UploadedFile, data)

        file = _parse_file(d.pop("file"))

        def _parse_conflict(data: object) -> Conflict | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                conflict_type_0 = Conflict.from_dict(data)

                return conflict_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Conflict | None, data)

        conflict = _parse_conflict(d.pop("conflict"))

        upload_result = cls(
            session=session,
            file=file,
            conflict=conflict,
        )

        upload_result.additional_properties = d
        return upload_result

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
