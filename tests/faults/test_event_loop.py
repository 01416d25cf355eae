"""No request waits on another's database work: while one request is held inside a slow
unit of work, the same process answers `/health`, a download and a long-poll wake-up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from ..conftest import DeviceClient
from .faulty import Faulty
from .injected_server import SLOW_SECONDS

A = b"bytes served while the database is busy"


def test_a_slow_unit_of_work_holds_up_no_other_request(
    start_faulty: Callable[[str], Faulty],
    make_account: Callable,
    new_device: Callable,
) -> None:
    faulty = start_faulty("slow-unit")
    first: DeviceClient = make_account(faulty.server)
    second: DeviceClient = new_device(first.account, "second")
    first.upload("served.txt", A)
    cursor = first.changes()["cursor"]
    faulty.arm()
    finished: dict[str, float] = {}

    def slow() -> None:
        with faulty.server.client(first.token) as api:
            reply = api.get(f"/api/v1/sync/devices/{first.id}", timeout=60)
            assert reply.status_code == 200
        finished["slow"] = time.monotonic()

    def long_poll() -> None:
        page = second.changes(cursor=cursor, wait=30)
        assert [c["path"] for c in page["changes"]] == ["woken.txt"]
        finished["long-poll"] = time.monotonic()

    started = time.monotonic()
    held = threading.Thread(target=slow)
    held.start()
    time.sleep(0.5)  # the slow request is inside its unit of work now
    waiter = threading.Thread(target=long_poll)
    waiter.start()
    assert httpx.get(f"{faulty.server.url}/health", timeout=60).status_code == 200
    finished["health"] = time.monotonic()
    assert first.download("served.txt") == A
    finished["download"] = time.monotonic()
    time.sleep(0.2)  # the long-poll is waiting now
    first.upload("woken.txt", b"wakes the long-poll")
    waiter.join()
    held.join()
    faulty.disarm()
    assert finished["slow"] - started >= SLOW_SECONDS
    # Each was answered while the slow request was still held.
    for what in ("health", "download", "long-poll"):
        assert finished[what] < finished["slow"], (what, finished)
