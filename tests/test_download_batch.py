"""POST /sync/download-batch: many small files' bytes in one streamed response."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from .conftest import DeviceClient, assert_problem, sha256
from .live import LiveServer

URL = "/api/v1/sync/download-batch"


def fetch(device: DeviceClient, paths: list[str]) -> tuple[dict, list[bytes]]:
    """The manifest, and each listed file's bytes (the body split by the manifest's sizes)."""
    reply = device.api.post(URL, json={"paths": paths})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/octet-stream"
    head, _, rest = reply.content.partition(b"\n")
    manifest = json.loads(head)
    bodies, offset = [], 0
    for entry in manifest["files"]:
        bodies.append(rest[offset : offset + entry["size"]])
        offset += entry["size"]
    assert offset == len(rest)  # nothing after the last file
    return manifest, bodies


def test_listed_files_come_whole_in_order_and_the_rest_is_named(two_devices) -> None:
    laptop, phone = two_devices
    files = {"a.txt": b"first", "dir/b.bin": bytes(range(256)) * 40, "empty": b""}
    for path, data in files.items():
        laptop.put(path, data)
    laptop.report({"path": "gone.txt", "change_type": "deleted", "base_version": 0})
    manifest, bodies = fetch(phone, ["dir/b.bin", "gone.txt", "a.txt", "nowhere", "empty"])
    assert [f["path"] for f in manifest["files"]] == ["dir/b.bin", "a.txt", "empty"]
    assert manifest["missing"] == ["gone.txt", "nowhere"] and manifest["later"] == []
    for entry, body in zip(manifest["files"], bodies, strict=True):
        assert body == files[entry["path"]]
        assert entry["content_hash"] == sha256(body) and entry["size"] == len(body)


def test_files_past_the_size_limit_come_later(
    server_factory: Callable[..., LiveServer], make_account: Callable[..., DeviceClient]
) -> None:
    server = server_factory(PINAKES_MAX_BATCH_BYTES="4096")
    device = make_account(server)
    for name in "abcd":
        device.put(f"{name}.bin", name.encode() * 1500)
    manifest, bodies = fetch(device, ["a.bin", "b.bin", "c.bin", "d.bin"])
    assert [f["path"] for f in manifest["files"]] == ["a.bin", "b.bin"]
    assert manifest["later"] == ["c.bin", "d.bin"]
    assert bodies == [b"a" * 1500, b"b" * 1500]


def test_bad_requests_are_400(two_devices) -> None:
    laptop, _ = two_devices
    for body in ({"paths": []}, {"paths": ["/abs"]}, {"paths": ["x"] * 1001}, {"paths": "x"}):
        assert_problem(laptop.api.post(URL, json=body), 400, "validation-failed")
    reply = laptop.api.post(URL, content=b"paths", headers={"Content-Type": "text/plain"})
    assert_problem(reply, 415)
    assert_problem(httpx.post(f"{laptop.account.server.url}{URL}", json={"paths": ["a"]}), 401)
