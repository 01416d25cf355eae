"""The two-user matrix, built from openapi.json: every operation that takes an id, a path, a
device or a cursor is called by Bob with Alice's object, and by one of Alice's devices with
her other device. Each must refuse (403/404) or answer only with the caller's own data, and
leave Alice's library exactly as it was. A new operation fails the suite until it is
classified here.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from pinakes_server.openapi.spec import load_spec, operations

from ..conftest import CHUNK, Account, DeviceClient, device_client, new_user, sha256

# Every operation of the contract, as the server itself reads it.
OPERATIONS = {op.operation_id: op for op in operations(load_spec())}
# Operations that act on no user's object: who may call them is tested in test_auth.
NO_USER_OBJECT = {
    "health", "get_metrics", "get_openapi", "get_docs", "get_docs_asset", "register_user", "login",
    "device_login", "get_me", "list_devices", "register_device",
}  # fmt: skip

# Strings only Alice's data holds: no answer to anyone else may contain one.
SECRET_PATH = "private/alice-only diary.txt"
SECRET_BYTES = b"alice's diary, for her devices only\n" * 100
SECRET_DEVICE_NAME = "alices-hidden-laptop"


@dataclass
class World:
    """Alice's library (a file, a conflict, an open upload, two devices) and Bob."""

    alice: Account
    laptop: DeviceClient  # Alice's first device: wrote the file, holds the open upload
    phone: DeviceClient  # Alice's second device: its stale edit made the conflict
    session_id: str
    conflict_id: str
    last_seq: int
    bob: Account
    bob_device: DeviceClient

    def snapshot(self) -> dict[str, object]:
        """What Alice's own user token sees of everything the probes aim at."""
        with self.alice.client() as api:
            devices = api.get("/api/v1/sync/devices").json()
            return {
                "devices": sorted(devices, key=lambda d: d["id"]),
                "files": api.get("/api/v1/sync/files").json()["files"],
                "changes": api.get("/api/v1/sync/changes", params={"cursor": 0}).json(),
                "conflicts": api.get("/api/v1/sync/conflicts").json(),
                "upload": api.get(f"/api/v1/sync/upload/{self.session_id}").json(),
                "download": api.get(f"/api/v1/sync/download/{quote(SECRET_PATH)}").content,
            }


@pytest.fixture(scope="module")
def world(admin: Account) -> Iterator[World]:
    alice = new_user(admin, "alice")
    laptop, phone = device_client(alice, SECRET_DEVICE_NAME), device_client(alice, "alices-phone")
    laptop.upload(SECRET_PATH, SECRET_BYTES)
    assert laptop.upload(SECRET_PATH, b"laptop's edit", base_version=1)["file"]["version"] == 2
    conflict = phone.upload(SECRET_PATH, b"phone's stale edit", base_version=1)["conflict"]
    session = laptop.api.post(
        "/api/v1/sync/upload",
        json={"target_path": "private/half.bin", "expected_hash": "a" * 64,
              "expected_size": 2 * CHUNK, "chunk_size": CHUNK},
    )  # fmt: skip
    assert session.status_code == 200, session.text
    bob = new_user(admin, "bob")
    world = World(
        alice, laptop, phone, session.json()["id"], conflict["id"],
        laptop.changes()["cursor"], bob, device_client(bob, "bobs-laptop"),
    )  # fmt: skip
    yield world
    for device in (laptop, phone, world.bob_device):
        device.api.close()


@dataclass(frozen=True)
class Probe:
    """One call aimed at Alice's object; `refused` is None when the answer must be 200 with
    nothing of hers in it (lists and feeds are scoped to the caller). Another user's object is
    404, as an unknown id is: an answer never tells that an id exists."""

    call: Callable[[World, httpx.Client], httpx.Response]
    refused: frozenset[int] | None = frozenset({404})


def _chunk(w: World, api: httpx.Client) -> httpx.Response:
    return api.put(
        f"/api/v1/sync/upload/{w.session_id}/chunks/0", content=b"x" * CHUNK,
        headers={"content-type": "application/octet-stream"},
    )  # fmt: skip


def _report(
    device_id: Callable[[World], str | None],
) -> Callable[[World, httpx.Client], httpx.Response]:
    def call(w: World, api: httpx.Client) -> httpx.Response:
        change = {"path": SECRET_PATH, "change_type": "deleted", "base_version": 2}
        return api.post(
            "/api/v1/sync/report", json={"device_id": device_id(w), "changes": [change]}
        )

    return call


def _upload(device_id: Callable[[World], str]) -> Callable[[World, httpx.Client], httpx.Response]:
    def call(w: World, api: httpx.Client) -> httpx.Response:
        body = {"target_path": SECRET_PATH, "expected_hash": sha256(b""), "expected_size": 0,
                "device_id": device_id(w)}  # fmt: skip
        return api.post("/api/v1/sync/upload", json=body)

    return call


def _batch(device_id: Callable[[World], str]) -> Callable[[World, httpx.Client], httpx.Response]:
    def call(w: World, api: httpx.Client) -> httpx.Response:
        manifest = {"device_id": device_id(w), "items": [
            {"path": SECRET_PATH, "content_hash": sha256(b"overwritten"), "size": 11},
        ]}  # fmt: skip
        request = api.build_request("POST", "/api/v1/sync/upload/batch", files=[
            ("manifest", (None, json.dumps(manifest), "application/json")),
            ("files", ("f", b"overwritten", "application/octet-stream")),
        ])  # fmt: skip
        request.read()  # (a multipart body streams: read, the leak check can look at it)
        return api.send(request)

    return call


def _ack(device_id: Callable[[World], str]) -> Callable[[World, httpx.Client], httpx.Response]:
    return lambda w, api: api.post(
        "/api/v1/sync/ack", json={"cursor": 0, "device_id": device_id(w)}
    )


def _laptop(w: World) -> str:
    return w.laptop.id


# Naming a device in a sync request: a device token naming any device but its own is 403,
# whatever the id (nothing learnt); a user token naming another user's device, 404.
NAMES_A_DEVICE = frozenset({403, 404})

# Bob's calls, each aimed at one object of Alice's.
CROSS_USER: dict[str, list[Probe]] = {
    "get_device": [Probe(lambda w, api: api.get(f"/api/v1/sync/devices/{w.laptop.id}"))],
    "update_device": [
        Probe(
            lambda w, api: api.put(f"/api/v1/sync/devices/{w.laptop.id}", json={"enabled": False})
        )
    ],
    "delete_device": [Probe(lambda w, api: api.delete(f"/api/v1/sync/devices/{w.laptop.id}"))],
    "regenerate_device_token": [
        Probe(lambda w, api: api.post(f"/api/v1/sync/devices/{w.laptop.id}/token"))
    ],
    "report_changes": [Probe(_report(_laptop), refused=NAMES_A_DEVICE)],
    "ack_changes": [Probe(_ack(_laptop), refused=NAMES_A_DEVICE)],
    "create_upload": [Probe(_upload(_laptop), refused=NAMES_A_DEVICE)],
    "upload_batch": [Probe(_batch(_laptop), refused=NAMES_A_DEVICE)],
    "get_upload": [Probe(lambda w, api: api.get(f"/api/v1/sync/upload/{w.session_id}"))],
    "cancel_upload": [Probe(lambda w, api: api.delete(f"/api/v1/sync/upload/{w.session_id}"))],
    "upload_chunk": [Probe(_chunk)],
    "complete_upload": [
        Probe(lambda w, api: api.post(f"/api/v1/sync/upload/{w.session_id}/complete"))
    ],
    "list_conflicts": [
        Probe(lambda w, api: api.get("/api/v1/sync/conflicts", params={"device_id": w.phone.id})),
        Probe(lambda w, api: api.get("/api/v1/sync/conflicts"), refused=None),
    ],
    "resolve_conflict": [
        Probe(
            lambda w, api: api.post(
                f"/api/v1/sync/conflicts/{w.conflict_id}/resolve", json={"resolution": "keep_local"}
            )
        )
    ],
    "download_file": [Probe(lambda w, api: api.get(f"/api/v1/sync/download/{quote(SECRET_PATH)}"))],
    "head_file": [Probe(lambda w, api: api.head(f"/api/v1/sync/download/{quote(SECRET_PATH)}"))],
    # Bob's own library holds no such path: it is `missing` for him (his words, echoed).
    "download_batch": [
        Probe(
            lambda w, api: api.post("/api/v1/sync/download-batch", json={"paths": [SECRET_PATH]}),
            refused=None,
        )
    ],
    # Alice's cursor and path mean nothing in Bob's library: he sees his own (empty) one.
    "get_changes": [
        Probe(lambda w, api: api.get("/api/v1/sync/changes", params={"cursor": 0}), refused=None),
        Probe(
            lambda w, api: api.get("/api/v1/sync/changes", params={"cursor": w.last_seq - 1}),
            refused=frozenset({410}),  # ahead of Bob's log: he must re-list his own files
        ),
    ],
    "list_files": [
        Probe(lambda w, api: api.get("/api/v1/sync/files"), refused=None),
        Probe(lambda w, api: api.get("/api/v1/sync/files", params={"after": "a"}), refused=None),
    ],
}


def _phone(w: World) -> str:
    return w.phone.id


# Alice's laptop (its device-bound token) acting for her phone: only the user token may.
CROSS_DEVICE: dict[str, Probe] = {
    "update_device": Probe(
        lambda w, api: api.put(f"/api/v1/sync/devices/{w.phone.id}", json={"enabled": False}),
        refused=frozenset({403}),
    ),
    "delete_device": Probe(
        lambda w, api: api.delete(f"/api/v1/sync/devices/{w.phone.id}"), refused=frozenset({403})
    ),
    "regenerate_device_token": Probe(
        lambda w, api: api.post(f"/api/v1/sync/devices/{w.phone.id}/token"),
        refused=frozenset({403}),
    ),
    "report_changes": Probe(_report(_phone), refused=frozenset({403})),
    "ack_changes": Probe(_ack(_phone), refused=frozenset({403})),
    "create_upload": Probe(_upload(_phone), refused=frozenset({403})),
    "upload_batch": Probe(_batch(_phone), refused=frozenset({403})),
}


def test_every_operation_is_classified() -> None:
    """A new operation in the contract must join the matrix (or be declared object-free)."""
    classified = NO_USER_OBJECT | CROSS_USER.keys()
    assert set(OPERATIONS) == classified, (
        f"unclassified: {sorted(set(OPERATIONS) - classified)}; "
        f"gone from the contract: {sorted(classified - set(OPERATIONS))}"
    )
    assert CROSS_DEVICE.keys() <= CROSS_USER.keys()


CASES = [
    pytest.param(op_id, index, as_device, id=f"{op_id}-{index}-{'device' if as_device else 'user'}")
    for op_id, probes in CROSS_USER.items()
    for index in range(len(probes))
    for as_device in (False, True)
]


def _assert_refused_or_own(reply: httpx.Response, probe: Probe) -> None:
    if probe.refused is None:
        assert reply.status_code == 200, reply.text
    else:
        assert reply.status_code in probe.refused, reply.text
        if reply.request.method != "HEAD":
            assert reply.headers["content-type"].startswith("application/problem+json")
    sent = str(reply.request.url) + reply.request.content.decode()
    for secret in (SECRET_PATH, sha256(SECRET_BYTES), SECRET_DEVICE_NAME, "alices-phone"):
        if secret not in sent and quote(secret) not in sent:  # echoing the caller is no leak
            assert secret not in reply.text, f"{secret!r} leaked: {reply.text[:500]}"


@pytest.mark.parametrize(("op_id", "index", "as_device"), CASES)
def test_another_users_object_is_refused_and_untouched(
    world: World, op_id: str, index: int, as_device: bool
) -> None:
    probe = CROSS_USER[op_id][index]
    before = world.snapshot()
    with contextlib.nullcontext(world.bob_device.api) if as_device else world.bob.client() as api:
        reply = probe.call(world, api)
    _assert_refused_or_own(reply, probe)
    assert world.snapshot() == before


@pytest.mark.parametrize("op_id", CROSS_DEVICE)
def test_a_device_cannot_act_for_anotherdevice_client(world: World, op_id: str) -> None:
    probe = CROSS_DEVICE[op_id]
    before = world.snapshot()
    reply = probe.call(world, world.laptop.api)
    assert reply.status_code in (probe.refused or ()), reply.text
    assert reply.json()["type"] == "forbidden"
    assert world.snapshot() == before
