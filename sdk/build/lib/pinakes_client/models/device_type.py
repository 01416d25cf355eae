# generated from openapi/openapi.json by codegen/generate.py — do not edit
from enum import StrEnum


class DeviceType(StrEnum):
    DESKTOP = "desktop"
    LAPTOP = "laptop"
    MOBILE = "mobile"
    OTHER = "other"
    SERVER = "server"
    TABLET = "tablet"

    def __str__(self) -> str:
        return str(self.value)
