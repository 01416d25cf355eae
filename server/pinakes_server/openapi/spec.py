"""The contract, read once: its operations are what the server routes and validates."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# openapi/openapi.json, as `make generate` copies it into the package (so a wheel has it).
SPEC_PATH = Path(__file__).resolve().parents[1] / "_generated" / "openapi.json"
# Sync operations are also served at the seed's legacy prefix (not repeated in the contract).
CANONICAL_SYNC_PREFIX = "/api/v1/sync/"
LEGACY_SYNC_PREFIX = "/api/sync/"
OCTET_STREAM = "application/octet-stream"
MULTIPART_FORM = "multipart/form-data"
# Bodies streamed to their handler, never buffered, checked there (length, digest, manifest).
STREAMED_MEDIA_TYPES = (OCTET_STREAM, MULTIPART_FORM)
# A library path may contain "/": the one multi-segment path parameter. Sanic routes it as
# <…:path> and leaves it percent-encoded; the middleware decodes it exactly once.
MULTI_SEGMENT_PARAMS = frozenset({"path"})
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class AuthMode(enum.Enum):
    NONE = "none"
    OPTIONAL = "optional"  # e.g. register: anonymous, or an admin's token
    REQUIRED = "required"
    METRICS = "metrics"  # the operator's PINAKES_METRICS_TOKEN, not a user's JWT


METRICS_SCHEME = "metricsToken"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case, as Sanic names methods
    path: str  # the contract's template, e.g. /api/v1/sync/devices/{id}
    auth: AuthMode
    # The media type of a body streamed to its handler (STREAMED_MEDIA_TYPES), else None.
    streamed: str | None = None

    @property
    def streaming(self) -> bool:
        return self.streamed is not None

    @property
    def legacy_path(self) -> str | None:
        if self.path.startswith(CANONICAL_SYNC_PREFIX):
            return LEGACY_SYNC_PREFIX + self.path.removeprefix(CANONICAL_SYNC_PREFIX)
        return None


@cache
def spec_bytes() -> bytes:
    return SPEC_PATH.read_bytes()


def load_spec() -> dict[str, Any]:
    return json.loads(spec_bytes())


def _auth_mode(requirements: list[dict[str, list[str]]]) -> AuthMode:
    if not requirements:
        return AuthMode.NONE
    if any(not requirement for requirement in requirements):
        return AuthMode.OPTIONAL
    if any(METRICS_SCHEME in requirement for requirement in requirements):
        return AuthMode.METRICS
    return AuthMode.REQUIRED


def _streamed(content: dict[str, Any]) -> str | None:
    return next((media for media in STREAMED_MEDIA_TYPES if media in content), None)


def operations(spec: dict[str, Any]) -> list[Operation]:
    default_security = spec.get("security", [])
    found = []
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                found.append(
                    Operation(
                        operation_id=op["operationId"],
                        method=method.upper(),
                        path=path,
                        auth=_auth_mode(op.get("security", default_security)),
                        streamed=_streamed(op.get("requestBody", {}).get("content", {})),
                    )
                )
    return found
