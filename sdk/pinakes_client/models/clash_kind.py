# generated from openapi/openapi.json by codegen/generate.py — do not edit
from enum import StrEnum


class ClashKind(StrEnum):
    CASE = "case"
    FILE = "file"
    FOLDER = "folder"
    NAME = "name"

    def __str__(self) -> str:
        return str(self.value)
