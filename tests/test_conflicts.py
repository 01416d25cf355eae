"""Conflicts: listed for every token of the user, resolved keep_remote/keep_local/keep_both."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pinakes_server.services.conflict_names import conflict_copy_path, split_name
from pinakes_server.storage.portable import unportable

from .conftest import Account, DeviceClient, assert_problem, device_client, sha256
from .legacy_names import legacy_library
from .live import LiveServer

SERVER, LOCAL = b"the server's version", b"the device's version"


def make_conflict(first: DeviceClient, second: DeviceClient, upload_local: bool = True) -> dict:
    """`first` writes v2 of notes.txt; `second` edits v1 (its bytes uploaded or not)."""
    first.put("notes.txt", b"v1")
    first.put("notes.txt", SERVER, base_version=1)
    if upload_local:
        result = second.upload("notes.txt", LOCAL, base_version=1)
        assert result["file"] is None
        return result["conflict"]
    change = {"path": "notes.txt", "change_type": "modified", "content_hash": sha256(LOCAL),
              "base_version": 1}  # fmt: skip
    return second.report(change)["conflicts"][0]


def resolve(device: DeviceClient, conflict_id: str, resolution: str):
    return device.api.post(
        f"/api/v1/sync/conflicts/{conflict_id}/resolve", json={"resolution": resolution}
    )


def live_files(device: DeviceClient) -> dict[str, str]:
    listing = device.api.get("/api/v1/sync/files").json()["files"]
    return {f["path"]: f["content_hash"] for f in listing}


def test_upload_on_a_stale_base_completes_with_the_conflict(two_devices) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    assert conflict["local_hash"] == sha256(LOCAL) and conflict["server_hash"] == sha256(SERVER)
    assert conflict["local_size"] == len(LOCAL)
    assert live_files(first)["notes.txt"] == sha256(SERVER)


def test_every_token_of_the_user_lists_open_conflicts(two_devices, alice: Account) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    for api in (first.api, second.api):
        assert [c["id"] for c in api.get("/api/v1/sync/conflicts").json()] == [conflict["id"]]
    with alice.client() as user_api:
        assert len(user_api.get("/api/v1/sync/conflicts").json()) == 1
        mine = user_api.get("/api/v1/sync/conflicts", params={"device_id": second.id}).json()
        assert [c["id"] for c in mine] == [conflict["id"]]
        assert user_api.get("/api/v1/sync/conflicts", params={"device_id": first.id}).json() == []


def test_keep_remote_changes_nothing(two_devices) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    cursor = first.changes()["cursor"]
    resolved = resolve(second, conflict["id"], "keep_remote").json()
    assert resolved["resolution"] == "keep_remote" and resolved["resolved_at"] is not None
    assert live_files(first) == {"notes.txt": sha256(SERVER)}
    assert first.changes(cursor=cursor)["changes"] == []
    assert second.api.get("/api/v1/sync/conflicts").json() == []


def test_keep_local_puts_the_devices_bytes_over_the_server_version(two_devices) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    assert resolve(first, conflict["id"], "keep_local").json()["resolution"] == "keep_local"
    assert first.download("notes.txt") == LOCAL
    [change] = first.changes(cursor=2)["changes"]
    assert change["version"] == 3 and change["device_id"] == second.id


def test_keep_local_of_a_delete_deletes(two_devices) -> None:
    first, second = two_devices
    first.put("a.txt", b"v1")
    first.put("a.txt", SERVER, base_version=1)
    conflict = second.report({"path": "a.txt", "change_type": "deleted", "base_version": 1})
    resolve(second, conflict["conflicts"][0]["id"], "keep_local")
    assert "a.txt" not in live_files(first)


def test_keep_local_of_a_move_moves(two_devices) -> None:
    first, second = two_devices
    first.put("a.txt", SERVER)
    first.put("b.txt", b"occupied")
    [conflict] = second.report(
        {"path": "b.txt", "old_path": "a.txt", "change_type": "moved", "base_version": 1}
    )["conflicts"]
    resolve(second, conflict["id"], "keep_local")
    assert live_files(first) == {"b.txt": sha256(SERVER)}


def test_keep_both_stores_a_named_sibling(two_devices) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    before = datetime.now(UTC).replace(microsecond=0)
    resolve(first, conflict["id"], "keep_both")
    files = live_files(first)
    assert files.pop("notes.txt") == sha256(SERVER)
    [(copy, content)] = files.items()
    match = re.fullmatch(r"notes \(conflict second (\d{4}-\d\d-\d\d \d{6})\)\.txt", copy)
    assert match, copy
    stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H%M%S").replace(tzinfo=UTC)
    assert before <= stamp <= datetime.now(UTC)
    assert content == sha256(LOCAL) and first.download(copy) == LOCAL


def test_keep_both_of_a_delete_equals_keep_remote(two_devices) -> None:
    first, second = two_devices
    first.put("a.txt", b"v1")
    first.put("a.txt", SERVER, base_version=1)
    [conflict] = second.report({"path": "a.txt", "change_type": "deleted", "base_version": 1})[
        "conflicts"
    ]
    assert resolve(second, conflict["id"], "keep_both").status_code == 200
    assert live_files(first) == {"a.txt": sha256(SERVER)}


@pytest.mark.parametrize("resolution", ["keep_local", "keep_both"])
def test_keeping_bytes_that_were_never_uploaded_is_409(two_devices, resolution: str) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second, upload_local=False)
    assert_problem(resolve(second, conflict["id"], resolution), 409, "conflict")
    assert len(second.api.get("/api/v1/sync/conflicts").json()) == 1  # still open
    # Uploading with the same base completes with that conflict; then it resolves.
    second.upload("notes.txt", LOCAL, base_version=1)
    assert resolve(second, conflict["id"], resolution).status_code == 200


def test_resolving_twice_is_409(two_devices) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    assert resolve(second, conflict["id"], "keep_remote").status_code == 200
    assert_problem(resolve(second, conflict["id"], "keep_local"), 409, "conflict")


def test_another_users_conflict_is_404_and_stays_open(two_devices, bob: Account) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    with bob.client() as bob_api:
        reply = bob_api.post(
            f"/api/v1/sync/conflicts/{conflict['id']}/resolve", json={"resolution": "keep_local"}
        )
        assert_problem(reply, 404, "not-found")
        assert bob_api.get("/api/v1/sync/conflicts").json() == []
        assert_problem(bob_api.get("/api/v1/sync/conflicts", params={"device_id": second.id}), 404)
    assert len(second.api.get("/api/v1/sync/conflicts").json()) == 1
    assert_problem(resolve(second, str(uuid.uuid4()), "keep_local"), 404)
    assert_problem(resolve(second, conflict["id"], "keep_everything"), 400, "validation-failed")


WHEN = datetime(2026, 11, 26, 9, 5, 7, tzinfo=UTC)


def always_free(_: str) -> bool:
    return True


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.txt", ("notes", ".txt")),
        ("archive.tar.gz", ("archive.tar", ".gz")),
        (".bashrc", (".bashrc", "")),
        ("README", ("README", "")),
        ("trailing.", ("trailing.", "")),
    ],
)
def test_the_extension_is_the_last_suffix(name: str, expected: tuple[str, str]) -> None:
    assert split_name(name) == expected


def test_conflict_copy_names() -> None:
    assert conflict_copy_path("dir/notes.txt", "Laptop", WHEN, always_free) == (
        "dir/notes (conflict Laptop 2026-11-26 090507).txt"
    )
    assert conflict_copy_path(".bashrc", "a/b\\c\td", WHEN, always_free) == (
        ".bashrc (conflict a_b_c_d 2026-11-26 090507)"
    )
    taken = {"n (conflict L 2026-11-26 090507).md", "n (conflict L 2026-11-26 090507 2).md"}
    assert conflict_copy_path("n.md", "L", WHEN, lambda p: p not in taken) == (
        "n (conflict L 2026-11-26 090507 3).md"
    )


def test_conflict_copy_names_fit_the_limits() -> None:
    long_device = "D" * 300
    segment = conflict_copy_path("x.txt", long_device, WHEN, always_free)
    assert len(segment.encode()) <= 255 and segment.startswith("x (conflict D")
    assert segment.endswith(" 2026-11-26 090507).txt")
    long_stem = "s" * 250 + ".txt"
    copy = conflict_copy_path(long_stem, "Phone", WHEN, always_free)
    assert len(copy.encode()) <= 255 and "(conflict 2026-11-26 090507).txt" in copy
    deep = "/".join(["d" * 200] * 4) + "/" + "é" * 100 + ".txt"
    copy = conflict_copy_path(deep, "Phone", WHEN, always_free)
    assert len(copy.encode()) <= 1024 and copy.endswith(").txt")


@pytest.mark.parametrize(
    "path",
    ["NUL.txt", "con", "CON.tar.gz", "dir/a.", "a.txt ", "a. ", "x:y*z?.md", "inv\u202efdp.exe",
     "z\u200bw.txt", "\ufeffbom", "Com\u00b9.log", "aux .md"],
)  # fmt: skip
def test_conflict_copy_names_are_portable_whatever_they_copy(path: str) -> None:
    for device in ("Laptop", 'Bob\'s "PC" <1>: a|b?*', "LPT1", "rtl\u202eevil"):
        copy = conflict_copy_path(path, device, WHEN, always_free)
        assert unportable(copy) is None, (path, device, copy)
        assert copy.rpartition("/")[0] == path.rpartition("/")[0]


def test_deleting_a_device_keeps_its_open_conflicts_and_their_bytes(
    two_devices, alice: Account
) -> None:
    first, second = two_devices
    conflict = make_conflict(first, second)
    with alice.client() as api:
        assert api.delete(f"/api/v1/sync/devices/{second.id}").status_code == 204
    [kept] = [
        c for c in first.api.get("/api/v1/sync/conflicts").json() if c["id"] == conflict["id"]
    ]
    assert kept["device_id"] is None  # from a removed device
    assert (kept["path"], kept["local_hash"]) == ("notes.txt", sha256(LOCAL))
    assert resolve(first, conflict["id"], "keep_both").status_code == 200
    [copy] = [p for p in live_files(first) if p != "notes.txt"]
    assert copy.startswith("notes (conflict second ") and first.download(copy) == LOCAL


def test_keep_both_of_an_edit_under_a_stored_non_portable_name_is_portable(
    server_factory: Callable[..., LiveServer],
) -> None:
    """A file stored as `CON/x.txt` before the rule is still edited; a stale edit from another
    device is a conflict whose copy renames the first non-portable segment."""
    _, owner, laptop = legacy_library(server_factory, {"CON/x.txt": b"v1"})
    phone = device_client(owner, "phone")
    with laptop.api, phone.api:
        laptop.put("CON/x.txt", SERVER, base_version=1)  # an edit of a stored file: accepted
        conflict = phone.upload("CON/x.txt", LOCAL, base_version=1)["conflict"]
        assert resolve(phone, conflict["id"], "keep_both").status_code == 200
        live = {
            f["path"]: f["content_hash"]
            for f in phone.api.get("/api/v1/sync/files").json()["files"]
        }
        [copy] = [p for p in live if p != "CON/x.txt"]
        assert copy.startswith("CON (conflict phone ") and copy.endswith(")/x.txt"), copy
        assert unportable(copy) is None and live[copy] == sha256(LOCAL)
        assert live["CON/x.txt"] == sha256(SERVER)
