"""Slowloris: a client that trickles a request's head or body a byte at a time, or opens
connection after connection, holds none of them for long, and never stops the server from
answering `/health` and signed-in users on other addresses (issue 24, point 2)."""

from __future__ import annotations

import os
import select
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress

import httpx
import pytest
from pinakes_server.config import Config, ConfigError

from ..conftest import CHUNK, Account, DeviceClient, device_client, login, register, sha256
from ..live import LiveServer

HEAD_SECONDS = GRACE_SECONDS = 2
SLACK = 1.5  # the server's own pace on a busy two-core machine
TRICKLE_EVERY = 0.3
LIMITED = "tests.security.limited_server"


@pytest.fixture(scope="module")
def strict(module_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """Small deadlines; the keep-alive idle stays at its default (60 s)."""
    return module_server_factory(
        PINAKES_HEAD_TIMEOUT_SECONDS=str(HEAD_SECONDS),
        PINAKES_BODY_GRACE_SECONDS=str(GRACE_SECONDS),
    )


@pytest.fixture(scope="module")
def owner(
    strict: LiveServer, make_module_account: Callable[[LiveServer], DeviceClient]
) -> DeviceClient:
    return make_module_account(strict)


@pytest.fixture(scope="module")
def make_module_account() -> Iterator[Callable[[LiveServer], DeviceClient]]:
    """The first (admin) user of a module's server, signed in through one device."""
    made: list[DeviceClient] = []

    def make(server: LiveServer) -> DeviceClient:
        assert register(server, "owner").status_code == 201
        made.append(device_client(Account(server, "owner", "", login(server, "owner")), "d"))
        return made[-1]

    yield make
    for device in made:
        device.api.close()


def _port(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _connect(server: LiveServer, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", _port(server)))
    return sock


def _answer(sock: socket.socket, within: float) -> bytes:
    """What the server says until it closes (or `within` seconds pass)."""
    answer, deadline = b"", time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0 and select.select([sock], [], [], left)[0]:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        answer += chunk
    return answer


def _answer_once(sock: socket.socket) -> bytes:
    """The first bytes of the server's answer (within 5 s)."""
    assert select.select([sock], [], [], 5)[0]
    return sock.recv(65536)


def _trickle(
    server: LiveServer, whole: bytes, trickled: bytes, within: float, silent: float = 0.0
) -> tuple[float, bytes]:
    """After `silent` s, send `whole`, then `trickled` one byte every TRICKLE_EVERY s until
    the server answers or `within` s pass: how long it took since connecting, and what the
    server said."""
    with _connect(server) as sock:
        started = time.monotonic()
        time.sleep(silent)
        sock.sendall(whole)
        for byte in trickled:
            if time.monotonic() - started > within:
                break
            if select.select([sock], [], [], TRICKLE_EVERY)[0]:
                break  # the server has answered (or closed)
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
        answer = _answer(sock, max(0.1, within - (time.monotonic() - started)))
        return time.monotonic() - started, answer


def _assert_408(elapsed: float, answer: bytes, deadline: float) -> None:
    assert answer.startswith(b"HTTP/1.1 408 "), (elapsed, answer)
    assert b"application/problem+json" in answer and b"request-timeout" in answer
    assert elapsed < deadline + SLACK, elapsed


def test_a_trickled_head_gets_408_within_the_deadline(strict: LiveServer) -> None:
    elapsed, answer = _trickle(
        strict, b"GET /health HTTP/1.1\r\nHost: x\r\n", b"X-Slow: " + b"a" * 200,
        within=HEAD_SECONDS + 3 * SLACK,
    )  # fmt: skip
    _assert_408(elapsed, answer, HEAD_SECONDS)
    assert elapsed > HEAD_SECONDS - 0.5  # a deadline, not an early cut


def test_a_fresh_connection_owes_its_head_from_accept(strict: LiveServer) -> None:
    """Silence, then a trickle: the deadline started when the connection did."""
    elapsed, answer = _trickle(
        strict, b"GET /health HTTP/1.1\r\n", b"X-Slow: " + b"a" * 200,
        within=HEAD_SECONDS + 3 * SLACK, silent=HEAD_SECONDS / 2,
    )  # fmt: skip
    _assert_408(elapsed, answer, HEAD_SECONDS)


def test_keep_alive_idle_is_not_the_next_heads_deadline(strict: LiveServer) -> None:
    """Idle longer than the head deadline between requests, then a head sent whole."""
    with _connect(strict) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _answer_once(sock).startswith(b"HTTP/1.1 200 ")
        time.sleep(HEAD_SECONDS + 0.5)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _answer_once(sock).startswith(b"HTTP/1.1 200 ")
        time.sleep(HEAD_SECONDS + 0.5)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _answer_once(sock).startswith(b"HTTP/1.1 200 ")


def test_a_trickled_json_body_gets_408(strict: LiveServer) -> None:
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 5000\r\n\r\n"
    )
    elapsed, answer = _trickle(strict, head, b'{"username": "' + b"a" * 200, GRACE_SECONDS * 4)
    _assert_408(elapsed, answer, GRACE_SECONDS)


def _session(device: DeviceClient, path: str) -> str:
    data = b"c" * CHUNK
    body = {"target_path": path, "expected_hash": sha256(data), "expected_size": CHUNK}
    reply = device.api.post("/api/v1/sync/upload", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()["id"]


def test_a_trickled_chunk_gets_408_and_is_not_recorded(owner: DeviceClient) -> None:
    session_id = _session(owner, "trickled.bin")
    head = (
        f"PUT /api/v1/sync/upload/{session_id}/chunks/0 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {owner.token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {CHUNK}\r\n\r\n"
    ).encode()
    elapsed, answer = _trickle(owner.account.server, head, b"c" * 200, GRACE_SECONDS * 4)
    _assert_408(elapsed, answer, GRACE_SECONDS)
    assert owner.api.get(f"/api/v1/sync/upload/{session_id}").json()["received_chunks"] == []


def test_a_trickled_batch_body_gets_408(owner: DeviceClient) -> None:
    part = (
        b'--b\r\nContent-Disposition: form-data; name="manifest"\r\n'
        b'Content-Type: application/json\r\n\r\n{"items": ['
    )
    head = (
        f"POST /api/v1/sync/upload/batch HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {owner.token}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000\r\n\r\n"
    ).encode()
    elapsed, answer = _trickle(owner.account.server, head, part + b" " * 200, GRACE_SECONDS * 4)
    _assert_408(elapsed, answer, GRACE_SECONDS)


def _slowly(data: bytes, per_second: int) -> Iterator[bytes]:
    """`data` at about `per_second` bytes a second, in tenths of a second."""
    step = per_second // 10
    for start in range(0, len(data), step):
        time.sleep(0.1)
        yield data[start : start + step]


def test_a_slow_but_honest_json_body_is_served(strict: LiveServer, owner: DeviceClient) -> None:
    """16 KiB/s, for over twice the grace."""
    padding = b" " * (16 * 1024 * 5)
    body = b'{"username": "owner",' + padding + b'"password": "correct horse battery"}'
    with strict.client() as api:
        started = time.monotonic()
        reply = api.post(
            "/api/v1/auth/login", content=_slowly(body, 16 * 1024),
            headers={"content-type": "application/json", "content-length": str(len(body))},
        )  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert time.monotonic() - started > 2 * GRACE_SECONDS


def test_a_slow_but_honest_chunk_is_stored(owner: DeviceClient) -> None:
    """64 KiB/s: a 256 KiB chunk takes four seconds, twice the grace."""
    data = b"c" * CHUNK
    session_id = _session(owner, "slow.bin")
    reply = owner.api.put(
        f"/api/v1/sync/upload/{session_id}/chunks/0", content=_slowly(data, 64 * 1024),
        headers={"content-type": "application/octet-stream", "content-length": str(CHUNK)},
    )  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert owner.api.post(f"/api/v1/sync/upload/{session_id}/complete").status_code == 200
    assert owner.download("slow.bin") == data


CAP = 8


@pytest.fixture(scope="module")
def capped(module_server_factory: Callable[..., LiveServer]) -> LiveServer:
    return module_server_factory(PINAKES_MAX_CONNECTIONS_PER_ADDRESS=str(CAP))


def _refused(socks: list[socket.socket], within: float = 1.0) -> list[socket.socket]:
    """Those the server closed (refused) within `within` s, having said nothing."""
    closed: list[socket.socket] = []
    deadline = time.monotonic() + within
    while len(closed) < len(socks) and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([s for s in socks if s not in closed], [], [], left)
        if not ready:
            break
        for sock in ready:
            with suppress(ConnectionResetError):
                assert sock.recv(1) == b""
            closed.append(sock)
    return closed


@contextmanager
def _held(
    server: LiveServer, count: int, source: str = "127.0.0.1"
) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        yield [stack.enter_context(_connect(server, source)) for _ in range(count)]


def _client(server: LiveServer, source: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=server.url, headers=headers, transport=transport, timeout=10)


def _served(sock: socket.socket) -> bool:
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    return _answer_once(sock).startswith(b"HTTP/1.1 200 ")


def test_one_address_over_its_cap_is_refused_and_others_are_served(
    capped: LiveServer, make_module_account: Callable[[LiveServer], DeviceClient]
) -> None:
    device = make_module_account(capped)
    device.api.close()  # none of this address's places is taken
    time.sleep(0.3)
    with _held(capped, CAP + 4) as socks:
        refused = _refused(socks)
        assert refused == socks[CAP:]  # at once, and only those over the cap
        with _client(capped, "127.0.0.2") as other:
            assert other.get("/health").status_code == 200
        with _client(capped, "127.0.0.2", device.token) as signed_in:
            assert signed_in.get("/api/v1/sync/devices").status_code == 200
        assert _served(socks[0])  # the admitted ones are served as ever
        with _connect(capped) as one_more:
            assert _refused([one_more]) == [one_more]  # still at the cap
        socks[1].close()
        time.sleep(0.2)  # the server sees it go
        with _connect(capped) as again:
            assert _served(again)  # a place freed is a place taken


def _limits(server: LiveServer) -> tuple[int, int]:
    with open(f"/proc/{server.process.pid}/limits") as limits:
        (line,) = [line for line in limits if line.startswith("Max open files")]
    soft, hard = line.split()[3:5]
    return int(soft), int(hard)


def test_descriptors_are_raised_and_connections_leave_headroom(
    module_server_factory: Callable[..., LiveServer],
) -> None:
    """Started with 300 descriptors of a hard 400: the server takes all 400 and admits no
    more connections than leave room for its database, blob files and store."""
    server = module_server_factory(
        module=LIMITED, PINAKES_TEST_NOFILE="300:400", PINAKES_MAX_CONNECTIONS_PER_ADDRESS="8"
    )
    assert _limits(server) == (400, 400)
    with ExitStack() as stack:
        socks = [
            sock
            for n in range(2, 22)  # 160 connections from 20 addresses, each within its cap
            for sock in stack.enter_context(_held(server, 8, f"127.0.0.{n}"))
        ]
        refused = _refused(socks)
        assert refused, "no connection was refused"
        assert len(socks) - len(refused) <= 400 // 2
        open_now = len(os.listdir(f"/proc/{server.process.pid}/fd"))
        assert open_now < 400 - 100, open_now  # headroom left for the store and the database
        admitted = [sock for sock in socks if sock not in refused]
        assert _served(admitted[0]) and _served(admitted[-1])
    with _client(server, "127.0.0.1") as api:
        assert api.get("/health").status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "PINAKES_HEAD_TIMEOUT_SECONDS",
        "PINAKES_MIN_BODY_BYTES_PER_SECOND",
        "PINAKES_BODY_GRACE_SECONDS",
        "PINAKES_MAX_CONNECTIONS_PER_ADDRESS",
    ],
)
@pytest.mark.parametrize("value", ["0", "ten"])
def test_the_settings_refuse_what_would_turn_them_off(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})
