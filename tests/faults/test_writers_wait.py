"""A 503 means the store failed, never that another request was writing: while one write
holds the database longer than SQLite's old 5 s busy timeout, acks, reports and new uploads
from more devices at once than the server has database threads wait their turn and succeed,
and reads are answered meanwhile, a device's due note that it was seen and all."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pinakes_server.services.units import UNIT_THREADS

from ..conftest import Account, DeviceClient, login, register, sha256
from .faulty import Faulty
from .injected_server import SLOW_WRITE_SECONDS

DEVICES = 2 * UNIT_THREADS


def _created(path: str, data: bytes) -> dict[str, object]:
    return {"path": path, "change_type": "created", "content_hash": sha256(data),
            "size": len(data), "base_version": 0}  # fmt: skip


def _writes(api: httpx.Client, device_id: str, index: int) -> list[Callable[[], httpx.Response]]:
    """An ack, a report and a new upload session for one device: each a write of its own."""
    data = f"written by device {index}".encode()
    upload = {"device_id": device_id, "target_path": f"up/{index}.txt",
              "expected_hash": sha256(data), "expected_size": len(data)}  # fmt: skip
    report = {"device_id": device_id, "changes": [_created(f"new/{index}.txt", data)]}
    return [
        lambda: api.post("/api/v1/sync/ack", json={"device_id": device_id, "cursor": 0}),
        lambda: api.post("/api/v1/sync/report", json=report),
        lambda: api.post("/api/v1/sync/upload", json=upload),
    ]


def _stall(faulty: Faulty, device: DeviceClient) -> tuple[threading.Thread, dict[str, float]]:
    """A report holding the database SLOW_WRITE_SECONDS, under way when this returns."""
    finished: dict[str, float] = {}

    def stalled() -> None:
        device.report(_created("stalled.txt", b"stalled"))
        finished["stalled"] = time.monotonic()

    faulty.arm()
    held = threading.Thread(target=stalled)
    held.start()
    deadline = time.monotonic() + 10
    while faulty.switch.exists():  # the fault removes it once the write holds the database
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return held, finished


def _server_with_devices(
    start_faulty: Callable[[str], Faulty], new_device: Callable[..., DeviceClient], count: int
) -> tuple[Faulty, list[DeviceClient]]:
    faulty = start_faulty("slow-write")
    assert register(faulty.server, "owner").status_code == 201
    account = Account(faulty.server, "owner", "", login(faulty.server, "owner"))
    return faulty, [new_device(account, f"device {i}") for i in range(count)]


@pytest.mark.sqlite_only  # what made reads wait was SQLite's one writer (a due mark_seen)
def test_reads_are_answered_while_a_long_write_holds_the_database(
    start_faulty: Callable[[str], Faulty], new_device: Callable[..., DeviceClient]
) -> None:
    faulty, (writer, reader) = _server_with_devices(start_faulty, new_device, 2)
    held, finished = _stall(faulty, writer)
    # The reader's first requests since it signed in: each is due to note it was seen (a
    # write, which must not make the read wait).
    for read in (
        lambda: reader.api.get("/api/v1/sync/changes"),
        lambda: reader.api.get(f"/api/v1/sync/devices/{reader.id}"),
        lambda: reader.api.get("/api/v1/sync/devices"),
    ):
        reply = read()
        assert reply.status_code == 200, reply.text
        assert reply.elapsed.total_seconds() < SLOW_WRITE_SECONDS / 2
    finished["reads"] = time.monotonic()
    held.join()
    assert finished["reads"] < finished["stalled"]


def test_writes_wait_their_turn_behind_a_long_write(
    start_faulty: Callable[[str], Faulty], new_device: Callable[..., DeviceClient]
) -> None:
    faulty, (stalling, reader) = _server_with_devices(start_faulty, new_device, 2)
    device_ids = [stalling.account.add_device(f"writer {i}")[0] for i in range(DEVICES)]
    held, finished = _stall(faulty, stalling)
    # The user's own token, naming each device: the writes are all there is to wait for.
    with stalling.account.client() as api:
        jobs = [job for i, device_id in enumerate(device_ids) for job in _writes(api, device_id, i)]
        with ThreadPoolExecutor(len(jobs)) as pool:
            pending = [pool.submit(job) for job in jobs]
            time.sleep(1)  # they wait behind the stalled write now, more than database threads
            assert reader.api.get("/api/v1/sync/changes").status_code == 200
            finished["read"] = time.monotonic()
            replies = [reply.result() for reply in pending]
    held.join()
    statuses = collections.Counter(reply.status_code for reply in replies)
    assert statuses == {200: len(jobs)}, [r.text for r in replies if r.status_code != 200][:3]
    if "PINAKES_DATABASE_URL" not in faulty.server.env:
        # SQLite: writes waiting their turn hold no thread reads need. (On PostgreSQL the
        # library's reports wait for its row lock on database threads: its own concurrency.)
        assert finished["read"] < finished["stalled"]
