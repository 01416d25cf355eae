"""Racing devices: one winner per base version, no gap in seq, and every device converges."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Account, DeviceClient, sha256
from .live import LiveServer


def test_six_devices_racing_on_one_base_make_one_winner(
    alice: Account, new_device: Callable[..., DeviceClient], server_factory
) -> None:
    # Half of the devices talk to a second server process on the same data dir.
    other = server_factory(data_dir=alice.server.data_dir)
    devices = [new_device(alice, f"racer {i}") for i in range(6)]
    for device in devices[3:]:
        device.api.close()
        device.api = other.client(device.token)
    contents = [f"racer {i} wins".encode() for i in range(6)]
    devices[0].put("race.txt", b"start")
    for device, content in zip(devices, contents, strict=True):
        device.upload(f"stash/{device.id}", content)  # bytes stored: the report applies at once
    start = threading.Barrier(len(devices))
    results: list[dict] = [{} for _ in devices]

    def race(i: int) -> None:
        change = {"path": "race.txt", "change_type": "modified",
                  "content_hash": sha256(contents[i]), "base_version": 1}  # fmt: skip
        start.wait()
        results[i] = devices[i].report(change)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(devices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [r for r in results if r["accepted"]]
    assert len(winners) == 1 and winners[0]["accepted"][0]["version"] == 2
    assert sum(len(r["conflicts"]) for r in results) == 5
    seqs = [c["seq"] for c in devices[0].changes(cursor=0, limit=1000)["changes"]]
    assert seqs == list(range(1, len(seqs) + 1))


@dataclass
class Replica:
    """What a device knows of the server: path → (version, hash), and its feed cursor."""

    device: DeviceClient
    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    cursor: int = 0

    def apply(self, change: dict) -> None:
        if change["change_type"] == "deleted":
            self.files.pop(change["path"], None)
            return
        if change["change_type"] == "moved":
            self.files.pop(change["old_path"], None)
        self.files[change["path"]] = (change["version"], change["content_hash"])

    def sync(self) -> None:
        """Read the feed to its end, check it neither skips nor repeats, apply, ack."""
        while True:
            page = self.device.changes(cursor=self.cursor, limit=7)
            seqs = [c["seq"] for c in page["changes"]]
            assert seqs == list(range(self.cursor + 1, self.cursor + 1 + len(seqs)))
            for change in page["changes"]:
                self.apply(change)
            self.cursor = page["cursor"]
            if not page["has_more"]:
                break
        self.device.ack(self.cursor)

    def base(self, path: str) -> int:
        return self.files[path][0] if path in self.files else 0

    def write(self, path: str, data: bytes) -> None:
        result = self.device.put(path, data, base_version=self.base(path))
        accepted = result.get("accepted") or ([result["file"]] if result.get("file") else [])
        for entry in accepted:
            self.files[path] = (entry["version"], sha256(data))

    def delete(self, path: str) -> None:
        result = self.device.report(
            {"path": path, "change_type": "deleted", "base_version": self.base(path)}
        )
        if result["accepted"] and result["accepted"][0]["seq"] is not None:
            self.files.pop(path, None)

    def move(self, old: str, new: str) -> None:
        if old not in self.files or new in self.files:
            return
        result = self.device.report(
            {"path": new, "old_path": old, "change_type": "moved", "base_version": self.base(old)}
        )
        if result["accepted"]:
            self.files[new] = (result["accepted"][0]["version"], self.files.pop(old)[1])


PATHS = ["a.txt", "b.txt", "dir/c.txt"]
CONTENTS = [b"alpha", b"beta", b"gamma", b""]
STEP = st.tuples(
    st.integers(0, 2),
    st.sampled_from(["write", "write", "delete", "move", "sync"]),
    st.integers(0, len(PATHS) - 1),
    st.integers(0, len(CONTENTS) - 1),
)


@settings(
    max_examples=15, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(
    steps=st.lists(STEP, min_size=1, max_size=25),
    resolutions=st.lists(
        st.sampled_from(["keep_local", "keep_remote", "keep_both"]), min_size=30, max_size=30
    ),
)
def test_random_interleavings_converge(
    server: LiveServer, make_user, new_device, steps, resolutions
) -> None:
    account = make_user()
    replicas = [Replica(new_device(account, f"device {i}")) for i in range(3)]
    for who, action, path_index, content_index in steps:
        replica, path = replicas[who], PATHS[path_index]
        if action == "write":
            replica.write(path, CONTENTS[content_index])
        elif action == "delete":
            replica.delete(path)
        elif action == "move":
            replica.move(path, PATHS[(path_index + 1) % len(PATHS)])
        else:
            replica.sync()
    # A person resolves every conflict; then every device reads the feed to its end.
    api = replicas[0].device.api
    open_conflicts = api.get("/api/v1/sync/conflicts").json()
    for conflict, resolution in zip(open_conflicts, resolutions, strict=False):
        reply = api.post(
            f"/api/v1/sync/conflicts/{conflict['id']}/resolve", json={"resolution": resolution}
        )
        assert reply.status_code == 200, reply.text
    assert api.get("/api/v1/sync/conflicts").json() == []
    listing = api.get("/api/v1/sync/files", params={"limit": 1000}).json()
    server_files = {f["path"]: (f["version"], f["content_hash"]) for f in listing["files"]}
    for replica in replicas:
        replica.sync()
        assert replica.files == server_files
