"""A batch upload killed (SIGKILL) or failed at each point: nothing of it is applied, nothing
half-applied, no change without its blob; what it left behind is orphans only, and the same
batch sent again applies once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from ..conftest import DeviceClient, assert_problem, sha256
from ..live import LiveServer, run_command
from .faulty import INJECTED, Faulty
from .store import assert_store_consistent

FILES = {f"batch/{i:03}.txt": f"small file {i}\n".encode() * 20 for i in range(300)}


def batch_request(server: LiveServer, token: str) -> httpx.Request:
    manifest = {"items": [
        {"path": path, "content_hash": sha256(data), "size": len(data)}
        for path, data in FILES.items()
    ]}  # fmt: skip
    parts = [("manifest", (None, json.dumps(manifest), "application/json"))]
    parts += [("files", (path, data, "application/octet-stream")) for path, data in FILES.items()]
    request = httpx.Request(
        "POST", f"{server.url}/api/v1/sync/upload/batch", files=parts,
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    request.read()
    return request


def library(device: DeviceClient) -> tuple[list[dict], int]:
    files = device.api.get("/api/v1/sync/files", params={"limit": 1000}).json()["files"]
    return files, device.changes(limit=1000)["cursor"]


def check(server: LiveServer, *args: str) -> list[str]:
    done = run_command(server.data_dir, "check", "--grace", "0", *args, **server.env)
    return done.stdout.splitlines()


def assert_only_orphans_left(server: LiveServer) -> None:
    """Whatever the kill left is orphans (`check` names them, `--repair` removes them), never
    a change without its blob; afterwards the store is whole."""
    for line in check(server):
        assert line.startswith("orphan ") or line.endswith("problem(s)") or line == "healthy", line
    check(server, "--repair")
    assert check(server) == ["healthy"]


def _stalling(body: bytes, stop_after: int, stalled: threading.Event) -> Iterator[bytes]:
    yield body[:stop_after]
    stalled.set()
    time.sleep(30)  # the server is killed meanwhile
    yield body[stop_after:]


@pytest.mark.parametrize("point", ["mid-body", "kill-after-batch-store", "kill-in-report"])
def test_a_batch_killed_at_any_point_applies_all_or_nothing(
    start_faulty: Callable[..., Faulty],
    server_factory: Callable[..., LiveServer],
    make_account: Callable[[LiveServer], DeviceClient],
    point: str,
) -> None:
    faulty = start_faulty(point)
    server = faulty.server
    device = make_account(server)
    before = library(device)
    request = batch_request(server, device.token)
    if point == "mid-body":
        stalled = threading.Event()
        body = request.content
        streamed = httpx.Request(
            request.method, request.url, headers=request.headers,
            content=_stalling(body, len(body) // 2, stalled),
        )  # fmt: skip

        def send() -> None:
            with httpx.Client(timeout=60) as client, pytest.raises(httpx.TransportError):
                client.send(streamed)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        assert stalled.wait(10)
        time.sleep(0.3)  # half the files are staged by now
        server.kill()
    else:
        faulty.arm()
        with httpx.Client(timeout=60) as client, pytest.raises(httpx.TransportError):
            client.send(request)
        server.process.wait(timeout=10)
        faulty.disarm()
    device.api.close()

    server = server_factory(data_dir=server.data_dir, module=INJECTED)
    device = DeviceClient(device.account, device.id, device.token, server.client(device.token))
    assert library(device) == before  # not one item, not one seq
    assert_only_orphans_left(server)
    with httpx.Client(timeout=60) as client:
        again = client.send(batch_request(server, device.token))
    assert again.status_code == 200, again.text
    assert {r["outcome"] for r in again.json()["items"]} == {"accepted"}
    files, cursor = library(device)
    assert cursor == before[1] + len(FILES) and len(files) == len(FILES)
    assert device.download("batch/123.txt") == FILES["batch/123.txt"]
    assert_store_consistent(server)
    device.api.close()


def test_a_failed_sync_applies_nothing_and_says_retry(
    start_faulty: Callable[..., Faulty], make_account: Callable[[LiveServer], DeviceClient]
) -> None:
    faulty = start_faulty("fail-syncfs")
    server = faulty.server
    device = make_account(server)
    before = library(device)
    faulty.arm()
    with httpx.Client(timeout=60) as client:
        reply = client.send(batch_request(server, device.token))
    faulty.disarm()
    assert_problem(reply, 503, "storage-unavailable")
    assert int(reply.headers["retry-after"]) > 0
    assert library(device) == before
    assert not [p for p in (server.data_dir / "uploads").iterdir()]  # nothing left staged
    with httpx.Client(timeout=60) as client:
        assert client.send(batch_request(server, device.token)).status_code == 200
    assert library(device)[1] == before[1] + len(FILES)
    assert_store_consistent(server)
