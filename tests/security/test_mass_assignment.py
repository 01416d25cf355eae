"""Mass assignment, from openapi.json: every field the server owns (what an operation's answer
carries but its request body does not) sent in that body is a 400, and changes nothing."""

from __future__ import annotations

import uuid

import pytest

from ..conftest import assert_problem
from .conftest import SPEC, VALID, Caller, operation_of, resolve, snapshot
from .test_isolation import OPERATIONS


def _properties(schema: dict) -> dict[str, dict]:
    """Properties of a schema and of the objects it nests (items, properties, anyOf)."""
    schema = resolve(schema)
    found: dict[str, dict] = {}
    for name, sub in schema.get("properties", {}).items():
        found.setdefault(name, resolve(sub))
        found.update({k: v for k, v in _properties(sub).items() if k not in found})
    for key in ("items",):
        if key in schema:
            found.update({k: v for k, v in _properties(schema[key]).items() if k not in found})
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []):
        found.update({k: v for k, v in _properties(alternative).items() if k not in found})
    return found


def _request_schema(op_id: str) -> dict:
    return operation_of(op_id)["requestBody"]["content"]["application/json"]["schema"]


def server_owned(op_id: str) -> dict[str, dict]:
    """Fields in the operation's success answer that its request body does not take."""
    answered: dict[str, dict] = {}
    for status, response in operation_of(op_id)["responses"].items():
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


JSON_BODY_OPERATIONS = sorted(
    op_id
    for op_id in OPERATIONS
    if "application/json" in operation_of(op_id).get("requestBody", {}).get("content", {})
)


def test_every_json_body_operation_has_a_valid_body() -> None:
    assert set(VALID) == set(JSON_BODY_OPERATIONS)


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
    before = snapshot(caller)
    # Registration is closed to Alice: the body alone must make it a 400, before the 403.
    token = None if op_id == "register_user" else caller.account.token
    with caller.account.client(token) as api:
        reply = api.request(method, path, json=body)
    problem = assert_problem(reply, 400, "validation-failed")
    assert any(field in e["location"] + e["message"] for e in problem["errors"]), problem
    assert snapshot(caller) == before
