"""Real server processes killed with SIGKILL mid-upload and mid-complete, then restarted."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pinakes_server.services import uploads
from pinakes_server.services.units import stop_units
from pinakes_server.storage.db import close_database, open_database
from pinakes_server.storage.file_store import FileStore
from pinakes_server.storage.tables import Device, UploadSession, User, UserBlob, utcnow

from ..blob_view import BlobView
from ..conftest import OCTETS, Account, login, register, sha256
from ..live import LiveServer
from .store import assert_store_consistent

MIB = 1024 * 1024


def owner(server: LiveServer) -> tuple[str, str]:
    """The server's first user and one device of it: (user token, device id)."""
    assert register(server, "owner").status_code == 201
    token = login(server, "owner")
    device_id, _ = Account(server, "owner", "", token).add_device()
    return token, device_id


def restart(server_factory: Callable[..., LiveServer], server: LiveServer) -> LiveServer:
    server.kill()
    return server_factory(data_dir=server.data_dir)


def slow_body(
    content: bytes, stop_after: int, stall: threading.Event, release: threading.Event
) -> Iterator[bytes]:
    yield content[:stop_after]
    stall.set()
    release.wait(30)  # the server dies meanwhile
    yield content[stop_after:]


def test_kill_mid_chunk_loses_only_the_unfinished_chunk(server_factory) -> None:
    server = server_factory()
    token, device_id = owner(server)
    size, chunk = 8 * MIB, 256 * 1024
    data = random.Random(1).randbytes(size)
    api = server.client(token)
    session = api.post("/api/v1/sync/upload", json={
        "target_path": "crash.bin", "expected_hash": sha256(data), "expected_size": size,
        "chunk_size": chunk, "device_id": device_id,
    }).json()  # fmt: skip
    url = f"/api/v1/sync/upload/{session['id']}/chunks"
    for index in range(0, 16):
        assert api.put(f"{url}/{index}", content=data[index * chunk:(index + 1) * chunk],
                       headers=OCTETS).status_code == 200  # fmt: skip
    stalled, released = threading.Event(), threading.Event()

    def in_flight() -> None:
        body = slow_body(data[16 * chunk : 17 * chunk], chunk // 2, stalled, released)
        with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
            httpx.put(f"{server.url}{url}/16", content=body, timeout=60,
                      headers={**OCTETS, "Authorization": f"Bearer {token}",
                               "Content-Length": str(chunk)})  # fmt: skip

    thread = threading.Thread(target=in_flight, daemon=True)
    thread.start()
    assert stalled.wait(10)
    time.sleep(0.2)
    api.close()
    server = restart(server_factory, server)
    released.set()  # the stalled sender finds its connection gone, and ends (closing it)
    thread.join(timeout=30)
    with server.client(token) as api:
        status = api.get(f"/api/v1/sync/upload/{session['id']}").json()
        assert status["received_chunks"] == list(range(16))
        for index in status_missing(status):
            assert api.put(f"{url}/{index}", content=data[index * chunk:(index + 1) * chunk],
                           headers=OCTETS).status_code == 200  # fmt: skip
        done = api.post(f"/api/v1/sync/upload/{session['id']}/complete").json()
        assert done["file"]["content_hash"] == sha256(data)
        assert api.get("/api/v1/sync/download/crash.bin").content == data
    assert_store_consistent(server)


def status_missing(status: dict) -> list[int]:
    return sorted(set(range(status["chunk_count"])) - set(status["received_chunks"]))


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3, 0.6])
def test_kill_during_complete_never_shows_a_partial_file(server_factory, delay: float) -> None:
    server = server_factory()
    token, device_id = owner(server)
    size, chunk = 96 * MIB, 8 * MIB
    data = random.Random(delay).randbytes(size)
    with server.client(token) as api:
        session = api.post("/api/v1/sync/upload", json={
            "target_path": "big.bin", "expected_hash": sha256(data), "expected_size": size,
            "chunk_size": chunk, "device_id": device_id,
        }).json()  # fmt: skip
        for index in range(size // chunk):
            api.put(f"/api/v1/sync/upload/{session['id']}/chunks/{index}",
                    content=data[index * chunk:(index + 1) * chunk], headers=OCTETS)  # fmt: skip
    completing = threading.Thread(target=lambda: _complete_ignoring_errors(server, token, session))
    completing.start()
    time.sleep(delay)
    server = restart(server_factory, server)
    completing.join(timeout=30)
    with server.client(token) as api:
        listed = api.get("/api/v1/sync/files").json()["files"]
        # Either it is not there yet, or it is whole.
        assert listed in ([], [{"path": "big.bin", "version": 1, "content_hash": sha256(data),
                                "size": size, "mtime": None}])  # fmt: skip
        done = api.post(f"/api/v1/sync/upload/{session['id']}/complete")
        assert done.status_code == 200, done.text
        assert done.json()["file"]["content_hash"] == sha256(data)
        assert _download_hash(api, "big.bin") == sha256(data)
        assert api.get("/api/v1/sync/changes").json()["cursor"] == 1  # applied exactly once
    assert_store_consistent(server)
    assert BlobView(server).staged() == []  # no staged chunk, journal or unfinished assembly


def test_files_of_a_closed_session_left_by_a_kill_go_at_restart(server_factory) -> None:
    """A kill after `complete` committed but before it removed the write journal (or after a
    cancel committed, before its staged chunks went) leaves staging of a closed session: the
    restart removes it at once, with no grace period to wait out."""
    server = server_factory()
    token, device_id = owner(server)
    data = b"closed session"
    with server.client(token) as api:
        for path, close in (("done.txt", "complete"), ("dropped.txt", "cancel")):
            session = api.post("/api/v1/sync/upload", json={
                "target_path": path, "expected_hash": sha256(data), "expected_size": len(data),
                "device_id": device_id,
            }).json()  # fmt: skip
            assert api.put(f"/api/v1/sync/upload/{session['id']}/chunks/0", content=data,
                           headers=OCTETS).status_code == 200  # fmt: skip
            if close == "complete":
                assert api.post(f"/api/v1/sync/upload/{session['id']}/complete").status_code == 200
            else:
                assert api.delete(f"/api/v1/sync/upload/{session['id']}").status_code == 204
            BlobView(server).plant_staged(session["id"])
            assert BlobView(server).staged() != []
    server = restart(server_factory, server)
    assert BlobView(server).staged() == []
    assert_store_consistent(server)
    with server.client(token) as api:
        assert api.get("/api/v1/sync/download/done.txt").content == data


def _complete_ignoring_errors(server: LiveServer, token: str, session: dict) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
        httpx.post(f"{server.url}/api/v1/sync/upload/{session['id']}/complete",
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip


def _download_hash(api: httpx.Client, path: str, headers: dict[str, str] | None = None) -> str:
    digest = hashlib.sha256()
    with api.stream("GET", f"/api/v1/sync/download/{path}", headers=headers or {}) as reply:
        assert reply.status_code in (200, 206)
        for block in reply.iter_bytes(MIB):
            digest.update(block)
    return digest.hexdigest()


def _peak_and_current_rss(pid: int) -> tuple[int, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmHWM"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024


BIG_MIB = int(os.environ.get("PINAKES_BIG_FILE_MIB", "1024"))


def test_a_big_file_in_any_order_survives_a_kill_and_stays_out_of_memory(server_factory) -> None:
    """1 GiB in 8 MiB chunks, shuffled; SIGKILL half-way; byte-identical in full and ranges."""
    chunk, count = 8 * MIB, BIG_MIB // 8
    chunks = lambda i: random.Random(f"chunk {i}").randbytes(chunk)  # noqa: E731
    whole = hashlib.sha256()
    for i in range(count):
        whole.update(chunks(i))
    expected = whole.hexdigest()
    order = list(range(count))
    random.Random(7).shuffle(order)
    server = server_factory()
    token, device_id = owner(server)
    with server.client(token) as api:
        session = api.post("/api/v1/sync/upload", json={
            "target_path": "huge.bin", "expected_hash": expected, "expected_size": count * chunk,
            "chunk_size": chunk, "device_id": device_id,
        }).json()  # fmt: skip
        url = f"/api/v1/sync/upload/{session['id']}/chunks"
        for i in order[: count // 2]:
            assert api.put(f"{url}/{i}", content=chunks(i), headers=OCTETS).status_code == 200
    server = restart(server_factory, server)
    _, idle = _peak_and_current_rss(server.process.pid)
    with server.client(token) as api:
        status = api.get(f"/api/v1/sync/upload/{session['id']}").json()
        assert sorted(status["received_chunks"]) == sorted(order[: count // 2])
        for i in status_missing(status):
            assert api.put(f"{url}/{i}", content=chunks(i), headers=OCTETS).status_code == 200
        done = api.post(f"/api/v1/sync/upload/{session['id']}/complete", timeout=120)
        assert done.status_code == 200 and done.json()["file"]["content_hash"] == expected
        assert _download_hash(api, "huge.bin") == expected
        for i in (0, count // 2, count - 1):
            start = i * chunk + 12345
            ranged = api.get("/api/v1/sync/download/huge.bin",
                             headers={"Range": f"bytes={start}-{start + 99999}"})  # fmt: skip
            assert ranged.status_code == 206 and ranged.content == chunks(i)[12345:112345]
    peak, _ = _peak_and_current_rss(server.process.pid)
    print(f"server peak RSS grew by {(peak - idle) / MIB:.1f} MiB over {BIG_MIB} MiB of traffic")
    assert peak - idle < 128 * MIB, f"server grew by {(peak - idle) // MIB} MiB"
    assert_store_consistent(server)


def test_restart_sweeps_only_what_nobody_needs(tmp_path: Path) -> None:
    """In-process: stray staging files and unowned blobs go; open sessions' files stay."""
    open_database(None, tmp_path)
    try:
        store = FileStore(tmp_path)
        user = User.create(username="u", username_key="u", password_hash="x")
        device = Device.create(user=user, name="d", device_type="other", token_hash="h")
        open_session = UploadSession.create(
            user=user, device=device, target_path="a", expected_hash="a" * 64, expected_size=1,
            chunk_size=1, chunk_count=1, expires_at=time_in(3600),
        )  # fmt: skip
        store.open_session(open_session.id, 1)
        store.journal_path(open_session.id).write_bytes(b".")
        stray = store.uploads / "0b1e7a5e-0000-4000-8000-000000000000.part"
        stray.write_bytes(b"x")
        stray_journal = store.uploads / "0b1e7a5e-0000-4000-8000-000000000000.writes"
        stray_journal.write_bytes(b".")
        (store.uploads / "junk.tmp").write_bytes(b"x")
        for name in ("a" * 64, "b" * 64, "c" * 64):
            blob = store.blob_path(name)
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(b"x")
        UserBlob.create(user=user, content_hash="b" * 64, size=1)
        assert asyncio.run(uploads.sweep(store, grace_seconds=3600)) == (
            0,
            0,
        )  # all too fresh to judge
        assert asyncio.run(uploads.sweep(store, grace_seconds=0)) == (3, 1)
        assert store.part_path(open_session.id).exists() and not stray.exists()
        assert store.journal_path(open_session.id).exists() and not stray_journal.exists()
        assert [store.blob_path(h).exists() for h in ("a" * 64, "b" * 64, "c" * 64)] == [
            True,
            True,
            False,
        ]
    finally:
        stop_units()
        close_database()


def time_in(seconds: int) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
