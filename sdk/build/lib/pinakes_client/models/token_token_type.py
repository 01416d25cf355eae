# generated from openapi/openapi.json by codegen/generate.py — do not edit
from enum import StrEnum


class TokenTokenType(StrEnum):
    BEARER = "Bearer"

    def __str__(self) -> str:
        return str(self.value)
