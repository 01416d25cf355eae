"""POST /sync/report: DESIGN.md's per-change rules, driven by two devices through the API."""

from __future__ import annotations

import unicodedata
import uuid

import pytest

from .conftest import Account, DeviceClient, assert_problem, sha256

A, B = b"version A", b"version B, longer"


def created(path: str, data: bytes, base: int = 0, **extra: object) -> dict[str, object]:
    return {"path": path, "change_type": "created", "content_hash": sha256(data),
            "size": len(data), "base_version": base, **extra}  # fmt: skip


def modified(path: str, data: bytes, base: int) -> dict[str, object]:
    return {**created(path, data, base), "change_type": "modified"}


def deleted(path: str, base: int) -> dict[str, object]:
    return {"path": path, "change_type": "deleted", "base_version": base}


def moved(old: str, new: str, base: int) -> dict[str, object]:
    return {"path": new, "old_path": old, "change_type": "moved", "base_version": base}


def files(device: DeviceClient) -> dict[str, dict]:
    reply = device.api.get("/api/v1/sync/files")
    return {f["path"]: f for f in reply.json()["files"]}


def test_new_bytes_are_asked_for_then_applied_by_upload(two_devices) -> None:
    first, _ = two_devices
    result = first.report(created("notes.txt", A))
    assert result == {"accepted": [], "conflicts": [], "upload_required": ["notes.txt"]}
    assert files(first) == {}
    done = first.upload("notes.txt", A)
    assert done["file"] == {"path": "notes.txt", "version": 1, "content_hash": sha256(A),
                            "size": len(A)}  # fmt: skip
    assert done["conflict"] is None and done["session"]["status"] == "completed"
    assert files(first)["notes.txt"]["version"] == 1


def test_stored_bytes_apply_at_once_and_retries_add_nothing(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    # The same bytes at another path: stored already, so applied without an upload.
    result = second.report(created("copy.txt", A))
    assert result["upload_required"] == [] and result["conflicts"] == []
    [accepted] = result["accepted"]
    assert accepted["version"] == 1 and accepted["seq"] == 2
    again = second.report(created("copy.txt", A))
    assert again["accepted"] == [
        {"path": "copy.txt", "stored_path": "copy.txt", "version": 1, "seq": None}
    ]
    assert first.changes()["cursor"] == 2  # the retry logged nothing


def test_edit_on_the_current_version_makes_the_next_version(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    second.upload("b.bin", B)  # B is now stored for this user
    result = first.report(modified("a.txt", B, base=1))
    assert result["accepted"] == [{"path": "a.txt", "stored_path": "a.txt", "version": 2, "seq": 3}]
    assert files(first)["a.txt"]["content_hash"] == sha256(B)
    assert first.download("a.txt") == B


def test_a_stale_edit_is_a_conflict_and_changes_nothing(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    first.upload("a.txt", B, base_version=1)
    result = second.report(modified("a.txt", b"third", base=1))
    assert result["accepted"] == [] and result["upload_required"] == ["a.txt"]
    [conflict] = result["conflicts"]
    assert conflict["path"] == "a.txt" and conflict["device_id"] == second.id
    assert conflict["change_type"] == "modified" and conflict["local_hash"] == sha256(b"third")
    assert conflict["server_hash"] == sha256(B) and conflict["server_version"] == 2
    assert conflict["resolved_at"] is None and conflict["resolution"] is None
    assert files(first)["a.txt"]["version"] == 2


def test_one_open_conflict_per_device_and_path_is_updated(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    first.upload("a.txt", B, base_version=1)
    one = second.report(modified("a.txt", b"third", base=1))["conflicts"][0]
    two = second.report(deleted("a.txt", base=1))["conflicts"][0]
    assert one["id"] == two["id"] and two["change_type"] == "deleted"
    assert two["local_hash"] is None
    listed = second.api.get("/api/v1/sync/conflicts").json()
    assert [c["id"] for c in listed] == [one["id"]]


def test_create_on_a_path_that_exists_is_a_conflict(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    result = second.report(created("a.txt", B))
    assert result["conflicts"][0]["server_version"] == 1


def test_delete_makes_a_tombstone_and_a_stale_edit_after_it_conflicts(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    result = first.report(deleted("a.txt", base=1))
    assert result["accepted"] == [{"path": "a.txt", "stored_path": "a.txt", "version": 2, "seq": 2}]
    assert "a.txt" not in files(first)
    assert_problem(first.api.get("/api/v1/sync/download/a.txt"), 404, "not-found")
    # An edit based on the deleted version is not a silent resurrection.
    first.upload("other.txt", B)
    stale = second.report(modified("a.txt", B, base=1))
    assert stale["accepted"] == [] and stale["conflicts"][0]["server_version"] == 2
    assert stale["conflicts"][0]["server_hash"] is None
    # Deleting again, or what never existed, is an accepted no-op.
    assert first.report(deleted("a.txt", base=1))["accepted"] == [
        {"path": "a.txt", "stored_path": "a.txt", "version": 2, "seq": None}
    ]
    assert first.report(deleted("never.txt", base=0))["accepted"] == [
        {"path": "never.txt", "stored_path": "never.txt", "version": 0, "seq": None}
    ]


def test_recreating_on_a_tombstone_continues_its_versions(two_devices) -> None:
    first, _ = two_devices
    first.upload("a.txt", A)
    first.report(deleted("a.txt", base=1))
    for base in (0, 2):  # "did not have it" and the tombstone's version both apply
        path = f"again-{base}.txt"
        first.upload(path, A)
        first.report(deleted(path, base=1))
        assert first.report(created(path, A, base=base))["accepted"][0]["version"] == 3


def test_a_stale_delete_conflicts(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    first.upload("a.txt", B, base_version=1)
    conflict = second.report(deleted("a.txt", base=1))["conflicts"][0]
    assert conflict["change_type"] == "deleted" and conflict["server_version"] == 2


def test_move_is_one_logged_change_and_its_retry_a_no_op(two_devices) -> None:
    first, second = two_devices
    first.upload("old/a.txt", A)
    result = first.report(moved("old/a.txt", "new/a.txt", base=1))
    assert result["accepted"] == [
        {"path": "new/a.txt", "stored_path": "new/a.txt", "version": 1, "seq": 2}
    ]
    assert set(files(first)) == {"new/a.txt"}
    assert first.download("new/a.txt") == A
    [change] = second.changes(cursor=1)["changes"]
    assert change["change_type"] == "moved" and change["old_path"] == "old/a.txt"
    assert change["content_hash"] == sha256(A) and change["version"] == 1
    retry = first.report(moved("old/a.txt", "new/a.txt", base=1))
    assert retry["accepted"] == [
        {"path": "new/a.txt", "stored_path": "new/a.txt", "version": 1, "seq": None}
    ]
    assert retry["conflicts"] == []


def test_move_onto_an_occupied_path_conflicts_with_the_destination(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    first.upload("b.txt", B)
    [conflict] = second.report(moved("a.txt", "b.txt", base=1))["conflicts"]
    assert conflict["change_type"] == "moved" and conflict["old_path"] == "a.txt"
    assert conflict["server_hash"] == sha256(B) and conflict["server_version"] == 1
    assert set(files(first)) == {"a.txt", "b.txt"}


def test_move_of_a_changed_source_conflicts_with_the_source(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    first.upload("a.txt", B, base_version=1)
    [conflict] = second.report(moved("a.txt", "c.txt", base=1))["conflicts"]
    assert conflict["path"] == "c.txt" and conflict["server_hash"] == sha256(B)
    assert conflict["server_version"] == 2
    [gone] = second.report(moved("never.txt", "d.txt", base=1))["conflicts"]
    assert gone["server_version"] == 0 and gone["server_hash"] is None


def test_one_report_applies_in_order_with_consecutive_seqs(two_devices) -> None:
    first, _ = two_devices
    first.upload("seed.bin", A)
    first.upload("seed2.bin", B)
    result = first.report(
        created("x.txt", A), modified("x.txt", B, base=1), moved("x.txt", "y.txt", base=2),
        deleted("y.txt", base=1),
    )  # fmt: skip
    assert [a["seq"] for a in result["accepted"]] == [3, 4, 5, 6]
    assert [c["change_type"] for c in first.changes(cursor=2)["changes"]] == [
        "created", "modified", "moved", "deleted",
    ]  # fmt: skip


def test_dedup_is_per_user(two_devices, make_user, new_device) -> None:
    first, _ = two_devices
    first.upload("mine.txt", A)
    other = new_device(make_user())
    result = other.report(created("theirs.txt", A))
    assert result["upload_required"] == ["theirs.txt"]
    assert files(other) == {}


def test_nfd_and_nfc_names_are_one_path(two_devices) -> None:
    first, _ = two_devices
    nfd = unicodedata.normalize("NFD", "café.txt")
    first.upload(nfd, A)
    result = first.report(created(unicodedata.normalize("NFC", "café.txt"), A))
    assert result["accepted"] == [
        {"path": "café.txt", "stored_path": "café.txt", "version": 1, "seq": None}
    ]
    assert list(files(first)) == ["café.txt"]


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"path": "a.txt", "change_type": "created"}, "body.changes[0].content_hash"),
        ({"path": "a.txt", "change_type": "moved"}, "body.changes[0].old_path"),
        ({"path": "a.txt", "change_type": "moved", "old_path": "a.txt"},
         "body.changes[0].old_path"),
        ({"path": "a" * 256, "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "é" * 200, "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "/".join(["abcdefgh"] * 120), "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "\uff0e\uff0e/x", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "\u2025/x", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "a\uff0fb", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "../x", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "/abs", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "a\\b", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "a//b", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "a/", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "a\u0000b", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "a\u0085b", "change_type": "deleted"}, "body.changes[0].path"),
        ({"path": "a.txt", "change_type": "deleted", "content_hash": "ABC"},
         "body.changes[0].content_hash"),
        ({"path": "a.txt", "change_type": "renamed"}, "body.changes[0].change_type"),
        ({"path": "a.txt", "change_type": "deleted", "base_version": -1},
         "body.changes[0].base_version"),
    ],
)  # fmt: skip
def test_invalid_changes_are_400_and_apply_nothing(
    two_devices, change: dict[str, object], location: str
) -> None:
    first, _ = two_devices
    first.upload("keep.txt", A)
    reply = first.api.post(
        "/api/v1/sync/report", json={"changes": [deleted("keep.txt", base=1), change]}
    )
    problem = assert_problem(reply, 400, "validation-failed")
    location = location.replace("changes[0]", "changes[1]")
    assert location in {e["location"] for e in problem["errors"]}, problem
    assert "keep.txt" in files(first)  # the valid change in the same report did not apply


def test_size_must_match_the_stored_bytes(two_devices) -> None:
    first, _ = two_devices
    first.upload("a.txt", A)
    reply = first.api.post(
        "/api/v1/sync/report", json={"changes": [created("b.txt", A, size=len(A) + 1)]}
    )
    problem = assert_problem(reply, 400, "validation-failed")
    assert problem["errors"][0]["location"] == "body.changes[0].size"
    assert "b.txt" not in files(first)


@pytest.mark.parametrize("count", [0, 1001])
def test_a_report_has_1_to_1000_changes(two_devices, count: int) -> None:
    first, _ = two_devices
    changes = [deleted(f"f{i}.txt", base=0) for i in range(count)]
    reply = first.api.post("/api/v1/sync/report", json={"changes": changes})
    assert_problem(reply, 400, "validation-failed")


def test_device_rules_for_reports(alice: Account, bob: Account, new_device) -> None:
    mine = new_device(alice)
    other_of_mine = new_device(alice)
    bobs = new_device(bob)
    change = {"changes": [deleted("x.txt", base=0)]}
    with alice.client() as user_api:
        # A user token must name the device; naming one of the user's devices works.
        problem = assert_problem(user_api.post("/api/v1/sync/report", json=change), 400)
        assert problem["errors"][0]["location"] == "body.device_id"
        named = user_api.post("/api/v1/sync/report", json={**change, "device_id": mine.id})
        assert named.status_code == 200
        assert_problem(
            user_api.post("/api/v1/sync/report", json={**change, "device_id": bobs.id}), 404
        )
        assert_problem(
            user_api.post("/api/v1/sync/report", json={**change, "device_id": str(uuid.uuid4())}),
            404,
        )
    # A device token acts only for its own device.
    assert_problem(
        mine.api.post("/api/v1/sync/report", json={**change, "device_id": other_of_mine.id}), 403
    )
    assert mine.api.post("/api/v1/sync/report", json={**change, "device_id": mine.id}).is_success


def test_legacy_alias_reports_identically(two_devices) -> None:
    first, _ = two_devices
    reply = first.api.post("/api/sync/report", json={"changes": [created("legacy.txt", A)]})
    assert reply.json()["upload_required"] == ["legacy.txt"]
