"""`GET /metrics`: off (404) unless PINAKES_METRICS_TOKEN is set, then only for that token;
the figures a scrape shows are what happened, added up over every worker."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import CHUNK, DeviceClient, assert_problem, chunk, put_chunk, sha256
from .faults.faulty import Faulty
from .live import LiveServer

TOKEN = "scrape-token-for-the-tests"


def scrape(server: LiveServer) -> dict[tuple[str, frozenset], float]:
    """Every sample of one scrape: (name, labels) → value."""
    reply = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def requests(figures: dict, operation: str, method: str, status: int) -> float:
    labels = frozenset({"operation": operation, "method": method, "status": str(status)}.items())
    return figures.get(("pinakes_http_requests_total", labels), 0)


def value(figures: dict, name: str, **labels: str) -> float:
    return figures.get((name, frozenset(labels.items())), 0)


def test_metrics_are_404_unless_a_token_is_set(server: LiveServer) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        reply = httpx.get(f"{server.url}/metrics", headers=headers)
        assert_problem(reply, 404, "not-found")


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}"])
def test_metrics_answer_only_their_token(
    server_factory: Callable[..., LiveServer], authorization: str | None
) -> None:
    server = server_factory(PINAKES_METRICS_TOKEN=TOKEN)
    headers = {"Authorization": authorization} if authorization else {}
    assert_problem(httpx.get(f"{server.url}/metrics", headers=headers), 401, "unauthorized")
    assert scrape(server)  # the right token is served


def test_a_scrape_counts_requests_bytes_sessions_and_waiting_polls(
    server_factory: Callable[..., LiveServer],
    make_account: Callable[[LiveServer], DeviceClient],
) -> None:
    server = server_factory(PINAKES_METRICS_TOKEN=TOKEN)
    device = make_account(server)
    before = scrape(server)
    data = b"m" * (2 * CHUNK + 10)
    device.upload("counted.bin", data)
    assert device.download("counted.bin") == data
    assert device.api.get("/api/v1/sync/download/counted.bin",
                          headers={"Range": "bytes=0-99"}).status_code == 206  # fmt: skip
    batched = b"batched"
    manifest = {"items": [{"path": "b.txt", "content_hash": sha256(batched), "size": 7}]}
    assert device.api.post("/api/v1/sync/upload/batch", files=[
        ("manifest", (None, json.dumps(manifest), "application/json")),
        ("files", ("b", batched, "application/octet-stream")),
    ]).status_code == 200  # fmt: skip
    assert device.api.get("/api/v1/sync/download/nothing-here").status_code == 404
    assert device.api.get("/no/such/route").status_code == 404
    body = {"target_path": "open.bin", "expected_hash": sha256(data), "expected_size": len(data),
            "chunk_size": CHUNK}  # fmt: skip
    session = device.api.post("/api/v1/sync/upload", json=body).json()
    assert put_chunk(device, session["id"], 0, chunk(data, 0)).status_code == 200
    cursor = device.changes()["cursor"]

    def long_poll() -> None:
        with server.client(device.token) as api:
            api.get("/api/v1/sync/changes", params={"cursor": cursor, "wait": 20})

    polling = threading.Thread(target=long_poll)
    polling.start()
    try:
        deadline = time.monotonic() + 10
        while value(figures := scrape(server), "pinakes_waiting_long_polls") != 1:
            assert time.monotonic() < deadline, "the long-poll never showed as waiting"
            time.sleep(0.05)
    finally:
        device.report({"path": "wake.txt", "change_type": "deleted", "base_version": 0})
        polling.join(timeout=30)

    def grew(operation: str, method: str, status: int) -> float:
        return requests(figures, operation, method, status) - requests(
            before, operation, method, status
        )

    assert grew("upload_chunk", "PUT", 200) == 4  # three chunks of the file, one of open.bin
    assert grew("download_file", "GET", 200) == 1
    assert grew("download_file", "GET", 206) == 1
    assert grew("download_file", "GET", 404) == 1
    assert grew("none", "GET", 404) == 1
    assert grew("get_metrics", "GET", 200) >= 1
    uploaded = len(data) + CHUNK + len(batched)
    assert value(figures, "pinakes_uploaded_bytes_total") == uploaded
    assert value(figures, "pinakes_downloaded_bytes_total") == len(data) + 100
    assert value(figures, "pinakes_open_upload_sessions") == 1
    durations = value(
        figures, "pinakes_http_request_duration_seconds_count", operation="upload_chunk"
    )
    assert durations == 4
    assert value(scrape(server), "pinakes_waiting_long_polls") == 0


def test_workers_add_up_to_one_figure(server_factory: Callable[..., LiveServer]) -> None:
    """With two workers each keeps its own figures; any one scrape shows their sum."""
    server = server_factory(workers=2, PINAKES_METRICS_TOKEN=TOKEN)
    before = requests(scrape(server), "health", "GET", 200)  # the start-up probe's
    with httpx.Client(base_url=server.url) as api:  # new connections: both workers answer
        for _ in range(50):
            assert api.get("/health", headers={"Connection": "close"}).status_code == 200
    counted = [requests(scrape(server), "health", "GET", 200) for _ in range(4)]
    assert counted == [before + 50] * 4  # whichever worker answers the scrape


def test_storage_failures_are_counted(
    start_faulty: Callable[..., Faulty], make_account: Callable[[LiveServer], DeviceClient]
) -> None:
    faulty = start_faulty("fail-fdatasync", PINAKES_METRICS_TOKEN=TOKEN)
    device = make_account(faulty.server)
    data = b"fails once"
    body = {"target_path": "f.bin", "expected_hash": sha256(data), "expected_size": len(data)}
    session = device.api.post("/api/v1/sync/upload", json=body).json()
    faulty.arm()
    assert_problem(put_chunk(device, session["id"], 0, data), 503, "storage-unavailable")
    faulty.disarm()
    figures = scrape(faulty.server)
    assert value(figures, "pinakes_storage_failures_total", kind="unavailable") == 1
    assert value(figures, "pinakes_uploaded_bytes_total") == 0


def _raw(server: LiveServer, data: bytes, then_close: bool = False) -> bytes:
    """Bytes straight onto one connection; what came back before it closed (or 2 s passed)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=2) as conn:
        conn.sendall(data)
        if then_close:
            time.sleep(0.3)  # the server is reading the body by now
            return b""
        try:
            return conn.recv(65536)
        except TimeoutError:
            return b""


def test_labels_come_from_closed_sets_whatever_a_client_sends(
    server_factory: Callable[..., LiveServer],
) -> None:
    """Unique 8 KB methods once grew /metrics by 16 KB each until restart: a method no HTTP
    client uses is counted as `other`, and the scrape does not grow with them."""
    server = server_factory(PINAKES_METRICS_TOKEN=TOKEN)
    for index in range(3):
        _raw(server, f"M{index:06}{'Q' * 8000} /x HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    scrape(server)  # the scrape's own series exist from here on
    before = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    for index in range(3, 200):
        _raw(server, f"M{index:06}{'Q' * 8000} /x HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    after = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "QQQQ" not in after.text
    methods = {
        dict(labels)["method"]
        for name, labels in scrape(server)
        if name == "pinakes_http_requests_total"
    }
    assert methods <= {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"}
    assert len(after.content) - len(before.content) < 200  # counts grew, not series


def test_a_client_that_goes_away_mid_body_is_499_never_500(
    server_factory: Callable[..., LiveServer],
    make_account: Callable[[LiveServer], DeviceClient],
) -> None:
    """Monitoring must not show server errors where a client (a laptop closing its lid) went
    away: a chunk, a JSON body and a batch cut off mid-way are counted and logged as 499."""
    server = server_factory(PINAKES_METRICS_TOKEN=TOKEN)
    device = make_account(server)
    body = {"target_path": "cut.bin", "expected_hash": sha256(b"c" * CHUNK),
            "expected_size": CHUNK, "chunk_size": CHUNK}  # fmt: skip
    session = device.api.post("/api/v1/sync/upload", json=body).json()
    auth = f"Authorization: Bearer {device.token}\r\nHost: x\r\n"
    for head in (
        f"PUT /api/v1/sync/upload/{session['id']}/chunks/0 HTTP/1.1\r\n{auth}"
        f"Content-Type: application/octet-stream\r\nContent-Length: {CHUNK}\r\n\r\n",
        f"POST /api/v1/sync/report HTTP/1.1\r\n{auth}Content-Type: application/json\r\n"
        "Content-Length: 5000\r\n\r\n",
        f"POST /api/v1/sync/upload/batch HTTP/1.1\r\n{auth}"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000\r\n\r\n--b\r\n",
    ):
        _raw(server, head.encode() + b"x" * 100, then_close=True)
    time.sleep(0.5)
    figures = scrape(server)
    assert requests(figures, "upload_chunk", "PUT", 499) == 1
    assert requests(figures, "upload_batch", "POST", 499) == 1
    assert requests(figures, "none", "POST", 499) == 1  # cut off before it reached an operation
    statuses = {dict(labels)["status"] for name, labels in figures if "requests_total" in name}
    assert not {s for s in statuses if s.startswith("5")}, statuses
    assert "status=500" not in server.log.read_text()
    assert device.api.get(f"/api/v1/sync/upload/{session['id']}").json()["received_chunks"] == []
