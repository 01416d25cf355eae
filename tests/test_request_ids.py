"""Every response carries X-Request-ID (the caller's if sane, else a new one), problem bodies
carry it as `request_id`, and the server logs one line per request naming it, never a token."""

from __future__ import annotations

import json
from collections.abc import Callable

from .conftest import DeviceClient, assert_problem
from .live import LiveServer


def test_every_answer_has_a_request_id(two_devices) -> None:
    first, _ = two_devices
    first.upload("a.txt", b"some bytes")
    answers = [
        first.api.get("/health"),
        first.api.get("/api/v1/sync/devices"),
        first.api.get("/api/v1/sync/download/a.txt", headers={"Range": "bytes=0-1"}),
        first.api.get("/api/v1/sync/download/missing.txt"),
        first.api.get("/api/v1/no-such-route"),
        first.api.post("/health"),
        first.api.post("/api/v1/sync/report", json={"changes": []}),
        first.api.get("/api/v1/sync/devices", headers={"Authorization": "Bearer forged"}),
    ]
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids)
    for answer in answers[3:]:
        assert answer.status_code >= 400
        assert answer.json()["request_id"] == answer.headers["x-request-id"]


def test_a_sane_caller_id_is_kept_and_any_other_replaced(two_devices) -> None:
    first, _ = two_devices
    kept = first.api.get("/api/v1/sync/devices", headers={"X-Request-ID": "job-42:retry.1"})
    assert kept.headers["x-request-id"] == "job-42:retry.1"
    for insane in ("a" * 129, "spaces are not", "semi;colon", ""):
        reply = first.api.get("/api/v1/nowhere", headers={"X-Request-ID": insane})
        assert reply.headers["x-request-id"] != insane
        assert_problem(reply, 404)


def test_one_log_line_per_request_as_json(
    server_factory: Callable[..., LiveServer], make_account: Callable[[LiveServer], DeviceClient]
) -> None:
    server = server_factory(PINAKES_LOG_FORMAT="json")
    device = make_account(server)
    reply = device.api.get("/api/v1/sync/devices", headers={"X-Request-ID": "find-me"})
    assert reply.status_code == 200
    failed = device.api.get("/api/v1/sync/conflicts/not-a-uuid/x", headers={"X-Request-ID": "oops"})
    lines = [
        json.loads(line) for line in server.log.read_text().splitlines() if '"request_id"' in line
    ]
    [line] = [entry for entry in lines if entry["request_id"] == "find-me"]
    assert line["method"] == "GET" and line["operation"] == "list_devices"
    assert line["status"] == 200 and line["duration_ms"] >= 0 and line["user_id"]
    [miss] = [entry for entry in lines if entry["request_id"] == "oops"]
    assert miss["status"] == failed.status_code and miss["operation"] is None
    assert device.token not in server.log.read_text()
