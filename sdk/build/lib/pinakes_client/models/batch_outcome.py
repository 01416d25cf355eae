# generated from openapi/openapi.json by codegen/generate.py — do not edit
from enum import StrEnum


class BatchOutcome(StrEnum):
    ACCEPTED = "accepted"
    CONFLICT = "conflict"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
