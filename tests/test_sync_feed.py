"""The change feed (paging, default cursor, long-poll), ack, the files snapshot, compaction."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from pinakes_server.services.feed import changes_query
from pinakes_server.storage.db import close_database, open_database

from .conftest import Account, DeviceClient, assert_problem, sha256
from .live import LiveServer

DATA = [f"file {i}".encode() for i in range(5)]


def seed(device: DeviceClient, count: int) -> None:
    for i in range(count):
        device.put(f"f{i}.txt", DATA[i % len(DATA)] + str(i).encode())


def test_feed_pages_in_seq_order(two_devices) -> None:
    first, second = two_devices
    seed(first, 5)
    page = second.changes(limit=2)
    assert [c["seq"] for c in page["changes"]] == [1, 2]
    assert page["cursor"] == 2 and page["has_more"] is True
    page = second.changes(cursor=2, limit=2)
    assert [c["seq"] for c in page["changes"]] == [3, 4] and page["has_more"] is True
    page = second.changes(cursor=4, limit=2)
    assert [c["seq"] for c in page["changes"]] == [5] and page["has_more"] is False
    empty = second.changes(cursor=5)
    assert empty == {"changes": [], "cursor": 5, "has_more": False}
    change = page["changes"][0]
    assert change["path"] == "f4.txt" and change["change_type"] == "created"
    assert change["device_id"] == first.id and change["version"] == 1
    assert change["content_hash"] == sha256(DATA[4] + b"4") and change["old_path"] is None


def test_a_cursor_ahead_of_the_log_must_relist(two_devices) -> None:
    first, _ = two_devices
    seed(first, 1)
    reply = first.api.get("/api/v1/sync/changes", params={"cursor": 2})
    assert_problem(reply, 410, "cursor-expired")


def test_default_cursor_is_the_devices_ack(two_devices, alice: Account) -> None:
    first, second = two_devices
    seed(first, 3)
    assert [c["seq"] for c in second.changes()["changes"]] == [1, 2, 3]
    assert second.ack(2) == {"device_id": second.id, "cursor": 2}
    assert [c["seq"] for c in second.changes()["changes"]] == [3]
    with alice.client() as user_api:  # a user token has no device: from the start
        assert len(user_api.get("/api/v1/sync/changes").json()["changes"]) == 3


def test_ack_is_monotonic_and_bounded(two_devices) -> None:
    first, second = two_devices
    seed(first, 3)
    assert second.ack(3)["cursor"] == 3
    assert second.ack(1)["cursor"] == 3  # never goes back
    problem = assert_problem(
        second.api.post("/api/v1/sync/ack", json={"cursor": 4}), 400, "validation-failed"
    )
    assert problem["errors"][0]["location"] == "body.cursor"
    device = second.api.get(f"/api/v1/sync/devices/{second.id}").json()
    assert device["sync_cursor"] == 3 and device["last_sync_at"] is not None
    assert device["last_seen_at"] is not None


def test_ack_device_rules(two_devices, alice: Account, bob: Account, new_device) -> None:
    first, second = two_devices
    bobs = new_device(bob)
    assert_problem(
        first.api.post("/api/v1/sync/ack", json={"cursor": 0, "device_id": second.id}), 403
    )
    with alice.client() as user_api:
        problem = assert_problem(user_api.post("/api/v1/sync/ack", json={"cursor": 0}), 400)
        assert problem["errors"][0]["location"] == "body.device_id"
        reply = user_api.post("/api/v1/sync/ack", json={"cursor": 0, "device_id": second.id})
        assert reply.json() == {"device_id": second.id, "cursor": 0}
        assert_problem(
            user_api.post("/api/v1/sync/ack", json={"cursor": 0, "device_id": bobs.id}), 404
        )
        unknown = {"cursor": 0, "device_id": str(uuid.uuid4())}
        assert_problem(user_api.post("/api/v1/sync/ack", json=unknown), 404)
    with bob.client() as bob_api:
        assert_problem(
            bob_api.post("/api/v1/sync/ack", json={"cursor": 0, "device_id": first.id}), 404
        )


def test_feeds_are_per_user(two_devices, bob: Account, new_device) -> None:
    first, _ = two_devices
    seed(first, 2)
    bobs = new_device(bob)
    assert bobs.changes() == {"changes": [], "cursor": 0, "has_more": False}
    assert bobs.api.get("/api/v1/sync/files").json()["files"] == []


def _poll_in_background(device: DeviceClient, **params: object) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def poll() -> None:
        started = time.monotonic()
        outcome["page"] = device.changes(**params)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    return thread, outcome


def test_long_poll_answers_at_once_when_there_is_news(two_devices) -> None:
    first, second = two_devices
    seed(first, 1)
    started = time.monotonic()
    assert len(second.changes(cursor=0, wait=30)["changes"]) == 1
    assert time.monotonic() - started < 5


def test_long_poll_waits_for_the_time_asked_when_nothing_happens(two_devices) -> None:
    _, second = two_devices
    started = time.monotonic()
    assert second.changes(wait=1)["changes"] == []
    assert time.monotonic() - started >= 0.9


def test_long_poll_wakes_on_a_change_from_another_device(two_devices) -> None:
    first, second = two_devices
    thread, outcome = _poll_in_background(second, cursor=0, wait=30)
    time.sleep(0.5)
    first.put("news.txt", b"news")
    thread.join(timeout=30)
    assert [c["path"] for c in outcome["page"]["changes"]] == ["news.txt"]
    assert outcome["seconds"] < 10  # woken by the change, not by the 30 s timeout


def test_long_poll_wakes_on_a_change_made_by_another_server_process(
    server_factory: Callable[..., LiveServer],
) -> None:
    """Two processes on one data dir: the change commits in the other one."""
    one = server_factory()
    two = server_factory(data_dir=one.data_dir)
    with one.client() as api:
        api.post("/api/v1/auth/register", json={"username": "poller", "password": "long enough"})
        token = api.post(
            "/api/v1/auth/login", json={"username": "poller", "password": "long enough"}
        ).json()["access_token"]
    account = Account(one, "poller", "", token)
    device_id, _ = account.add_device()
    outcome: dict = {}

    def poll() -> None:
        with one.client(token) as api:
            started = time.monotonic()
            outcome["page"] = api.get("/api/v1/sync/changes", params={"wait": 30}).json()
            outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    with two.client(token) as api:
        change = {"path": "gone.txt", "change_type": "deleted", "base_version": 0}
        assert api.post("/api/v1/sync/report", json={"device_id": device_id, "changes": [change]})
        upload = api.post("/api/v1/sync/upload", json={
            "device_id": device_id, "target_path": "x.txt", "expected_hash": sha256(b""),
            "expected_size": 0,
        }).json()  # fmt: skip
        assert api.post(f"/api/v1/sync/upload/{upload['id']}/complete").status_code == 200
    thread.join(timeout=30)
    assert [c["path"] for c in outcome["page"]["changes"]] == ["x.txt"]
    assert outcome["seconds"] < 10


def test_files_snapshot_is_keyset_paged_in_byte_order(two_devices) -> None:
    first, _ = two_devices
    names = ["c.txt", "B.txt", "a/z.txt", "a.txt", "é.txt", "zz.txt"]
    for name in names:
        first.put(name, name.encode())
    first.report({"path": "zz.txt", "change_type": "deleted", "base_version": 1})
    seen, after, cursors = [], None, set()
    while True:
        params: dict[str, object] = {"limit": 2}
        if after is not None:
            params["after"] = after
        page = first.api.get("/api/v1/sync/files", params=params).json()
        seen += [f["path"] for f in page["files"]]
        cursors.add(page["cursor"])
        assert len(page["files"]) <= 2
        after = page["next_after"]
        if after is None:
            break
    expected = sorted((n for n in names if n != "zz.txt"), key=lambda n: n.encode())
    assert seen == expected
    assert cursors == {7}
    entry = first.api.get("/api/v1/sync/files", params={"limit": 1}).json()["files"][0]
    assert entry == {"path": "B.txt", "version": 1, "content_hash": sha256(b"B.txt"),
                     "size": 5, "mtime": None}  # fmt: skip


def test_files_after_must_be_a_library_path(two_devices) -> None:
    first, _ = two_devices
    reply = first.api.get("/api/v1/sync/files", params={"after": "../x"})
    assert_problem(reply, 400, "validation-failed")


def test_compaction_sends_older_cursors_to_relist(two_devices, server: LiveServer) -> None:
    first, second = two_devices
    seed(first, 3)
    first.ack(3)
    second.ack(2)
    assert server.run_cli("compact").startswith("compacted")
    problem = assert_problem(
        second.api.get("/api/v1/sync/changes", params={"cursor": 1}), 410, "cursor-expired"
    )
    assert "files" in problem["detail"]
    assert [c["seq"] for c in second.changes(cursor=2)["changes"]] == [3]
    assert len(second.api.get("/api/v1/sync/files").json()["files"]) == 3


def test_a_feed_page_is_one_index_range_scan(tmp_path) -> None:
    db = open_database(None, tmp_path)
    try:
        sql, params = changes_query(uuid.uuid4(), 10, 100).sql()
        plan = " ".join(row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    finally:
        close_database()
    assert "USING INDEX change_log_user_id_seq (user_id=? AND seq>?)" in plan, plan
    assert "TEMP B-TREE" not in plan and "SCAN" not in plan, plan


@pytest.mark.parametrize("limit", [0, 1001, "x"])
def test_feed_limit_is_1_to_1000(two_devices, limit: object) -> None:
    first, _ = two_devices
    assert_problem(
        first.api.get("/api/v1/sync/changes", params={"limit": limit}), 400, "validation-failed"
    )


def test_wait_is_0_to_60(two_devices) -> None:
    first, _ = two_devices
    for wait in (-1, 61):
        assert_problem(first.api.get("/api/v1/sync/changes", params={"wait": wait}), 400)


def test_unauthenticated_feed_is_401(server: LiveServer) -> None:
    assert_problem(httpx.get(f"{server.url}/api/v1/sync/changes"), 401, "unauthorized")
