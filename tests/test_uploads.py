"""Upload sessions: chunk rules, digests, completion, cancel, expiry, limits, other users."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from pinakes_server.services import uploads
from pinakes_server.services.units import stop_units
from pinakes_server.storage.blob_store import BlobStore
from pinakes_server.storage.db import close_database, open_database
from pinakes_server.storage.tables import Device, UploadSession, User, utcnow

from .blob_view import BlobView
from .conftest import (
    CHUNK,
    OCTETS,
    Account,
    DeviceClient,
    assert_problem,
    chunk,
    put_chunk,
    sha256,
)
from .live import LiveServer

DATA = os.urandom(2 * CHUNK + 1000)  # three chunks, the last one short


def create(device: DeviceClient, data: bytes = DATA, path: str = "big.bin", **extra: object):
    body = {"target_path": path, "expected_hash": sha256(data), "expected_size": len(data),
            "chunk_size": CHUNK, **extra}  # fmt: skip
    return device.api.post("/api/v1/sync/upload", json=body)


def digest(content: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(content).digest()).decode() + ":"


def blob_files(server: LiveServer) -> set[str]:
    return BlobView(server).hashes()


def staged_for(server: LiveServer, session_id: str) -> list[str]:
    """The session's staging file and journal, or its chunk objects."""
    return [name for name in BlobView(server).staged() if session_id in name]


def test_a_new_session_describes_itself(two_devices) -> None:
    first, _ = two_devices
    session = create(first).json()
    assert session["chunk_count"] == 3 and session["chunk_size"] == CHUNK
    assert session["received_chunks"] == [] and session["bytes_received"] == 0
    assert session["status"] == "pending" and session["target_path"] == "big.bin"
    assert session["expires_at"] > session["created_at"]
    default = create(first, b"x", "small.bin", chunk_size=8 * 1024 * 1024).json()
    assert default["chunk_count"] == 1
    no_size = {"target_path": "d.bin", "expected_hash": sha256(b"x"), "expected_size": 1}
    assert first.api.post("/api/v1/sync/upload", json=no_size).json()["chunk_size"] == 8388608


def test_chunks_in_any_order_resent_chunks_replace(two_devices) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    assert put_chunk(first, session_id, 2, chunk(DATA, 2)).json() == {
        "chunk_index": 2, "received_chunks": [2], "bytes_received": 1000,
    }  # fmt: skip
    assert put_chunk(first, session_id, 0, os.urandom(CHUNK)).status_code == 200  # wrong bytes
    assert put_chunk(first, session_id, 1, chunk(DATA, 1)).status_code == 200
    assert put_chunk(first, session_id, 0, chunk(DATA, 0)).status_code == 200  # replaced
    status = first.api.get(f"/api/v1/sync/upload/{session_id}").json()
    assert status["received_chunks"] == [0, 1, 2] and status["bytes_received"] == len(DATA)
    assert status["status"] == "in_progress"
    done = first.api.post(f"/api/v1/sync/upload/{session_id}/complete").json()
    assert done["file"]["content_hash"] == sha256(DATA)
    assert done["session"]["status"] == "completed"
    assert first.download("big.bin") == DATA
    again = first.api.post(f"/api/v1/sync/upload/{session_id}/complete").json()
    assert again == done  # completing again answers the same


@pytest.mark.parametrize(
    ("index", "content", "status"),
    [
        (0, b"x" * (CHUNK - 1), 400),  # short
        (2, b"x" * 999, 400),  # short last chunk
        (2, b"x" * 1001, 400),  # long last chunk
        (0, b"x" * (CHUNK + 1), 413),  # over the chunk size
        (3, b"x" * 1000, 400),  # index past chunk_count
    ],
)
def test_chunk_length_and_index_rules(two_devices, index: int, content: bytes, status: int) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    assert_problem(put_chunk(first, session_id, index, content), status)
    assert first.api.get(f"/api/v1/sync/upload/{session_id}").json()["received_chunks"] == []


def test_chunk_must_be_octet_stream(two_devices) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    reply = first.api.put(
        f"/api/v1/sync/upload/{session_id}/chunks/0", content=chunk(DATA, 0),
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert_problem(reply, 415, "unsupported-media-type")
    for bad_index in ("-1", "x", "99999999"):
        reply = put_chunk(first, session_id, bad_index, b"x")  # type: ignore[arg-type]
        assert_problem(reply, 400, "validation-failed")


def test_content_digest_is_verified(two_devices) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    good = chunk(DATA, 0)
    ok = put_chunk(first, session_id, 0, good, **{"content-digest": digest(good)})
    assert ok.status_code == 200
    wrong = put_chunk(first, session_id, 1, chunk(DATA, 1), **{"content-digest": digest(b"no")})
    assert_problem(wrong, 400, "hash-mismatch")
    for header in ("sha-256=:not base64!:", "md5=:AAAA:", "sha-256=:AAAA:"):
        reply = put_chunk(first, session_id, 1, chunk(DATA, 1), **{"content-digest": header})
        assert_problem(reply, 400, "validation-failed")
    # Several algorithms: sha-256 is the one checked.
    both = f"md5=:AAAA:, {digest(chunk(DATA, 1))}"
    assert put_chunk(first, session_id, 1, chunk(DATA, 1), **{"content-digest": both}).is_success
    assert first.api.get(f"/api/v1/sync/upload/{session_id}").json()["received_chunks"] == [0, 1]


def test_complete_with_missing_chunks_lists_them(two_devices) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    put_chunk(first, session_id, 1, chunk(DATA, 1))
    problem = assert_problem(
        first.api.post(f"/api/v1/sync/upload/{session_id}/complete"), 400, "upload-incomplete"
    )
    assert problem["missing_chunks"] == [0, 2]


def test_a_hash_mismatch_stores_nothing(two_devices, server: LiveServer) -> None:
    first, _ = two_devices
    claimed, sent = os.urandom(len(DATA)), os.urandom(len(DATA))
    session_id = create(first, claimed).json()["id"]
    for index in range(3):
        put_chunk(first, session_id, index, chunk(sent, index))
    assert staged_for(server, session_id) != []
    problem = assert_problem(
        first.api.post(f"/api/v1/sync/upload/{session_id}/complete"), 400, "hash-mismatch"
    )
    assert sha256(sent) in problem["detail"]
    assert first.api.get(f"/api/v1/sync/upload/{session_id}").json()["status"] == "failed"
    assert first.api.get("/api/v1/sync/files").json()["files"] == []
    assert sha256(sent) not in blob_files(server) and sha256(claimed) not in blob_files(server)
    assert staged_for(server, session_id) == []
    assert_problem(put_chunk(first, session_id, 0, chunk(DATA, 0)), 409, "upload-closed")
    assert_problem(first.api.post(f"/api/v1/sync/upload/{session_id}/complete"), 409)
    assert_problem(first.api.delete(f"/api/v1/sync/upload/{session_id}"), 409)


def test_empty_files(two_devices) -> None:
    first, second = two_devices
    session = create(first, b"", "empty.txt").json()
    assert session["chunk_count"] == 0
    done = first.api.post(f"/api/v1/sync/upload/{session['id']}/complete").json()
    assert done["file"] == {"path": "empty.txt", "version": 1, "content_hash": sha256(b""),
                            "size": 0}  # fmt: skip
    assert second.download("empty.txt") == b""


def test_cancel_removes_the_chunks(two_devices, server: LiveServer) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    put_chunk(first, session_id, 0, chunk(DATA, 0))
    assert staged_for(server, session_id) != []
    reply = first.api.delete(f"/api/v1/sync/upload/{session_id}")
    assert reply.status_code == 204
    # Gone, as DESIGN.md (and tus after termination) has it.
    reply = first.api.get(f"/api/v1/sync/upload/{session_id}")
    assert "cancelled" in assert_problem(reply, 410, "upload-cancelled")["detail"]
    assert staged_for(server, session_id) == []
    assert_problem(put_chunk(first, session_id, 1, chunk(DATA, 1)), 409, "upload-closed")
    assert_problem(first.api.post(f"/api/v1/sync/upload/{session_id}/complete"), 409)
    assert_problem(first.api.delete(f"/api/v1/sync/upload/{session_id}"), 409)


def test_idle_sessions_expire(server_factory: Callable[..., LiveServer], make_account) -> None:
    server = server_factory(PINAKES_UPLOAD_TTL_SECONDS="1")
    device = make_account(server)
    session_id = create(device).json()["id"]
    time.sleep(1.5)
    assert_problem(device.api.get(f"/api/v1/sync/upload/{session_id}"), 410, "upload-expired")
    assert_problem(put_chunk(device, session_id, 0, chunk(DATA, 0)), 410)
    assert_problem(device.api.post(f"/api/v1/sync/upload/{session_id}/complete"), 410)
    assert_problem(device.api.delete(f"/api/v1/sync/upload/{session_id}"), 410)


def test_per_user_limits(server_factory: Callable[..., LiveServer], make_account) -> None:
    server = server_factory(
        PINAKES_MAX_OPEN_UPLOADS="2", PINAKES_MAX_FILE_SIZE="1000000",
        PINAKES_MAX_STAGED_BYTES="1500000",
    )  # fmt: skip
    device = make_account(server)
    assert_problem(create(device, b"x" * 1_000_001, "huge.bin"), 413, "payload-too-large")
    first = create(device, b"a" * 1_000_000, "a.bin")
    assert first.status_code == 200
    over_staged = create(device, b"b" * 600_000, "b.bin")
    assert_problem(over_staged, 429, "upload-limit")
    assert int(over_staged.headers["retry-after"]) > 0
    assert create(device, b"c" * 100, "c.bin").status_code == 200
    too_many = create(device, b"d", "d.bin")
    assert_problem(too_many, 429, "upload-limit")
    assert "retry-after" in too_many.headers
    # A cancelled session frees its place.
    device.api.delete(f"/api/v1/sync/upload/{first.json()['id']}")
    assert create(device, b"d", "d.bin").status_code == 200


def test_another_users_session_is_404_and_untouched(two_devices, bob: Account, new_device) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    put_chunk(first, session_id, 0, chunk(DATA, 0))
    thief = new_device(bob)
    assert_problem(thief.api.get(f"/api/v1/sync/upload/{session_id}"), 404, "not-found")
    assert_problem(put_chunk(thief, session_id, 1, chunk(DATA, 1)), 404)
    assert_problem(thief.api.post(f"/api/v1/sync/upload/{session_id}/complete"), 404)
    assert_problem(thief.api.delete(f"/api/v1/sync/upload/{session_id}"), 404)
    status = first.api.get(f"/api/v1/sync/upload/{session_id}").json()
    assert status["received_chunks"] == [0] and status["status"] == "in_progress"
    assert_problem(first.api.get(f"/api/v1/sync/upload/{uuid.uuid4()}"), 404)


def test_knowing_a_hash_never_gives_another_users_bytes(two_devices, bob: Account, new_device):
    first, _ = two_devices
    first.upload("secret.bin", DATA)
    thief = new_device(bob)
    result = thief.report({"path": "mine.bin", "change_type": "created",
                           "content_hash": sha256(DATA), "size": len(DATA)})  # fmt: skip
    assert result["upload_required"] == ["mine.bin"]
    assert_problem(thief.api.get("/api/v1/sync/download/secret.bin"), 404)
    assert_problem(thief.api.get("/api/v1/sync/download/mine.bin"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"target_path": "../x", "expected_hash": "0" * 64, "expected_size": 1},
        {"target_path": "x", "expected_hash": "0" * 64, "expected_size": 1, "chunk_size": 1024},
        {"target_path": "x", "expected_hash": "0" * 64, "expected_size": 1,
         "chunk_size": 64 * 1024 * 1024 + 1},
        {"target_path": "x", "expected_hash": "XYZ", "expected_size": 1},
        {"target_path": "x", "expected_hash": "0" * 64, "expected_size": -1},
        {"target_path": "x", "expected_hash": "0" * 64, "expected_size": 1, "status": "completed"},
    ],
)  # fmt: skip
def test_invalid_sessions_are_400(two_devices, body: dict[str, object]) -> None:
    first, _ = two_devices
    assert_problem(first.api.post("/api/v1/sync/upload", json=body), 400, "validation-failed")


def test_a_user_token_names_the_device(alice: Account, new_device) -> None:
    device = new_device(alice)
    body = {"target_path": "u.bin", "expected_hash": sha256(b"u"), "expected_size": 1}
    with alice.client() as user_api:
        assert_problem(user_api.post("/api/v1/sync/upload", json=body), 400, "validation-failed")
        named = user_api.post("/api/v1/sync/upload", json={**body, "device_id": device.id})
        assert named.status_code == 200
    other = new_device(alice)
    assert_problem(
        device.api.post("/api/v1/sync/upload", json={**body, "device_id": other.id}), 403
    )


def test_unauthenticated_chunk_is_401_before_the_body_is_read(two_devices, server) -> None:
    first, _ = two_devices
    session_id = create(first).json()["id"]
    reply = httpx.put(
        f"{server.url}/api/v1/sync/upload/{session_id}/chunks/0", content=chunk(DATA, 0),
        headers=OCTETS,
    )  # fmt: skip
    assert_problem(reply, 401, "unauthorized")


def test_a_file_bigger_than_the_free_disk_is_507(server_factory, make_account) -> None:
    """The file store's disk (a bucket has no free space to ask about)."""
    petabyte = 1024**5
    server = server_factory(
        PINAKES_MAX_FILE_SIZE=str(2 * petabyte), PINAKES_MAX_STAGED_BYTES=str(2 * petabyte),
        PINAKES_BLOB_STORE="file",
    )  # fmt: skip
    device = make_account(server)
    body = {"target_path": "vast.bin", "expected_hash": "0" * 64, "expected_size": petabyte}
    assert_problem(device.api.post("/api/v1/sync/upload", json=body), 507, "insufficient-storage")
    assert not list((server.data_dir / "uploads").iterdir())


def test_concurrent_completes_apply_once_and_answer_alike(two_devices) -> None:
    first, _ = two_devices
    data = os.urandom(3 * CHUNK)
    session_id = create(first, data, "together.bin").json()["id"]
    for index in range(3):
        put_chunk(first, session_id, index, chunk(data, index))
    cursor = first.changes()["cursor"]
    answers: list[httpx.Response] = []

    def complete() -> None:
        with httpx.Client(base_url=first.api.base_url, headers=first.api.headers) as api:
            answers.append(api.post(f"/api/v1/sync/upload/{session_id}/complete"))

    threads = [threading.Thread(target=complete) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.content for a in answers}) == 1
    assert len(first.changes(cursor=cursor)["changes"]) == 1


def test_the_collector_expires_idle_sessions(tmp_path, blob_store: BlobStore) -> None:
    """In-process: what the background collector does on each round, on either store."""

    async def one_byte() -> AsyncIterator[bytes]:
        yield b"x"

    async def round_of_collection() -> tuple[int, set[uuid.UUID | None]]:
        for session in sessions.values():
            blob_store.open_session(session.id, 1)
            async with blob_store.writing(uploads.staging_of(session), 0) as write:
                await write.write(one_byte())
        try:
            collected = await uploads.collect_expired(blob_store)
            return collected, {found.session_id for found in await blob_store.listing()}
        finally:
            await blob_store.close()

    open_database(None, tmp_path)
    try:
        user = User.create(username="u", username_key="u", password_hash="x")
        device = Device.create(user=user, name="d", device_type="other", token_hash="h")
        sessions = {}
        for name, ttl in (("idle", -1), ("active", 3600)):
            sessions[name] = UploadSession.create(
                user=user, device=device, target_path=name, expected_hash="a" * 64,
                expected_size=1, chunk_size=1, chunk_count=1,
                expires_at=utcnow() + timedelta(seconds=ttl),
            )  # fmt: skip
        collected, staged = asyncio.run(round_of_collection())
        assert collected == 1
        assert UploadSession.get_by_id(sessions["idle"].id).status == "expired"
        assert UploadSession.get_by_id(sessions["active"].id).status == "pending"
        assert staged == {sessions["active"].id}
    finally:
        stop_units()
        close_database()
