"""What the contract-derived matrices share: the contract as the server reads it, a valid body
for each operation that takes JSON, and one caller whose library every case must leave as it
was."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from pinakes_server.openapi.spec import load_spec

from ..conftest import Account, DeviceClient, device_client, new_user, sha256
from .test_isolation import OPERATIONS

SPEC = load_spec()


def resolve(node: dict) -> dict:
    """A schema or parameter with its (local) `$ref`s followed."""
    while "$ref" in node:
        target: dict = SPEC
        for key in node["$ref"].removeprefix("#/").split("/"):
            target = target[key]
        node = target
    return node


def operation_of(op_id: str) -> dict:
    operation = OPERATIONS[op_id]
    return SPEC["paths"][operation.path][operation.method.lower()]


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


def snapshot(caller: Caller) -> list[object]:
    """What the caller's user token sees of its library."""
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
