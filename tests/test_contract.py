"""The contract is complete and well-formed, and the server routes exactly what it says."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from openapi_spec_validator import validate
from pinakes_server.app import create_app
from pinakes_server.config import Config
from pinakes_server.handlers import HANDLERS
from pinakes_server.openapi.spec import AuthMode, Operation, load_spec, operations
from pinakes_server.openapi.validation import ContractValidator, ResponseContractBroken
from pinakes_server.routing import register_routes
from sanic import HTTPResponse
from sanic.compat import Header

SPEC = load_spec()
OPERATIONS = operations(SPEC)
_app_names = (f"contract_test_{n}" for n in itertools.count())

# Every operation DESIGN.md names, by method and canonical path.
EXPECTED = {
    ("GET", "/health"): "health",
    ("GET", "/metrics"): "get_metrics",
    ("GET", "/openapi.json"): "get_openapi",
    ("GET", "/docs"): "get_docs",
    ("GET", "/docs/{asset}"): "get_docs_asset",
    ("POST", "/api/v1/auth/register"): "register_user",
    ("POST", "/api/v1/auth/login"): "login",
    ("POST", "/api/v1/auth/device-login"): "device_login",
    ("GET", "/api/v1/auth/me"): "get_me",
    ("GET", "/api/v1/sync/devices"): "list_devices",
    ("POST", "/api/v1/sync/devices"): "register_device",
    ("GET", "/api/v1/sync/devices/{id}"): "get_device",
    ("PUT", "/api/v1/sync/devices/{id}"): "update_device",
    ("DELETE", "/api/v1/sync/devices/{id}"): "delete_device",
    ("POST", "/api/v1/sync/devices/{id}/token"): "regenerate_device_token",
    ("POST", "/api/v1/sync/report"): "report_changes",
    ("GET", "/api/v1/sync/changes"): "get_changes",
    ("GET", "/api/v1/sync/files"): "list_files",
    ("POST", "/api/v1/sync/ack"): "ack_changes",
    ("GET", "/api/v1/sync/conflicts"): "list_conflicts",
    ("POST", "/api/v1/sync/conflicts/{id}/resolve"): "resolve_conflict",
    ("POST", "/api/v1/sync/upload"): "create_upload",
    ("GET", "/api/v1/sync/upload/{id}"): "get_upload",
    ("DELETE", "/api/v1/sync/upload/{id}"): "cancel_upload",
    ("POST", "/api/v1/sync/upload/batch"): "upload_batch",
    ("PUT", "/api/v1/sync/upload/{id}/chunks/{index}"): "upload_chunk",
    ("POST", "/api/v1/sync/upload/{id}/complete"): "complete_upload",
    ("GET", "/api/v1/sync/download/{path}"): "download_file",
    ("HEAD", "/api/v1/sync/download/{path}"): "head_file",
    ("POST", "/api/v1/sync/download-batch"): "download_batch",
}
PUBLIC = {"health", "get_openapi", "get_docs", "get_docs_asset", "login", "device_login"}


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = SPEC["components"][kind][name]
    return node


def operation_objects() -> list[tuple[Operation, dict[str, Any]]]:
    return [(op, SPEC["paths"][op.path][op.method.lower()]) for op in OPERATIONS]


def test_the_contract_is_valid_openapi() -> None:
    validate(SPEC)
    assert SPEC["openapi"] == "3.1.0"
    assert SPEC["servers"] == [{"url": "/"}]


def test_every_designed_operation_is_in_the_contract() -> None:
    assert {(op.method, op.path): op.operation_id for op in OPERATIONS} == EXPECTED


def test_security_is_bearer_except_for_public_operations() -> None:
    assert SPEC["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    }  # fmt: skip
    assert SPEC["components"]["securitySchemes"]["metricsToken"]["scheme"] == "bearer"
    modes = {op.operation_id: op.auth for op in OPERATIONS}
    assert {name for name, mode in modes.items() if mode is AuthMode.NONE} == PUBLIC
    assert modes["register_user"] is AuthMode.OPTIONAL
    assert {name for name, mode in modes.items() if mode is AuthMode.METRICS} == {"get_metrics"}
    for op, obj in operation_objects():
        if op.auth in (AuthMode.REQUIRED, AuthMode.METRICS):
            assert "401" in obj["responses"], op.operation_id


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_operation_is_documented_completely(op: Operation) -> None:
    obj = SPEC["paths"][op.path][op.method.lower()]
    declared_tags = {tag["name"] for tag in SPEC["tags"]}
    assert obj["summary"] and len(obj["tags"]) == 1 and obj["tags"][0] in declared_tags
    for status, response in obj["responses"].items():
        response = resolve(response)
        if status.startswith(("4", "5")):
            assert list(response["content"]) == ["application/problem+json"], status
    body = obj.get("requestBody")
    if body and "application/json" in body["content"]:
        schema = resolve(body["content"]["application/json"]["schema"])
        assert schema["additionalProperties"] is False
        assert body["required"] is True
        assert {"400", "413", "415"} <= obj["responses"].keys()


def test_server_owned_fields_are_read_only() -> None:
    schemas = SPEC["components"]["schemas"]
    for name in ("User", "Device"):
        for field in ("id", "created_at"):
            assert schemas[name]["properties"][field]["readOnly"] is True, (name, field)
    for field in ("sync_cursor", "last_seen_at", "last_sync_at", "updated_at"):
        assert schemas["Device"]["properties"][field]["readOnly"] is True


def test_links_lead_from_created_ids_to_their_operations() -> None:
    def links(path: str, method: str) -> set[str]:
        response = SPEC["paths"][path][method]["responses"]["200"]
        return {link["operationId"] for link in response["links"].values()}

    assert links("/api/v1/sync/devices", "post") == {
        "get_device", "update_device", "delete_device", "regenerate_device_token",
    }  # fmt: skip
    assert links("/api/v1/sync/upload", "post") == {
        "get_upload", "upload_chunk", "complete_upload", "cancel_upload",
    }  # fmt: skip
    assert links("/api/v1/sync/changes", "get") == {"ack_changes"}


def test_route_table_equals_the_contract_plus_legacy_aliases(tmp_path: Any) -> None:
    app = create_app(Config(data_dir=tmp_path, validate_responses=True), name=next(_app_names))
    routed = {(method, "/" + route.path) for route in app.router.routes for method in route.methods}
    expected = set()
    for op in OPERATIONS:
        expected.add((op.method, op.path))
        if op.path.startswith("/api/v1/sync/"):
            expected.add((op.method, op.path.replace("/api/v1/sync/", "/api/sync/", 1)))
    normalise = {"<id:str>": "{id}", "<index:str>": "{index}", "<asset:str>": "{asset}",
                 "<path:path>": "{path}"}  # fmt: skip
    for sanic_form, template in normalise.items():
        routed = {(m, p.replace(sanic_form, template)) for m, p in routed}
    assert routed == expected


def test_start_up_fails_on_a_missing_or_extra_handler(tmp_path: Any) -> None:
    from sanic import Sanic

    missing = {k: v for k, v in HANDLERS.items() if k != "get_me"}
    with pytest.raises(RuntimeError, match="get_me"):
        register_routes(Sanic(next(_app_names)), OPERATIONS, missing)
    extra = {**HANDLERS, "shadow_route": HANDLERS["health"]}
    with pytest.raises(RuntimeError, match="shadow_route"):
        register_routes(Sanic(next(_app_names)), OPERATIONS, extra)


def fake_request() -> SimpleNamespace:
    """Just what the openapi-core request wrapper reads of a Sanic request."""
    return SimpleNamespace(
        get_query_args=lambda keep_blank_values: [], headers=Header(), cookies={}, body=b"",
        query_string="",
        ctx=SimpleNamespace(params={}),
    )  # fmt: skip


def json_response(body: object, status: int = 200) -> HTTPResponse:
    """A response as the server sends it (every one carries its request id)."""
    return HTTPResponse(
        orjson.dumps(body), status=status, content_type="application/json",
        headers={"X-Request-ID": "test-1"},
    )  # fmt: skip


HEALTH = next(op for op in OPERATIONS if op.operation_id == "health")


def test_a_response_outside_the_contract_is_caught() -> None:
    contract = ContractValidator(SPEC, validate_responses=True)
    contract.check_response(fake_request(), HEALTH, json_response({"status": "ok", "version": "1"}))
    bad_responses = [
        json_response({"status": "sick", "version": "1"}),
        json_response({"status": "ok"}),
        json_response({"status": "ok", "version": "1"}, status=418),
        HTTPResponse(
            orjson.dumps({"status": "ok", "version": "1"}), content_type="application/json"
        ),
    ]
    for bad in bad_responses:
        with pytest.raises(ResponseContractBroken):
            contract.check_response(fake_request(), HEALTH, bad)
    # Turned off by configuration, the same bad responses pass.
    unchecked = ContractValidator(SPEC, validate_responses=False)
    for bad in bad_responses:
        unchecked.check_response(fake_request(), HEALTH, bad)


def test_production_checks_requests_always_and_responses_only_when_asked() -> None:
    assert Config.from_env(env={}).validate_responses is False
    assert Config.from_env(env={"PINAKES_VALIDATE_RESPONSES": "1"}).validate_responses is True
