"""A full disk: the data dir on a small tmpfs, filled up. Writes get 507 and apply nothing;
reads keep being served; once there is room again, the same requests succeed."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ..conftest import CHUNK, DeviceClient, assert_problem, sha256
from ..live import LiveServer
from .store import assert_store_consistent


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MiB tmpfs (root only: CI runs as root; elsewhere this fails, it does not skip)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a tmpfs, which needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=True)


def _fill(disk: Path) -> Path:
    """Take every free byte of the disk; the file returned gives them back when removed."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0
    return filler


def _writes(device: DeviceClient, session_id: str, data: bytes) -> dict[str, httpx.Response]:
    """One request of each kind that stores something."""
    change = {"path": "new.txt", "change_type": "created", "content_hash": sha256(b"kept"),
              "size": 4}  # fmt: skip
    with device.account.client() as user:
        new_device = {"name": "tablet", "device_type": "tablet"}
        return {
            "chunk": device.api.put(
                f"/api/v1/sync/upload/{session_id}/chunks/0", content=data,
                headers={"content-type": "application/octet-stream"},
            ),
            "report": device.api.post("/api/v1/sync/report", json={"changes": [change]}),
            "device": user.post("/api/v1/sync/devices", json=new_device),
        }  # fmt: skip


def _reads(device: DeviceClient, session_id: str) -> list[object]:
    api = device.api
    return [
        api.get("/api/v1/auth/me").json(),
        api.get("/api/v1/sync/devices").status_code,
        api.get("/api/v1/sync/files").json()["files"],
        device.changes(),
        api.get(f"/api/v1/sync/upload/{session_id}").json()["received_chunks"],
        device.download("kept.txt"),
        api.get("/api/v1/sync/conflicts").json(),
    ]


@pytest.mark.sqlite_only  # the database must live on the small disk too
def test_a_full_disk_is_507_for_writes_and_reads_go_on(
    small_disk: Path, server_factory: Callable[..., LiveServer], make_account
) -> None:
    server = server_factory(data_dir=small_disk)
    device: DeviceClient = make_account(server)
    device.upload("kept.txt", b"kept")
    data = os.urandom(CHUNK)
    body = {"target_path": "big.bin", "expected_hash": sha256(data), "expected_size": CHUNK,
            "chunk_size": CHUNK}  # fmt: skip
    session_id = device.api.post("/api/v1/sync/upload", json=body).json()["id"]
    reads = _reads(device, session_id)

    filler = _fill(small_disk)
    full = _writes(device, session_id, data)
    assert_problem(full["chunk"], 507, "insufficient-storage")
    assert_problem(full["report"], 507, "insufficient-storage")
    assert_problem(full["device"], 507, "insufficient-storage")
    new_upload = device.api.post("/api/v1/sync/upload", json={**body, "target_path": "more.bin"})
    assert_problem(new_upload, 507, "insufficient-storage")
    assert _reads(device, session_id) == reads  # every read answered, nothing changed
    assert server.process.poll() is None

    filler.unlink()
    again = _writes(device, session_id, data)
    assert {name: reply.status_code for name, reply in again.items()} == dict.fromkeys(again, 200)
    done = device.api.post(f"/api/v1/sync/upload/{session_id}/complete")
    assert done.status_code == 200, done.text
    assert device.download("big.bin") == data
    assert device.download("new.txt") == b"kept"
    assert_store_consistent(server)
    server.stop()  # before the disk goes
