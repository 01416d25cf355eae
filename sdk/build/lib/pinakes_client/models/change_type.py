# generated from openapi/openapi.json by codegen/generate.py — do not edit
from enum import StrEnum


class ChangeType(StrEnum):
    CREATED = "created"
    DELETED = "deleted"
    MODIFIED = "modified"
    MOVED = "moved"

    def __str__(self) -> str:
        return str(self.value)
