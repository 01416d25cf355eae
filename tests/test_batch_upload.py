"""POST /sync/upload/batch: a report whose bytes come along, many small files in one request."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from .conftest import DeviceClient, assert_problem, sha256
from .live import LiveServer

BATCH = "/api/v1/sync/upload/batch"
OCTETS = "application/octet-stream"


def item(path: str, data: bytes, **fields: object) -> dict[str, object]:
    return {"path": path, "content_hash": sha256(data), "size": len(data), **fields}


def send(
    device: DeviceClient,
    items: list[dict[str, object]],
    bodies: list[bytes],
    url: str = BATCH,
    manifest: dict[str, object] | None = None,
) -> httpx.Response:
    """One batch, as multipart/form-data: the manifest first, then each item's bytes."""
    parts = [("manifest", (None, json.dumps(manifest or {"items": items}), "application/json"))]
    parts += [("files", (f"f{i}", body, OCTETS)) for i, body in enumerate(bodies)]
    return device.api.post(url, files=parts)


def outcomes(reply: httpx.Response) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [result["outcome"] for result in reply.json()["items"]]


def staged(server: LiveServer) -> list[str]:
    return [p.name for p in (server.data_dir / "uploads").iterdir()]


def test_each_item_is_accepted_conflicting_or_rejected_alone(
    two_devices: tuple[DeviceClient, DeviceClient], server: LiveServer
) -> None:
    laptop, phone = two_devices
    laptop.put("Notes/old.txt", b"the server's version")
    before = phone.changes()["cursor"]
    files = {
        "Notes/new.txt": b"a new note",
        "NOTES/second.txt": b"takes the folder's stored case",
        "Notes/old.txt": b"an edit that never saw version 1",
        "wrong-hash.txt": b"not what the manifest says",
        "wrong-size.txt": b"longer than announced",
        "empty.txt": b"",
    }
    items = [item(path, data) for path, data in files.items()]
    items[3]["content_hash"] = sha256(b"something else")
    items[4]["size"] = 5
    reply = send(laptop, items, list(files.values()))
    assert outcomes(reply) == [
        "accepted", "accepted", "conflict", "rejected", "rejected", "accepted",
    ]  # fmt: skip
    results = reply.json()["items"]
    assert [r["index"] for r in results] == list(range(6))
    assert results[1]["accepted"]["stored_path"] == "Notes/second.txt"
    assert results[2]["conflict"]["path"] == "Notes/old.txt"
    assert results[2]["conflict"]["local_hash"] == sha256(files["Notes/old.txt"])
    assert results[3]["problem"]["type"] == "hash-mismatch"
    assert results[3]["problem"]["detail"].startswith("the bytes of item 3 hash to")
    assert results[4]["problem"]["type"] == "validation-failed"

    page = phone.changes(cursor=before)
    assert [(c["path"], c["change_type"]) for c in page["changes"]] == [
        ("Notes/new.txt", "created"), ("Notes/second.txt", "created"), ("empty.txt", "created"),
    ]  # fmt: skip
    assert len({c["seq"] for c in page["changes"]}) == 3
    assert phone.download("Notes/new.txt") == b"a new note"
    assert phone.download("Notes/second.txt") == files["NOTES/second.txt"]
    assert phone.download("empty.txt") == b""
    assert laptop.download("Notes/old.txt") == b"the server's version"
    listed = {f["path"] for f in phone.api.get("/api/v1/sync/files").json()["files"]}
    assert "wrong-hash.txt" not in listed and "wrong-size.txt" not in listed
    assert not [name for name in staged(server) if name.startswith("batch-")]


def test_a_retried_batch_applies_nothing_twice(two_devices: tuple[DeviceClient, DeviceClient]):
    laptop, phone = two_devices
    files = {f"retry/{i}.txt": f"file {i}".encode() for i in range(20)}
    items = [item(path, data) for path, data in files.items()]
    first = send(laptop, items, list(files.values()))
    assert set(outcomes(first)) == {"accepted"}
    cursor = phone.changes()["cursor"]
    again = send(laptop, items, list(files.values()))
    assert set(outcomes(again)) == {"accepted"}
    assert [r["accepted"]["version"] for r in again.json()["items"]] == [1] * 20
    assert phone.changes()["cursor"] == cursor
    edits = [item(p, d + b" edited", base_version=1) for p, d in files.items()]
    legacy = "/api/sync/upload/batch"
    third = send(laptop, edits, [d + b" edited" for d in files.values()], url=legacy)
    assert [r["accepted"]["version"] for r in third.json()["items"]] == [2] * 20
    assert phone.download("retry/7.txt") == b"file 7 edited"


def test_items_without_bytes_are_rejected_alone(two_devices) -> None:
    laptop, _ = two_devices
    items = [item("came.txt", b"came"), item("missing.txt", b"never sent")]
    reply = send(laptop, items, [b"came"])
    assert outcomes(reply) == ["accepted", "rejected"]
    assert reply.json()["items"][1]["problem"]["detail"] == "no bytes came for item 1"


@pytest.mark.parametrize(
    ("parts", "location"),
    [
        ([("files", (None, b"x", "application/octet-stream"))], "body.manifest"),
        ([("manifest", (None, b"{not json", "application/json"))], "body.manifest"),
        ([("manifest", (None, b'{"items": []}', "application/json"))], "body.manifest.items"),
        ([("manifest", (None, json.dumps({"items": [item("/abs.txt", b"")]}), "application/json")),
          ("files", ("f", b"", "application/octet-stream"))], "body.manifest.items[0].path"),
        ([("manifest", (None, json.dumps({"items": [item("a.txt", b""), item("a.txt", b"")]}),
                        "application/json"))], "body.manifest.items[1].path"),
        ([("manifest", (None, json.dumps({"items": [item("a.txt", b"")]}), "application/json")),
          ("files", ("f", b"", "application/octet-stream")),
          ("files", ("g", b"", "application/octet-stream"))], "body.files"),
        ([("manifest", (None, json.dumps({"items": [item("a.txt", b"")], "extra": 1}),
                        "application/json"))], "body.manifest"),
    ],
)  # fmt: skip
def test_a_bad_batch_is_400_and_applies_nothing(
    two_devices: tuple[DeviceClient, DeviceClient], server: LiveServer, parts: list, location: str
) -> None:
    laptop, _ = two_devices
    cursor = laptop.changes()["cursor"]
    problem = assert_problem(laptop.api.post(BATCH, files=parts), 400, "validation-failed")
    assert any(issue["location"] == location for issue in problem["errors"]), problem
    assert laptop.changes()["cursor"] == cursor
    assert not [name for name in staged(server) if name.startswith("batch-")]


def test_a_body_that_is_not_multipart_is_refused(two_devices) -> None:
    laptop, _ = two_devices
    assert_problem(laptop.api.post(BATCH, json={"items": []}), 415, "unsupported-media-type")
    reply = laptop.api.post(
        BATCH, content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert_problem(reply, 400, "validation-failed")
    reply = laptop.api.post(
        BATCH, content=b"garbage", headers={"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert_problem(reply, 400, "validation-failed")


def test_limits_are_413_and_apply_nothing(
    server_factory: Callable[..., LiveServer], make_account: Callable[..., DeviceClient]
) -> None:
    server = server_factory(PINAKES_MAX_BATCH_BYTES=str(64 * 1024))
    device = make_account(server)
    cursor = device.changes()["cursor"]
    many = [item(f"{i}.txt", b"") for i in range(1001)]
    assert_problem(send(device, many, [b""] * 1001), 413, "payload-too-large")
    big = b"b" * (64 * 1024)
    assert_problem(send(device, [item("big.bin", big)], [big]), 413, "payload-too-large")
    halves = [b"h" * (40 * 1024)] * 2
    items = [item(f"half{i}.bin", data) for i, data in enumerate(halves)]
    assert_problem(send(device, items, halves), 413, "payload-too-large")
    assert device.changes()["cursor"] == cursor
    assert not [name for name in staged(server) if name.startswith("batch-")]
    assert set(outcomes(send(device, items[:1], halves[:1]))) == {"accepted"}


def test_another_users_device_is_refused(two_devices, bob, new_device) -> None:
    laptop, _ = two_devices
    bobs = new_device(bob)
    manifest = {"device_id": bobs.id, "items": [item("x.txt", b"x")]}
    # A device token acts for its own device only; a user token for its own user's devices
    # (another user's is unknown to it, as an id that does not exist).
    assert_problem(send(laptop, [], [b"x"], manifest=manifest), 403, "forbidden")
    with laptop.account.client() as api:
        as_user = DeviceClient(laptop.account, laptop.id, laptop.account.token, api)
        refused = assert_problem(send(as_user, [], [b"x"], manifest=manifest), 404, "not-found")
    assert refused["detail"] == f"no device {bobs.id}"
    assert "x.txt" not in {f["path"] for f in bobs.api.get("/api/v1/sync/files").json()["files"]}
