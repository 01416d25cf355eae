"""Resource limits a hostile or broken client runs into: sign-in throttling, oversize and
never-ending requests, huge Range headers. Each ends in a clear 4xx and costs the server
little; other clients keep being served. (Per-user upload limits: test_uploads.py; feed
`limit`/`wait` bounds: test_sync_feed.py.)"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from pinakes_server.errors import Unauthorized
from pinakes_server.services import throttle
from pinakes_server.services.units import stop_units
from pinakes_server.storage.db import close_database, open_database
from pinakes_server.storage.tables import SignInFailure

from ..conftest import CHUNK, Account, DeviceClient, assert_problem, register, sha256
from ..live import PASSWORD, LiveServer

LOGIN, DEVICE_LOGIN = "/api/v1/auth/login", "/api/v1/auth/device-login"
UNKNOWN_DEVICE_TOKEN = "pkd_" + "0" * 43


def _sign_in(server: LiveServer, username: str, password: str) -> httpx.Response:
    with server.client() as api:
        return api.post(LOGIN, json={"username": username, "password": password})


def _throttled(reply: httpx.Response, window: int) -> None:
    assert_problem(reply, 429, "too-many-attempts")
    assert 1 <= int(reply.headers["retry-after"]) <= window


def test_failed_logins_are_throttled_per_name_then_per_address(
    server_factory: Callable[..., LiveServer],
) -> None:
    server = server_factory(PINAKES_SIGN_IN_FAILURES="3", PINAKES_SIGN_IN_WINDOW_SECONDS="60")
    assert register(server, "owner").status_code == 201
    for _ in range(5):  # successes are not counted
        assert _sign_in(server, "owner", PASSWORD).status_code == 200
    for _ in range(3):
        assert_problem(_sign_in(server, "owner", "wrong password"), 401, "unauthorized")
    # Now even the right password waits: the guesser cannot tell it was right.
    _throttled(_sign_in(server, "OWNER", PASSWORD), 60)
    # Other names from the address go on, until the address has failed ten times as often.
    for attempt in range(27):
        assert _sign_in(server, f"nobody{attempt // 3}", "wrong password").status_code == 401
    _throttled(_sign_in(server, "someone-new", "wrong password"), 60)
    # Device tokens are guessed through another door, throttled by the same address count.
    with server.client() as api:
        _throttled(api.post(DEVICE_LOGIN, json={"device_token": UNKNOWN_DEVICE_TOKEN}), 60)


def test_concurrent_guesses_get_no_more_than_the_allowance(
    server_factory: Callable[..., LiveServer],
) -> None:
    """Two instances on one store: the allowance is the same as for one."""
    limits = {"PINAKES_SIGN_IN_FAILURES": "3", "PINAKES_SIGN_IN_WINDOW_SECONDS": "60"}
    first = server_factory(**limits)
    second = server_factory(data_dir=first.data_dir, **limits)
    assert register(first, "owner").status_code == 201
    with ThreadPoolExecutor(16) as pool:
        replies = list(
            pool.map(lambda n: _sign_in((first, second)[n % 2], "owner", "wrong guess"), range(16))
        )
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses == [401] * 3 + [429] * 13


def test_failed_device_logins_are_throttled_and_the_wait_ends(
    server_factory: Callable[..., LiveServer],
) -> None:
    server = server_factory(PINAKES_SIGN_IN_FAILURES="2", PINAKES_SIGN_IN_WINDOW_SECONDS="2")
    assert register(server, "owner").status_code == 201
    with server.client() as api:
        for _ in range(2):
            reply = api.post(DEVICE_LOGIN, json={"device_token": UNKNOWN_DEVICE_TOKEN})
            assert_problem(reply, 401, "unauthorized")
        refused = api.post(DEVICE_LOGIN, json={"device_token": UNKNOWN_DEVICE_TOKEN})
        _throttled(refused, 2)
        assert _sign_in(server, "owner", PASSWORD).status_code == 200  # logins are apart
        time.sleep(int(refused.headers["retry-after"]))
        reply = api.post(DEVICE_LOGIN, json={"device_token": UNKNOWN_DEVICE_TOKEN})
        assert_problem(reply, 401, "unauthorized")


def test_an_oversize_body_without_a_length_is_413(server: LiveServer) -> None:
    """Chunked transfer: the limit is counted as the bytes arrive, not taken from a header."""

    def endless() -> Iterator[bytes]:
        for _ in range(80):
            yield b" " * 65536  # 5 MiB in all, over the 4 MiB JSON limit

    with server.client() as api:
        reply = api.post(LOGIN, content=endless(), headers={"content-type": "application/json"})
    assert_problem(reply, 413, "payload-too-large")


def test_a_report_of_more_than_1000_changes_is_400(alice: Account, new_device) -> None:
    device: DeviceClient = new_device(alice)
    change = {"path": "a.txt", "change_type": "created", "content_hash": sha256(b"a")}
    reply = device.api.post("/api/v1/sync/report", json={"changes": [change] * 1001})
    assert_problem(reply, 400, "validation-failed")
    assert device.changes()["changes"] == []


@pytest.mark.parametrize("limit", [0, 1001, 10**12])
def test_files_limit_is_bounded(alice: Account, limit: int) -> None:
    with alice.client() as api:
        reply = api.get("/api/v1/sync/files", params={"limit": limit})
    assert_problem(reply, 400, "validation-failed")


def test_thousands_of_ranges_cost_one_whole_answer(alice: Account, new_device) -> None:
    device: DeviceClient = new_device(alice)
    data = bytes(range(256)) * 64
    device.upload("ranges.bin", data)
    url = f"/api/v1/sync/download/{quote('ranges.bin')}"
    many = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 200, 2))  # 100 ranges, < 1 KiB
    reply = device.api.get(url, headers={"Range": many})
    assert (reply.status_code, reply.content) == (200, data)  # several ranges: the whole file
    # A Range header is at most 1 KiB (the contract); 10,000 ranges are refused unparsed.
    ten_thousand = "bytes=" + ",".join(f"{i}-{i}" for i in range(10_000))
    for header in (ten_thousand, ten_thousand[:2000]):
        problem = assert_problem(device.api.get(url, headers={"Range": header}), 400)
        assert problem["type"] in ("validation-failed", "header-too-large")
    assert device.download("ranges.bin") == data


@pytest.fixture(scope="module")
def impatient(module_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """A server that waits 2 s for a silent client: owing a head, a body, or idle."""
    return module_server_factory(
        PINAKES_REQUEST_TIMEOUT_SECONDS="2",
        PINAKES_HEAD_TIMEOUT_SECONDS="2",
        PINAKES_BODY_GRACE_SECONDS="2",
    )


def _raw(server: LiveServer, payload: bytes) -> tuple[float, bytes]:
    """Send `payload` and go silent: how long until the server closes, and what it said."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(20)
        sock.sendall(payload)
        started, answer = time.monotonic(), b""
        while chunk := sock.recv(65536):
            answer += chunk
        return time.monotonic() - started, answer


@pytest.mark.parametrize(
    "payload",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\n",  # a head that never ends
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"user',  # a JSON body that stops
    ],
    ids=["head", "json-body"],
)
def test_a_client_that_stops_sending_gets_408_and_is_cut_off(
    impatient: LiveServer, payload: bytes
) -> None:
    elapsed, answer = _raw(impatient, payload)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"application/problem+json" in answer
    assert elapsed < 10


def test_an_idle_connection_is_closed(impatient: LiveServer) -> None:
    elapsed, answer = _raw(impatient, b"")
    assert answer == b"" and elapsed < 10


def test_a_stalled_chunk_is_408_unrecorded_and_may_be_sent_again(
    impatient: LiveServer, make_account
) -> None:
    device: DeviceClient = make_account(impatient)
    data = b"s" * CHUNK
    body = {"target_path": "stalled.bin", "expected_hash": sha256(data), "expected_size": CHUNK}
    session_id = device.api.post("/api/v1/sync/upload", json=body).json()["id"]
    head = (
        f"PUT /api/v1/sync/upload/{session_id}/chunks/0 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {device.token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {CHUNK}\r\n\r\n"
    )
    elapsed, answer = _raw(impatient, head.encode() + data[:1000])
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert elapsed < 10
    assert device.api.get(f"/api/v1/sync/upload/{session_id}").json()["received_chunks"] == []
    reply = device.api.put(
        f"/api/v1/sync/upload/{session_id}/chunks/0", content=data,
        headers={"content-type": "application/octet-stream"},
    )  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert device.api.post(f"/api/v1/sync/upload/{session_id}/complete").status_code == 200
    assert device.download("stalled.bin") == data


def test_many_silent_connections_do_not_stop_the_others(impatient: LiveServer) -> None:
    port = int(impatient.url.rsplit(":", 1)[1])
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
    try:
        for sock in silent:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
        started = time.monotonic()
        with impatient.client() as api:
            assert api.get("/health").status_code == 200
        # Answered long before the silent ones are cut off (2 s): they held nothing up.
        assert time.monotonic() - started < 1.5
    finally:
        for sock in silent:
            sock.close()


def test_aged_out_failures_are_purged_and_the_newest_still_count(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The counts live in the database: bounded by the window, which the collector purges."""
    clock = [1000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: clock[0])
    limiter = throttle.SignInThrottle(allowance=1, window_seconds=60)

    async def fail(address: str) -> None:
        with pytest.raises(Unauthorized):
            async with limiter.attempt(address, "name"):
                raise Unauthorized("wrong password")

    async def scene() -> None:
        await fail("old")
        clock[0] += 61  # "old" has aged out
        await fail("guesser")
        assert limiter.purge() == 2  # old's two keys (name and address)
        assert SignInFailure.select().count() == 2
        await fail("old")  # allowed again
        with pytest.raises(throttle.TooManyAttempts):
            async with limiter.attempt("guesser", "name"):
                pass  # the newest are still counted

    open_database(None, tmp_path)
    try:
        asyncio.run(scene())
    finally:
        stop_units()
        close_database()
