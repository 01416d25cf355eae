"""Mass assignment, from openapi.json: every field the server owns (what an operation's answer
carries but its request body does not) sent in that body is a 400, and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from pinakes_server.openapi.spec import load_spec

from ..conftest import Account, DeviceClient, assert_problem, device_client, new_user, sha256
from .test_isolation import OPERATIONS

SPEC = load_spec()
SCHEMAS = SPEC["components"]["schemas"]


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _properties(schema: dict) -> dict[str, dict]:
    """Properties of a schema and of the objects it nests (items, properties, anyOf)."""
    schema = _resolve(schema)
    found: dict[str, dict] = {}
    for name, sub in schema.get("properties", {}).items():
        found.setdefault(name, _resolve(sub))
        found.update({k: v for k, v in _properties(sub).items() if k not in found})
    for key in ("items",):
        if key in schema:
            found.update({k: v for k, v in _properties(schema[key]).items() if k not in found})
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []):
        found.update({k: v for k, v in _properties(alternative).items() if k not in found})
    return found


def _operation(op_id: str) -> dict:
    operation = OPERATIONS[op_id]
    return SPEC["paths"][operation.path][operation.method.lower()]


def _request_schema(op_id: str) -> dict:
    return _operation(op_id)["requestBody"]["content"]["application/json"]["schema"]


def server_owned(op_id: str) -> dict[str, dict]:
    """Fields in the operation's success answer that its request body does not take."""
    answered: dict[str, dict] = {}
    for status, response in _operation(op_id)["responses"].items():
        if status.startswith("2"):
            response = SPEC["components"]["responses"].get(
                response.get("$ref", "").rsplit("/", 1)[-1], response
            )
            for media in response.get("content", {}).values():
                answered.update(_properties(media["schema"]))
    return {k: v for k, v in answered.items() if k not in _properties(_request_schema(op_id))}


def _value_for(schema: dict) -> object:
    """A well-typed value, so the only thing wrong with the body is the field itself."""
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    return {
        "boolean": True, "integer": 7, "number": 7, "array": [], "object": {},
    }.get(kind or "", {"uuid": str(uuid.uuid4()), "date-time": "2026-01-01T00:00:00Z"}.get(
        schema.get("format", ""), "x"
    ))  # fmt: skip


@dataclass
class Caller:
    account: Account
    device: DeviceClient


Body = Callable[[Caller], tuple[str, str, dict]]  # → method, path, a valid body

VALID: dict[str, Body] = {
    "register_user": lambda c: ("POST", "/api/v1/auth/register",
                                {"username": f"m{uuid.uuid4().hex[:10]}", "password": "x" * 12}),
    "login": lambda c: ("POST", "/api/v1/auth/login",
                        {"username": c.account.username, "password": "wrong password"}),
    "device_login": lambda c: ("POST", "/api/v1/auth/device-login",
                               {"device_token": "pkd_" + "0" * 43}),
    "register_device": lambda c: ("POST", "/api/v1/sync/devices",
                                  {"name": "new", "device_type": "laptop"}),
    "update_device": lambda c: ("PUT", f"/api/v1/sync/devices/{c.device.id}", {"name": "renamed"}),
    "report_changes": lambda c: ("POST", "/api/v1/sync/report", {
        "device_id": c.device.id,
        "changes": [{"path": "m.txt", "change_type": "created", "content_hash": sha256(b"m")}],
    }),
    "ack_changes": lambda c: ("POST", "/api/v1/sync/ack", {"cursor": 0, "device_id": c.device.id}),
    "resolve_conflict": lambda c: ("POST", f"/api/v1/sync/conflicts/{uuid.uuid4()}/resolve",
                                   {"resolution": "keep_remote"}),
    "download_batch": lambda c: ("POST", "/api/v1/sync/download-batch", {"paths": ["m.txt"]}),
    "create_upload": lambda c: ("POST", "/api/v1/sync/upload", {
        "target_path": "m.bin", "expected_hash": sha256(b""), "expected_size": 0,
        "device_id": c.device.id,
    }),
}  # fmt: skip

JSON_BODY_OPERATIONS = sorted(
    op_id
    for op_id in OPERATIONS
    if "application/json" in _operation(op_id).get("requestBody", {}).get("content", {})
)


def test_every_json_body_operation_has_a_valid_body() -> None:
    assert set(VALID) == set(JSON_BODY_OPERATIONS)


def _snapshot(caller: Caller) -> list[object]:
    with caller.account.client() as api:
        return [
            api.get(path).json()
            for path in ("/api/v1/auth/me", "/api/v1/sync/devices", "/api/v1/sync/files",
                         "/api/v1/sync/changes", "/api/v1/sync/conflicts")
        ]  # fmt: skip


@pytest.fixture(scope="module")
def caller(admin: Account) -> Iterator[Caller]:
    """One user for the module: every case must leave it as it was anyway."""
    account = new_user(admin)
    caller = Caller(account, device_client(account, "laptop"))
    yield caller
    caller.device.api.close()


CASES = [
    pytest.param(op_id, field, id=f"{op_id}-{field}")
    for op_id in JSON_BODY_OPERATIONS
    for field in sorted(server_owned(op_id))
]


def test_every_body_operation_has_server_owned_fields_to_try() -> None:
    """The derivation finds something for each: a broken one would make the matrix empty.
    (An ack's answer only repeats its cursor; a download batch answers with bytes.)"""
    nothing_owned = ("ack_changes", "download_batch")
    assert all(server_owned(op_id) for op_id in JSON_BODY_OPERATIONS if op_id not in nothing_owned)
    assert {"id", "is_admin", "created_at"} <= server_owned("register_user").keys()
    assert {"seq", "version", "detected_at"} <= server_owned("report_changes").keys()
    assert {"status", "received_chunks", "bytes_received"} <= server_owned("create_upload").keys()


@pytest.mark.parametrize(("op_id", "field"), CASES)
def test_a_server_owned_field_in_a_body_is_rejected(caller: Caller, op_id: str, field: str) -> None:
    method, path, body = VALID[op_id](caller)
    value = _value_for(server_owned(op_id)[field])
    if op_id == "report_changes" and field not in ("accepted", "conflicts", "upload_required"):
        body["changes"][0][field] = value  # a change's own server fields (seq, version …)
    else:
        body[field] = value
    before = _snapshot(caller)
    # Registration is closed to Alice: the body alone must make it a 400, before the 403.
    token = None if op_id == "register_user" else caller.account.token
    with caller.account.client(token) as api:
        reply = api.request(method, path, json=body)
    problem = assert_problem(reply, 400, "validation-failed")
    assert any(field in e["location"] + e["message"] for e in problem["errors"]), problem
    assert _snapshot(caller) == before
