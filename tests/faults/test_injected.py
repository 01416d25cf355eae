"""Faults injected into real server processes (injected_server.py): a SIGKILL between a
blob's rename and its commit, or inside a report's transaction; an fsync, rename or
fdatasync that fails. After each, nothing is half-applied, the database and the blob store
agree, and the client's retry completes the work exactly once."""

from __future__ import annotations

import io
import random
import threading
import time

import httpx
import pytest
from pinakes import Pinakes

from ..blob_view import BlobView
from ..conftest import CHUNK, DeviceClient, assert_problem, chunk, put_chunk, sha256
from ..live import LiveServer
from .store import assert_store_consistent

DATA = random.Random(3).randbytes(3 * CHUNK + 1000)
DATA_HASH = sha256(DATA)


def _session(device: DeviceClient, path: str = "f.bin", data: bytes = DATA) -> str:
    body = {"target_path": path, "expected_hash": sha256(data), "expected_size": len(data),
            "chunk_size": CHUNK}  # fmt: skip
    reply = device.api.post("/api/v1/sync/upload", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()["id"]


def _send_chunks(device: DeviceClient, session_id: str, data: bytes = DATA) -> None:
    for index in range(-(-len(data) // CHUNK)):
        reply = put_chunk(device, session_id, index, chunk(data, index))
        assert reply.status_code == 200, reply.text


def _complete(device: DeviceClient, session_id: str) -> httpx.Response:
    return device.api.post(f"/api/v1/sync/upload/{session_id}/complete")


def _library(device: DeviceClient) -> tuple[list[dict], int]:
    """The files and the last seq, as the server tells any device."""
    files = device.api.get("/api/v1/sync/files", params={"limit": 1000}).json()["files"]
    return files, device.changes(limit=1000)["cursor"]


def _assert_storage_unavailable(reply: httpx.Response) -> None:
    assert_problem(reply, 503, "storage-unavailable")
    assert int(reply.headers["retry-after"]) > 0


def _reconnect(device: DeviceClient, server: LiveServer) -> DeviceClient:
    device.api.close()
    return DeviceClient(device.account, device.id, device.token, server.client(device.token))


def test_kill_between_blob_rename_and_commit(start_faulty, make_account, server_factory) -> None:
    faulty = start_faulty("kill-after-promote")
    device: DeviceClient = make_account(faulty.server)
    session_id = _session(device)
    _send_chunks(device, session_id)
    faulty.arm()
    with pytest.raises(httpx.TransportError):
        _complete(device, session_id)
    faulty.server.process.wait(timeout=10)
    assert BlobView(faulty.server).has(DATA_HASH)  # stored before the kill

    server = server_factory(data_dir=faulty.server.data_dir)
    device = _reconnect(device, server)
    assert _library(device) == ([], 0)  # stored but not applied: nobody sees it yet
    done = _complete(device, session_id)  # the retry applies it, once
    assert done.status_code == 200, done.text
    assert done.json()["file"]["version"] == 1
    assert _complete(device, session_id).json() == done.json()
    assert device.download("f.bin") == DATA
    assert _library(device)[1] == 1
    assert_store_consistent(server)
    assert BlobView(server).staged() == []
    device.api.close()


def test_kill_inside_a_report_transaction(start_faulty, make_account, server_factory) -> None:
    faulty = start_faulty("kill-in-report")
    device: DeviceClient = make_account(faulty.server)
    device.upload("seed.bin", DATA)  # the bytes every reported path below points at
    before = _library(device)
    changes = [
        {"path": f"batch/{i:03}.bin", "change_type": "created", "content_hash": DATA_HASH,
         "size": len(DATA)}
        for i in range(200)
    ]  # fmt: skip
    faulty.arm()
    with pytest.raises(httpx.TransportError):
        device.api.post("/api/v1/sync/report", json={"changes": changes})
    faulty.server.process.wait(timeout=10)

    server = server_factory(data_dir=faulty.server.data_dir)
    device = _reconnect(device, server)
    assert _library(device) == before  # not one of the 200 changes, not one seq
    result = device.report(*changes)  # the retry applies all of them
    assert [a["seq"] for a in result["accepted"]] == list(range(before[1] + 1, before[1] + 201))
    files, cursor = _library(device)
    assert cursor == before[1] + 200 and len(files) == 201
    device.api.close()


@pytest.mark.parametrize("fault", ["fail-fsync", "fail-replace"])
def test_a_failed_fsync_or_rename_at_complete_applies_nothing(
    start_faulty, make_account, fault: str
) -> None:
    faulty = start_faulty(fault)
    device: DeviceClient = make_account(faulty.server)
    session_id = _session(device)
    _send_chunks(device, session_id)
    faulty.arm()
    _assert_storage_unavailable(_complete(device, session_id))
    assert _library(device) == ([], 0)
    assert not list((faulty.server.data_dir / "blobs").glob("*/*/*"))  # no blob
    # The staged bytes are not known to be on disk: every chunk is asked for again.
    status = device.api.get(f"/api/v1/sync/upload/{session_id}").json()
    assert (status["status"], status["received_chunks"]) == ("in_progress", [])
    faulty.disarm()
    problem = assert_problem(_complete(device, session_id), 400, "upload-incomplete")
    assert problem["missing_chunks"] == [0, 1, 2, 3]
    _send_chunks(device, session_id)
    done = _complete(device, session_id)
    assert done.status_code == 200, done.text
    assert device.download("f.bin") == DATA
    assert _library(device)[1] == 1
    assert_store_consistent(faulty.server)


def test_a_failed_chunk_fdatasync_leaves_the_chunk_unreceived(start_faulty, make_account) -> None:
    faulty = start_faulty("fail-fdatasync")
    device: DeviceClient = make_account(faulty.server)
    session_id = _session(device)
    assert put_chunk(device, session_id, 0, chunk(DATA, 0)).status_code == 200
    faulty.arm()
    _assert_storage_unavailable(put_chunk(device, session_id, 1, chunk(DATA, 1)))
    status = device.api.get(f"/api/v1/sync/upload/{session_id}").json()
    assert status["received_chunks"] == [0]
    faulty.disarm()
    _send_chunks(device, session_id)
    assert _complete(device, session_id).status_code == 200
    assert device.download("f.bin") == DATA


def test_the_sync_client_waits_out_a_storage_failure(start_faulty, make_account) -> None:
    """The SDK (so pinakes-sync, built on it) meets a 503 and comes back after its
    Retry-After, instead of failing."""
    faulty = start_faulty("fail-fdatasync")
    device: DeviceClient = make_account(faulty.server)
    _, device_token = device.account.add_device("synced folder")
    with Pinakes.device(faulty.server.url, device_token) as laptop:
        upload = laptop.start_upload("retried.bin", DATA_HASH, len(DATA))
        faulty.arm()
        threading.Timer(1.0, faulty.disarm).start()
        started = time.monotonic()
        # 503 first; the retry after Retry-After lands
        assert laptop.send_chunks(upload, lambda: io.BytesIO(DATA)) == len(DATA)
        assert time.monotonic() - started >= 1  # it did wait for the fault to pass
        result = laptop.complete_upload(upload)
        assert result.file.content_hash == DATA_HASH
    assert device.download("retried.bin") == DATA
