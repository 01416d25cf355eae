"""Two server instances on one database and one data dir, raced against each other: every
"one winner" rule holds across processes (on SQLite and, in make test's second pass, on
PostgreSQL), and a device on one instance sees what another device did on the other."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest
from pinakes_server.auth import Claims
from pinakes_server.services.notifier import ChangeNotifier
from pinakes_server.storage.db import CHANGES_CHANNEL

from .conftest import Account, DeviceClient, device_client, login, register, sha256
from .live import LiveServer
from .postgres import PostgresCluster

RACERS = 12


@pytest.fixture
def pair(server_factory: Callable[..., LiveServer]) -> tuple[LiveServer, LiveServer]:
    one = server_factory()
    return one, server_factory(data_dir=one.data_dir)


@pytest.fixture
def on_both(pair: tuple[LiveServer, LiveServer]) -> Iterator[Callable[..., list[DeviceClient]]]:
    """`count` devices of an account, alternately talking to one instance and the other."""
    made: list[DeviceClient] = []

    def make(account: Account, count: int) -> list[DeviceClient]:
        for i in range(count):
            device = device_client(account, f"racer {i}")
            device.api.close()
            api = pair[i % 2].client(device.token)
            made.append(DeviceClient(account, device.id, device.token, api))
        return made[-count:]

    yield make
    for device in made:
        device.api.close()


def _race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """All at once, as far as threads and a barrier allow."""
    barrier = threading.Barrier(len(calls))

    def go(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


def _owner(pair: tuple[LiveServer, LiveServer]) -> Account:
    assert register(pair[0], "owner").status_code == 201
    return Account(pair[0], "owner", "", login(pair[0], "owner"))


def test_one_first_user_however_many_register_at_once(pair) -> None:
    def register_on(server: LiveServer, name: str) -> Callable[[], httpx.Response]:
        return lambda: register(server, name)

    replies = _race([register_on(pair[i % 2], f"first{i}") for i in range(RACERS)])
    assert sorted(r.status_code for r in replies) == [201] + [403] * (RACERS - 1)
    (admin,) = [r.json() for r in replies if r.status_code == 201]
    assert admin["is_admin"] is True


def test_racing_writers_of_one_path_get_one_winner_per_version(pair, on_both) -> None:
    devices = on_both(_owner(pair), RACERS)
    blob = b"the same bytes for everyone"
    for device in devices:  # each device's own bytes, so no write is an idempotent retry
        device.upload(f"bytes/{device.id}", blob + device.id.encode())
    for base in range(3):  # three rounds: everyone writes on top of the same version

        def write(device: DeviceClient, base: int = base) -> Callable[[], httpx.Response]:
            own = sha256(blob + device.id.encode())
            change = {"path": "contested.txt", "change_type": "modified", "content_hash": own,
                      "base_version": base}  # fmt: skip
            return lambda: device.api.post("/api/v1/sync/report", json={"changes": [change]})

        results = [r.json() for r in _race([write(d) for d in devices])]
        applied = [a for r in results for a in r["accepted"] if a["seq"] is not None]
        assert [a["version"] for a in applied] == [base + 1], results
        # Everyone else lost: a conflict, or (the last round's winner, whose bytes are still
        # the current ones) an accepted no-op.
        assert all(len(r["accepted"]) + len(r["conflicts"]) == 1 for r in results)
    log = devices[0].changes(limit=1000)["changes"]
    assert [c["seq"] for c in log] == list(range(1, len(log) + 1))
    versions = [c["version"] for c in log if c["path"] == "contested.txt"]
    assert versions == [1, 2, 3]


def test_racing_reports_of_distinct_paths_leave_no_gap(pair, on_both) -> None:
    devices = on_both(_owner(pair), RACERS)
    blob = b"shared"
    devices[0].upload("seed.bin", blob)

    def batch(device: DeviceClient) -> Callable[[], httpx.Response]:
        changes = [
            {"path": f"{device.id}/{n}.txt", "change_type": "created", "content_hash": sha256(blob)}
            for n in range(20)
        ]
        return lambda: device.api.post("/api/v1/sync/report", json={"changes": changes})

    replies = _race([batch(d) for d in devices])
    assert all(r.status_code == 200 for r in replies)
    for reply in replies:  # each report's changes take consecutive seqs
        seqs = [a["seq"] for a in reply.json()["accepted"]]
        assert seqs == list(range(seqs[0], seqs[0] + 20))
    log = devices[0].changes(limit=1000)["changes"]
    assert [c["seq"] for c in log] == list(range(1, 1 + 1 + 20 * RACERS))


def test_a_conflict_is_resolved_once_across_instances(pair, on_both) -> None:
    account = _owner(pair)
    first, second = on_both(account, 2)
    first.upload("doc.txt", b"v1")
    first.upload("doc.txt", b"v2 from first", base_version=1)
    conflict = second.upload("doc.txt", b"v2 from second", base_version=1)["conflict"]
    url = f"/api/v1/sync/conflicts/{conflict['id']}/resolve"
    with pair[0].client(account.token) as one, pair[1].client(account.token) as two:
        replies = _race([
            lambda: one.post(url, json={"resolution": "keep_local"}),
            lambda: two.post(url, json={"resolution": "keep_local"}),
        ] * 3)  # fmt: skip
    assert sorted(r.status_code for r in replies) == [200] + [409] * 5
    log = first.changes()["changes"]
    assert [c["version"] for c in log if c["path"] == "doc.txt"] == [1, 2, 3]  # applied once


def test_acks_racing_on_two_instances_never_move_a_cursor_back(pair, on_both) -> None:
    account = _owner(pair)
    (device,) = on_both(account, 1)
    device.upload("x", b"x")
    device.report(*[
        {"path": f"{n}.txt", "change_type": "created", "content_hash": sha256(b"x")}
        for n in range(30)
    ])  # fmt: skip
    last = device.changes()["cursor"]
    assert last == 31
    clients = [pair[i % 2].client(device.token) for i in range(RACERS)]
    try:
        replies = _race([
            (lambda api=api, c=c: api.post("/api/v1/sync/ack", json={"cursor": c}))
            for api, c in zip(clients, [last, *range(RACERS - 1)], strict=True)
        ])  # fmt: skip
    finally:
        for api in clients:
            api.close()
    assert all(r.status_code == 200 for r in replies)
    with account.client() as api:
        (listed,) = [d for d in api.get("/api/v1/sync/devices").json() if d["id"] == device.id]
    assert listed["sync_cursor"] == last


def test_a_device_on_one_instance_sees_the_other_at_once(pair, on_both) -> None:
    account = _owner(pair)
    writer, reader = on_both(account, 2)  # writer on the first, reader on the second
    outcome: dict = {}

    def wait() -> None:
        started = time.monotonic()
        outcome["page"] = reader.changes(cursor=0, wait=30)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.5)
    writer.upload("hello.txt", b"hello from the other instance")
    thread.join(timeout=30)
    assert [c["path"] for c in outcome["page"]["changes"]] == ["hello.txt"]
    assert outcome["seconds"] < 5  # woken by the change, not by the 30 s wait
    assert reader.download("hello.txt") == b"hello from the other instance"


async def _no_check() -> None:
    """The held tokens' check, off: this notifier has no database of users to ask."""


@pytest.mark.postgresql_only
def test_a_notify_from_another_process_wakes_a_waiter(postgres: PostgresCluster) -> None:
    """LISTEN/NOTIFY alone: the notifier's polling is set too slow to be what wakes it."""
    url, user = postgres.new_database(), uuid.uuid4()

    async def scenario() -> float:
        notifier = ChangeNotifier(listen_url=url)
        notifier.poll_interval = 3600
        notifier.end_fallen = _no_check  # type: ignore[method-assign]  # no users here
        running = asyncio.create_task(notifier.run())
        await asyncio.sleep(0.5)  # listening by now
        waiter = asyncio.create_task(notifier.wait(Claims(user, None), cursor=5, timeout=20))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as other:
            await other.execute("SELECT pg_notify(%s, %s)", (CHANGES_CHANNEL, f"{user}:6"))
        await waiter
        running.cancel()
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 5  # not the 20 s timeout


@pytest.mark.postgresql_only
def test_the_server_outlives_a_database_restart(server_factory: Callable[..., LiveServer]) -> None:
    """Its pooled connections die with the restart: at most one request gets a 503 (with
    Retry-After) per connection, then fresh ones serve, and long-polls wake again."""
    own = PostgresCluster.start()  # restarting the shared one would cut the other tests' too
    try:
        server = server_factory(storage_fails=True, PINAKES_DATABASE_URL=own.new_database())
        assert register(server, "owner").status_code == 201
        device = device_client(Account(server, "owner", "", login(server, "owner")), "laptop")
        device.upload("before.txt", b"before")
        own.restart()
        first = device.api.get("/api/v1/sync/files")
        assert first.status_code in (200, 503), first.text
        if first.status_code == 503:
            assert first.headers["retry-after"]
        time.sleep(1.5)  # the listener reconnects within a second
        device.upload("after.txt", b"after")
        assert [f["path"] for f in device.api.get("/api/v1/sync/files").json()["files"]] == [
            "after.txt", "before.txt",
        ]  # fmt: skip
        assert device.download("before.txt") == b"before"
        device.api.close()
        server.stop()
    finally:
        own.stop()
