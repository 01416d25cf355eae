"""Load and soak: N devices of one library make random edits, deletes and conflict
resolutions against one server for a bounded time, each syncing the others' changes.

It holds when no request got a 5xx, the log has every seq once and every (path, version)
once, every change a device was told was applied is in it, every conflict was against
another device's write (a real race), and after a last pull every device's view equals
the server's listing, byte for byte where it downloaded. `make test` runs a short soak;
`make soak` a long one (PINAKES_SOAK_SECONDS, PINAKES_SOAK_DEVICES).
"""

from __future__ import annotations

import collections
import hashlib
import os
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from .conftest import CHUNK, Account, DeviceClient, device_client, login, register
from .live import LiveServer

SECONDS = float(os.environ.get("PINAKES_SOAK_SECONDS", "8"))
DEVICES = int(os.environ.get("PINAKES_SOAK_DEVICES", "20"))
PATHS = [f"shared/{i:02}.txt" for i in range(2 * DEVICES)]  # few enough that devices race


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    applied: set[tuple[str, int]] = field(default_factory=set)  # what devices were told
    conflicts: list[tuple[str, str, int]] = field(default_factory=list)  # device, path, version
    seconds: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))

    def count(self, reply: httpx.Response, what: str) -> httpx.Response:
        with self.lock:
            self.statuses[(what, reply.status_code)] += 1
            self.seconds[what].append(reply.elapsed.total_seconds())
        return reply

    def latencies(self) -> str:
        """p50/p99 per operation, in ms: where a slow disk or a waiting writer shows."""
        cuts = {
            what: statistics.quantiles(s, n=100) for what, s in self.seconds.items() if len(s) > 1
        }
        return ", ".join(
            f"{what} {q[49] * 1000:.0f}/{q[98] * 1000:.0f}" for what, q in sorted(cuts.items())
        )


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SimulatedDevice:
    """What a sync client keeps: per path the last version it knows (None hash: deleted)."""

    def __init__(self, device: DeviceClient, stats: Stats, seed: int) -> None:
        self.device = device
        self.api = device.api
        self.stats = stats
        self.random = random.Random(seed)
        self.known: dict[str, tuple[int, str | None]] = {}
        self.cursor = 0

    def _call(self, what: str, method: str, url: str, **kwargs: object) -> httpx.Response:
        return self.stats.count(self.api.request(method, url, **kwargs), what)  # type: ignore[arg-type]

    def _learn(self, path: str, version: int, content_hash: str | None) -> None:
        if version > self.known.get(path, (0, None))[0]:
            self.known[path] = (version, content_hash)

    def _applied(self, path: str, version: int, content_hash: str | None) -> None:
        self._learn(path, version, content_hash)
        with self.stats.lock:
            self.stats.applied.add((path, version))

    def step(self) -> None:
        action = self.random.random()
        if action < 0.55:
            self.edit(self.random.choice(PATHS))
        elif action < 0.7:
            live = [p for p, (_, h) in self.known.items() if h is not None]
            if live:
                self.delete(self.random.choice(live))
        else:
            self.pull()

    def edit(self, path: str) -> None:
        size = self.random.choice([0, 1, 100, 5000, CHUNK + 7])
        data = self.random.randbytes(size)
        version, known_hash = self.known.get(path, (0, None))
        change = {"path": path, "change_type": "modified" if known_hash else "created",
                  "content_hash": _hash(data), "size": size, "base_version": version}  # fmt: skip
        result = self._report(change)
        for accepted in result["accepted"]:
            if accepted["seq"] is not None:
                self._applied(path, accepted["version"], _hash(data))
        if path in result["upload_required"]:
            done = self._upload(path, data, version)
            if done["file"] is not None:
                self._applied(path, done["file"]["version"], _hash(data))
            if done["conflict"] is not None:
                self._resolve(done["conflict"])
            return
        for conflict in result["conflicts"]:
            self._resolve(conflict)

    def delete(self, path: str) -> None:
        version, _ = self.known[path]
        result = self._report({"path": path, "change_type": "deleted", "base_version": version})
        for accepted in result["accepted"]:
            if accepted["seq"] is not None:
                self._applied(path, accepted["version"], None)
        for conflict in result["conflicts"]:
            self._resolve(conflict)

    def _report(self, change: dict[str, object]) -> dict:
        reply = self._call("report", "POST", "/api/v1/sync/report", json={"changes": [change]})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def _upload(self, path: str, data: bytes, base_version: int) -> dict:
        body = {"target_path": path, "expected_hash": _hash(data), "expected_size": len(data),
                "chunk_size": CHUNK, "base_version": base_version}  # fmt: skip
        reply = self._call("create_upload", "POST", "/api/v1/sync/upload", json=body)
        assert reply.status_code == 200, reply.text
        session = reply.json()
        for index in range(session["chunk_count"]):
            reply = self._call(
                "upload_chunk", "PUT", f"/api/v1/sync/upload/{session['id']}/chunks/{index}",
                content=data[index * CHUNK : (index + 1) * CHUNK],
                headers={"content-type": "application/octet-stream"},
            )  # fmt: skip
            assert reply.status_code == 200, reply.text
        done = self._call("complete", "POST", f"/api/v1/sync/upload/{session['id']}/complete")
        assert done.status_code == 200, done.text
        return done.json()

    def _resolve(self, conflict: dict) -> None:
        with self.stats.lock:
            self.stats.conflicts.append(
                (self.device.id, conflict["path"], conflict["server_version"])
            )
        resolution = self.random.choice(["keep_remote", "keep_local", "keep_both"])
        reply = self._call(
            "resolve", "POST", f"/api/v1/sync/conflicts/{conflict['id']}/resolve",
            json={"resolution": resolution},
        )  # fmt: skip
        assert reply.status_code == 200, reply.text
        self.pull()  # what the resolution wrote, as any client would learn it next

    def pull(self) -> None:
        """Read the feed from the cursor, download what is new, ack."""
        while True:
            page = self._call(
                "changes", "GET", "/api/v1/sync/changes",
                params={"cursor": self.cursor, "limit": 1000},
            ).json()  # fmt: skip
            for change in page["changes"]:
                live = change["change_type"] != "deleted" and change["content_hash"]
                if change["change_type"] == "moved":
                    self._learn(change["old_path"], change["version"], None)
                self._learn(
                    change["path"], change["version"], change["content_hash"] if live else None
                )
                if live and self.random.random() < 0.3:
                    self._check_download(change["path"], change["content_hash"])
            self.cursor = page["cursor"]
            ack = self._call("ack", "POST", "/api/v1/sync/ack", json={"cursor": self.cursor})
            assert ack.status_code == 200, ack.text
            if not page["has_more"]:
                return

    def _check_download(self, path: str, content_hash: str) -> None:
        reply = self._call("download", "GET", f"/api/v1/sync/download/{quote(path)}")
        if reply.status_code == 404:
            return  # deleted since: a later change says so
        assert reply.status_code == 200, reply.text
        assert _hash(reply.content) == reply.headers["etag"].strip('"')  # whole, whichever

    def view(self) -> dict[str, tuple[int, str]]:
        return {p: (v, h) for p, (v, h) in self.known.items() if h is not None}


def _run(device: SimulatedDevice, deadline: float, failures: list[BaseException]) -> None:
    try:
        while time.monotonic() < deadline:
            device.step()
    except BaseException as exc:  # reported by the test, not lost in a thread
        failures.append(exc)


def _listing(api: httpx.Client) -> dict[str, tuple[int, str]]:
    files, after = {}, None
    while True:
        page = api.get(
            "/api/v1/sync/files", params={"limit": 1000, **({"after": after} if after else {})}
        ).json()
        files.update({f["path"]: (f["version"], f["content_hash"]) for f in page["files"]})
        if (after := page["next_after"]) is None:
            return files


def _whole_log(api: httpx.Client) -> list[dict]:
    changes, cursor = [], 0
    while True:
        page = api.get("/api/v1/sync/changes", params={"cursor": cursor, "limit": 1000}).json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def test_devices_syncing_random_edits_converge(server_factory: Callable[..., LiveServer]) -> None:
    # Every device may have an upload open at once: above the per-user default of 64.
    server = server_factory(PINAKES_MAX_OPEN_UPLOADS=str(max(64, 2 * DEVICES)))
    assert register(server, "owner").status_code == 201
    account = Account(server, "owner", "", login(server, "owner"))
    stats = Stats()
    devices = [
        SimulatedDevice(device_client(account, f"device {i}"), stats, seed=i)
        for i in range(DEVICES)
    ]
    failures: list[BaseException] = []
    started = time.monotonic()
    threads = [
        threading.Thread(target=_run, args=(d, started + SECONDS, failures)) for d in devices
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS + 120)
    elapsed = time.monotonic() - started
    requests = sum(stats.statuses.values())
    errors = {k: n for k, n in stats.statuses.items() if k[1] >= 400}
    print(  # before any check: a failed soak's figures say where it failed
        f"\nsoak: {DEVICES} devices, {elapsed:.1f} s, {requests} requests "
        f"({requests / elapsed:.0f}/s), 4xx/5xx {errors or 'none'}\n"
        f"p50/p99 ms: {stats.latencies()}"
    )
    assert not failures, failures[0]
    for device in devices:
        device.pull()

    with account.client() as api:
        log, listing = _whole_log(api), _listing(api)
    print(f"{len(log)} changes, {len(stats.conflicts)} conflicts, {len(listing)} live files")
    assert not [k for k in stats.statuses if k[1] >= 500], stats.statuses
    assert [c["seq"] for c in log] == list(range(1, len(log) + 1))  # no gap, no duplicate
    versions = [(c["path"], c["version"]) for c in log]
    assert len(set(versions)) == len(versions)  # no change applied twice
    assert stats.applied <= set(versions)  # nothing a device was told was applied is lost
    writer = {(c["path"], c["version"]): c["device_id"] for c in log}
    for device_id, path, server_version in stats.conflicts:
        # A real race: the version the device lost to was written by another device.
        assert writer.get((path, server_version), "nobody") != device_id, (path, server_version)
    for device in devices:
        assert device.view() == listing, device.device.id
        device.api.close()
    assert len(log) > DEVICES and stats.conflicts  # the load was real
