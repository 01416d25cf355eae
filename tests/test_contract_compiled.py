"""The compiled contract checks give stock openapi-core's verdicts and errors.

The compiled stack (`pinakes_server.openapi.compiled`) is what makes validation cheap; it is
only allowed to be faster. Here it meets stock openapi-core on every schema of the contract
with generated values, and on requests and responses chosen to hit each rule. (The test
servers also compare the two on every request and response they serve.)
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema_path import SchemaPath
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from pinakes_server.openapi import compiled
from pinakes_server.openapi.requests import SanicOpenAPIRequest
from pinakes_server.openapi.spec import load_spec, operations
from pinakes_server.openapi.validation import (
    ContractValidator,
    ResponseContractBroken,
    _signature,
    _Validators,
)
from sanic import HTTPResponse
from sanic.compat import Header

SPEC = load_spec()
SPEC_PATH = SchemaPath.from_dict(SPEC)
SCHEMAS = sorted(SPEC["components"]["schemas"])
FAST = _Validators.build(SPEC, fast=True)
STOCK = _Validators.build(SPEC, fast=False)
FACTORY = compiled.CompiledSchemaValidatorsFactory(SPEC["components"])

# Values near every edge the contract's formats and integer widths have.
EDGES = [
    "2026-11-27T01:07:48Z", "2026-11-27T01:07:48.531955+01:00", "2026-11-27t01:07:48z",
    "2016-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
    "2026-11-27 01:07:48Z", "2026-11-27T01:07:48Z\n", "2026-11-27T01:07:48",
    str(uuid.UUID(int=7)), str(uuid.UUID(int=7)).upper(), uuid.UUID(int=7).hex,
    "{" + str(uuid.UUID(int=7)) + "}", "urn:uuid:" + str(uuid.UUID(int=7)),
    "a" * 64, "A" * 64, "a" * 63, "g" * 64, "", "laptop", "phone", "created", "modified",
    "deleted", "moved", "keep_local", "keep_server", "keep_both", "../x", "dir/file.txt",
    2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**31, 2**64 - 1, 0, -1, 1, 1.0, 1.5, True,
    False, None,
]  # fmt: skip


def _property_names(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        found.update(k for k in node.get("properties", {}) if isinstance(k, str))
        for value in node.values():
            _property_names(value, found)
    elif isinstance(node, list):
        for value in node:
            _property_names(value, found)
    return found


NAMES = sorted(_property_names(SPEC["components"], set()))
SCALARS = st.one_of(
    st.sampled_from(EDGES), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(NAMES), inner, max_size=12),
    ),
    max_leaves=30,
)


def stock_accepts(name: str, value: Any) -> bool:
    schema = SPEC_PATH / "components" / "schemas" / name
    stock = compiled.oas31_schema_validators_factory.create(SPEC_PATH, schema)
    return not list(stock.validator.iter_errors(value))


@pytest.mark.parametrize("name", SCHEMAS)
@settings(max_examples=150, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
def test_jsonschema_rs_never_accepts_what_stock_rejects(name: str, value: Any) -> None:
    schema = SPEC_PATH / "components" / "schemas" / name
    fast = FACTORY.create(SPEC_PATH, schema)
    assert isinstance(fast, compiled.RustFirstSchemaValidator)
    if fast.compiled.is_valid(value):
        assert stock_accepts(name, value), (name, value)


def test_a_subschema_validator_is_stock_and_checks_its_subschema() -> None:
    """Casting matches anyOf/oneOf branches through `evolve`."""
    device = SPEC_PATH / "components" / "schemas" / "Device"
    fast = FACTORY.create(SPEC_PATH, device)
    branch = fast.evolve(device / "properties" / "last_seen_at")
    assert type(branch) is compiled.SchemaValidator
    branch.validate(None)
    branch.validate("2026-11-27T01:07:48Z")
    with pytest.raises(InvalidSchemaValue):
        branch.validate("yesterday")


def final_verdict(validator: compiled.RustFirstSchemaValidator, value: Any) -> bool:
    try:
        validator.validate(value)
    except InvalidSchemaValue:
        return False
    return True


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_formats_and_widths_agree_at_their_edges(value: Any) -> None:
    """jsonschema-rs may be stricter (Rust's `$` refuses a final newline that Python's allows):
    then stock openapi-core has the last word, as it does for every rejection."""
    for name in SCHEMAS:
        fast = FACTORY.create(SPEC_PATH, SPEC_PATH / "components" / "schemas" / name)
        for candidate in (value, {n: value for n in NAMES}):
            stock = stock_accepts(name, candidate)
            assert stock or not fast.compiled.is_valid(candidate), (name, candidate)
            assert final_verdict(fast, candidate) == stock, (name, candidate)


def request(
    method: str, path: str, *, query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None, body: object = None, raw: bytes | None = None,
) -> tuple[SimpleNamespace, Any]:  # fmt: skip
    """A Sanic-like request for the operation at `path` (a contract template)."""
    op = next(o for o in operations(SPEC) if (o.method, o.path) == (method, path))
    payload = raw if raw is not None else (b"" if body is None else orjson.dumps(body))
    head = {"authorization": "Bearer x.y.z", **(headers or {})}
    if payload and "content-type" not in head:
        head["content-type"] = "application/json"
    fake = SimpleNamespace(
        get_query_args=lambda keep_blank_values: list((query or {}).items()),
        headers=Header(head), cookies={}, body=payload, query_string=urlencode(query or {}),
        ctx=SimpleNamespace(params={}),
    )  # fmt: skip
    return fake, op


DEVICE = str(uuid.UUID(int=1))
CHANGES = "/api/v1/sync/changes"
REPORT = "/api/v1/sync/report"
SHA = "a" * 64
DELETION = {"path": "a.txt", "change_type": "deleted"}
REQUESTS = {
    "list devices": (request("GET", "/api/v1/sync/devices"), True),
    "no token": (request("GET", "/api/v1/sync/devices", headers={"authorization": ""}), False),
    "feed": (request("GET", CHANGES, query={"cursor": "5", "limit": "10"}), True),
    "limit not int": (request("GET", CHANGES, query={"limit": "ten"}), False),
    "limit too big": (request("GET", CHANGES, query={"limit": "100000"}), False),
    "empty limit": (request("GET", CHANGES, query={"limit": ""}), False),
    "cursor int64": (request("GET", CHANGES, query={"cursor": str(2**63)}), False),
    "report": (request("POST", REPORT, body={"changes": [
        {"path": "a.txt", "change_type": "created", "content_hash": SHA, "size": 1,
         "mtime": "2026-11-27T01:07:48Z", "base_version": 0}]}), True),
    "report bad enum": (request("POST", REPORT, body={"changes": [
        {"path": "a.txt", "change_type": "exploded"}]}), False),
    "report extra key": (request("POST", REPORT, body={"changes": [], "admin": True}), False),
    "report leap second": (request("POST", REPORT, body={"changes": [
        {"path": "a.txt", "change_type": "created", "content_hash": SHA, "size": 1,
         "mtime": "2016-12-31T23:59:60Z", "base_version": 0}]}), False),
    "report no body": (request("POST", REPORT), False),
    "report not json": (request("POST", REPORT, raw=b"{nope"), False),
    "report not utf-8": (request("POST", REPORT, raw=b'{"changes": ["\xff"]}'), False),
    "report as text": (request("POST", REPORT, raw=b"{}", headers={"content-type": "text/plain"}),
                       False),
    "report empty": (request("POST", REPORT, body={"changes": []}), False),
    "report charset": (request("POST", REPORT, body={"changes": [DELETION]},
                               headers={"content-type": "application/json; charset=utf-8"}), True),
    "device path id": (request("GET", "/api/v1/sync/devices/{id}"), False),
    "device path uuid": (request("GET", "/api/v1/sync/devices/{id}"), True),
    "range download": (request("GET", "/api/v1/sync/download/{path}",
                               headers={"range": "bytes=0-10", "if-none-match": '"x"'}), True),
    "too long range": (request("GET", "/api/v1/sync/download/{path}",
                               headers={"range": "bytes=" + "0-1," * 400}), False),
}  # fmt: skip
PATH_PARAMS = {
    "device path id": {"id": "nope"}, "device path uuid": {"id": DEVICE},
    "range download": {"path": "a/b.txt"}, "too long range": {"path": "a.txt"},
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REQUESTS))
def test_requests_get_stock_verdicts_and_errors(case: str) -> None:
    (fake, op), accepted = REQUESTS[case]
    wrapped = SanicOpenAPIRequest(fake, op, PATH_PARAMS.get(case, {}))
    fast = list(FAST.requests.iter_errors(wrapped))
    assert _signature(fast) == _signature(list(STOCK.requests.iter_errors(wrapped)))
    assert not fast if accepted else fast, fast


def device_body(**changes: Any) -> dict[str, Any]:
    stamp = "2026-11-27T01:07:48.531955Z"
    return {"id": DEVICE, "name": "laptop", "device_type": "laptop", "os_info": None,
            "client_version": None, "enabled": True, "sync_cursor": 0, "last_seen_at": stamp,
            "last_sync_at": None, "created_at": stamp, "updated_at": stamp, **changes}  # fmt: skip


RESPONSES = {
    "devices": (200, [device_body()], True),
    "devices bad type": (200, [device_body(device_type="toaster")], False),
    "devices missing id": (200, [{k: v for k, v in device_body().items() if k != "id"}], False),
    "devices bad stamp": (200, [device_body(created_at="yesterday")], False),
    "devices cursor width": (200, [device_body(sync_cursor=2**63)], False),
    "undocumented status": (418, [], False),
    "problem": (401, {"type": "unauthorized", "title": "t", "status": 401, "detail": "d",
                      "request_id": "r1"}, True),
    "problem without its id": (401, {"type": "unauthorized", "title": "t", "status": 401,
                                     "detail": "d"}, False),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(RESPONSES))
def test_responses_get_stock_verdicts_and_errors(case: str) -> None:
    status, body, accepted = RESPONSES[case]
    fake, op = request("GET", "/api/v1/sync/devices")
    problem = status == 401
    kind = "application/problem+json" if problem else "application/json"
    response = HTTPResponse(orjson.dumps(body), status=status, content_type=kind)
    response.headers["x-request-id"] = "r1"
    if problem:
        response.headers["www-authenticate"] = "Bearer"
    checks = ContractValidator(SPEC, validate_responses=True, cross_check=True)
    if accepted:
        checks.check_response(fake, op, response)
    else:
        with pytest.raises(ResponseContractBroken, match="outside its contract"):
            checks.check_response(fake, op, response)
