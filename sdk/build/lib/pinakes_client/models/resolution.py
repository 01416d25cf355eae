# generated from openapi/openapi.json by codegen/generate.py — do not edit
from enum import StrEnum


class Resolution(StrEnum):
    KEEP_BOTH = "keep_both"
    KEEP_LOCAL = "keep_local"
    KEEP_REMOTE = "keep_remote"

    def __str__(self) -> str:
        return str(self.value)
