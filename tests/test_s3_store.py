"""Bytes in an S3 bucket (SeaweedFS here): instances that share nothing but PostgreSQL and the
bucket, a store that is down or hangs, and start-up on a store that cannot be used."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from .blob_view import BlobView
from .conftest import OCTETS, DeviceClient, assert_problem, sha256
from .faults.store import assert_store_consistent
from .live import ROOT, LiveServer, _environment, free_port
from .seaweed import Seaweed

pytestmark = pytest.mark.postgresql_only  # the pass whose servers keep their bytes in S3

MIB = 1024 * 1024


def _serve_refused(tmp_path: Path, **env: str) -> str:
    """What `pinakes-server serve` says when it will not start (its stderr; it must exit 1)."""
    done = subprocess.run(
        [sys.executable, "-m", "pinakes_server.cli", "serve", "--port", str(free_port()),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, cwd=ROOT, env=_environment(env), timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stderr


def test_a_store_that_cannot_be_used_stops_start_up_with_one_line(
    tmp_path: Path, seaweed: Seaweed
) -> None:
    settings = seaweed.settings()
    wrong_key = _serve_refused(tmp_path, **{**settings, "AWS_SECRET_ACCESS_KEY": "wrong"})
    assert wrong_key.startswith("pinakes-server: the S3 store refused the credentials (")
    missing = _serve_refused(tmp_path, **{**settings, "PINAKES_BLOB_STORE": "s3://no-such-bucket"})
    assert missing.startswith("pinakes-server: the bucket of PINAKES_BLOB_STORE does not exist")
    nonsense = _serve_refused(tmp_path, PINAKES_BLOB_STORE="ftp://somewhere")
    assert nonsense.startswith("pinakes-server: PINAKES_BLOB_STORE must be 'file' or 's3://")
    schemeless = _serve_refused(
        tmp_path, **{**settings, "PINAKES_S3_ENDPOINT_URL": settings["PINAKES_S3_ENDPOINT_URL"][7:]}
    )
    assert schemeless.startswith("pinakes-server: PINAKES_S3_ENDPOINT_URL must start with https://")
    unreachable = _serve_refused(tmp_path, **{
        **settings, "PINAKES_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "PINAKES_S3_TIMEOUT_SECONDS": "2",
    })  # fmt: skip
    assert unreachable.startswith("pinakes-server: cannot reach the S3 store s3://")
    for said in (wrong_key, missing, nonsense, schemeless, unreachable):
        assert said.count("\n") == 1 and "Traceback" not in said, said


@pytest.fixture
def two_instances(
    server_factory: Callable[..., LiveServer], seaweed: Seaweed
) -> tuple[LiveServer, LiveServer]:
    """Two instances with data dirs of their own, on one database and one bucket prefix."""
    first = server_factory(PINAKES_JWT_SECRET="a secret every instance of this cluster shares")
    shared = {name: first.env[name] for name in first.env if name != "PINAKES_CONTRACT_CROSS_CHECK"}
    second = server_factory(**shared)
    assert second.data_dir != first.data_dir
    return first, second


def _as_device(account: DeviceClient, server: LiveServer) -> httpx.Client:
    return server.client(account.token)


def test_two_instances_share_one_session_and_keep_no_byte_on_disk(
    two_instances: tuple[LiveServer, LiveServer], make_account: Callable[..., DeviceClient]
) -> None:
    first, second = two_instances
    device = make_account(first)
    apis = [_as_device(device, first), _as_device(device, second)]
    size, chunk = 20 * MIB + 12345, 5 * MIB  # chunks big enough to be composed in the bucket
    data = random.Random(14).randbytes(size)
    session = apis[0].post("/api/v1/sync/upload", json={
        "target_path": "shared/big.bin", "expected_hash": sha256(data), "expected_size": size,
        "chunk_size": chunk, "device_id": device.id,
    }).json()  # fmt: skip
    url = f"/api/v1/sync/upload/{session['id']}"
    for index in reversed(range(-(-size // chunk))):  # out of order, alternating instances
        body = data[index * chunk : (index + 1) * chunk]
        reply = apis[index % 2].put(f"{url}/chunks/{index}", content=body, headers=OCTETS)
        assert reply.status_code == 200, reply.text
    assert apis[0].get(url).json()["received_chunks"] == list(range(5))
    done = apis[1].post(f"{url}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["file"]["content_hash"] == sha256(data)
    assert apis[0].post(f"{url}/complete").json() == done.json()  # the same result, anywhere
    for api in apis:
        whole = api.get("/api/v1/sync/download/shared/big.bin")
        assert whole.status_code == 200 and hashlib.sha256(whole.content).digest() == (
            hashlib.sha256(data).digest()
        )
        for start, end in ((0, 99), (chunk - 10, chunk + 10), (size - 1000, size - 1)):
            part = api.get("/api/v1/sync/download/shared/big.bin",
                           headers={"Range": f"bytes={start}-{end}"})  # fmt: skip
            assert part.status_code == 206 and part.content == data[start : end + 1]
        etag = whole.headers["etag"]
        assert api.get("/api/v1/sync/download/shared/big.bin",
                       headers={"If-None-Match": etag}).status_code == 304  # fmt: skip
    marks = [data[i : i + 64] for i in range(0, size - 64, size // 7)]
    for server in (first, second):
        for path in server.data_dir.rglob("*"):
            if path.is_file():
                held = path.read_bytes()
                assert not any(mark in held for mark in marks), f"{path} holds the file's bytes"
    assert_store_consistent(first)
    assert BlobView(first).staged() == []
    for api in apis:
        api.close()


@pytest.fixture
def own_seaweed() -> Iterator[Seaweed]:
    """A SeaweedFS of this test's own, to pause and stop."""
    store = Seaweed.start()
    yield store
    store.stop()


@pytest.mark.parametrize("outage", ["hangs", "is down"])
def test_a_store_that_hangs_or_is_down_is_503_in_time_and_the_retry_succeeds(
    servers, own_seaweed: Seaweed, make_account: Callable[..., DeviceClient], outage: str
) -> None:
    started: list[tuple[LiveServer, bool]] = []
    try:
        server = servers.start(started, storage_fails=True, PINAKES_S3_TIMEOUT_SECONDS="2",
                               **own_seaweed.settings())  # fmt: skip
        _outage_then_recovery(server, own_seaweed, make_account(server), outage)
    finally:
        servers.stop(started)


def _outage_then_recovery(
    server: LiveServer, store: Seaweed, device: DeviceClient, outage: str
) -> None:
    data, kept = random.Random(4).randbytes(MIB + 5), b"stored before the outage"
    assert device.upload("kept.bin", kept)["file"]["content_hash"] == sha256(kept)
    session = device.api.post("/api/v1/sync/upload", json={
        "target_path": "later.bin", "expected_hash": sha256(data), "expected_size": len(data),
        "chunk_size": 512 * 1024, "device_id": device.id,
    }).json()  # fmt: skip
    url = f"/api/v1/sync/upload/{session['id']}"
    assert device.api.put(f"{url}/chunks/0", content=data[: 512 * 1024],
                          headers=OCTETS).status_code == 200  # fmt: skip
    cursor = device.changes()["cursor"]
    store.pause() if outage == "hangs" else store.stop(remove=False)
    try:
        asked = time.monotonic()
        refused = device.api.put(f"{url}/chunks/1", content=data[512 * 1024 : MIB],
                                 headers=OCTETS)  # fmt: skip
        assert time.monotonic() - asked < 10  # the 2 s deadline, and a little
        assert_problem(refused, 503, "storage-unavailable")
        assert int(refused.headers["retry-after"]) > 0
        assert_problem(device.api.get("/api/v1/sync/download/kept.bin"), 503)
        manifest = {"items": [{"path": "small.txt", "content_hash": sha256(b"small"), "size": 5}]}
        batch = device.api.post("/api/v1/sync/upload/batch", files=[
            ("manifest", (None, json.dumps(manifest), "application/json")),
            ("files", ("f0", b"small", "application/octet-stream")),
        ])  # fmt: skip
        assert_problem(batch, 503, "storage-unavailable")
        with server.client() as other:  # the process keeps serving what needs no store
            assert other.get("/health").status_code == 200
        assert device.api.get("/api/v1/sync/files").status_code == 200
        assert device.api.get(url).json()["received_chunks"] == [0]  # nothing recorded
        assert device.changes(cursor=cursor)["changes"] == []
    finally:
        store.resume() if outage == "hangs" else store.restart()
    deadline = time.monotonic() + 30
    while (again := device.api.put(f"{url}/chunks/1", content=data[512 * 1024 : MIB],
                                   headers=OCTETS)).status_code == 503:  # fmt: skip
        assert time.monotonic() < deadline, again.text
        time.sleep(0.5)
    assert again.status_code == 200, again.text
    assert device.api.put(f"{url}/chunks/2", content=data[MIB:], headers=OCTETS).status_code == 200
    done = device.api.post(f"{url}/complete")
    assert done.status_code == 200, done.text
    assert device.download("later.bin") == data and device.download("kept.bin") == kept
    assert_store_consistent(server)


def _session(device: DeviceClient, path: str, data: bytes, chunk: int) -> str:
    reply = device.api.post("/api/v1/sync/upload", json={
        "target_path": path, "expected_hash": sha256(data), "expected_size": len(data),
        "chunk_size": chunk, "device_id": device.id,
    })  # fmt: skip
    assert reply.status_code == 200, reply.text
    return reply.json()["id"]


def _send(device: DeviceClient, session_id: str, index: int, body: bytes) -> None:
    reply = device.api.put(f"/api/v1/sync/upload/{session_id}/chunks/{index}", content=body,
                           headers=OCTETS)  # fmt: skip
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize("case", ["in order", "a chunk resent", "wrong bytes", "stored already"])
def test_a_blob_assembled_while_its_chunks_arrive_is_whole_or_nothing(
    server: LiveServer, make_user: Callable[[], object], new_device, case: str
) -> None:
    """Chunks of parts' size are copied into the blob's assembly as they land; complete then
    only finishes it. A resend, wrong bytes or a blob stored already drop that assembly:
    the blob is the verified bytes or nothing, and nothing is left unfinished in the bucket."""
    device = new_device(make_user())
    chunk = 5 * MIB
    data = random.Random(case).randbytes(3 * chunk + 777)
    if case == "stored already":
        assert new_device(make_user()).upload("theirs.bin", data)["file"] is not None
    claimed = data if case != "wrong bytes" else random.Random(0).randbytes(len(data))
    session_id = _session(device, "assembled.bin", claimed, chunk)
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    for index, body in enumerate(pieces):
        if case == "a chunk resent" and index == 1:
            _send(device, session_id, index, bytes(len(body)))  # zeros first, then the bytes
        _send(device, session_id, index, body)
    done = device.api.post(f"/api/v1/sync/upload/{session_id}/complete")
    if case == "wrong bytes":
        assert_problem(done, 400, "hash-mismatch")
        assert not BlobView(server).has(sha256(claimed)) and not BlobView(server).has(sha256(data))
    else:
        assert done.status_code == 200, done.text
        assert device.download("assembled.bin") == data
        assert BlobView(server).read(sha256(data)) == data
    assert [name for name in BlobView(server).staged() if session_id in name] == []
    unfinished = [name for name in BlobView(server).staged() if "blobs/" in name]
    assert unfinished == [], unfinished
