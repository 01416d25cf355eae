"""A library every device can hold (DESIGN.md): no file where a folder of live files is, no
two live files whose paths fold to one, folders in their stored case; every clash a conflict
naming the live path in the way, resolvable three ways, through the API on this pass's backend."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Account, DeviceClient, assert_problem, sha256
from .test_conflicts import resolve
from .test_sync_report import created, deleted, files, moved

A, B, C = b"bytes of A", b"bytes of B!", b"bytes of C!!"


def holdable_problems(paths: list[str]) -> list[str]:
    """Why these live paths could not all be held by one case-insensitive disk."""

    def key(path: str) -> str:
        return unicodedata.normalize("NFC", path.casefold())

    problems, keys = [], {}
    folders: dict[str, str] = {}  # folder key → its spelling
    for path in paths:
        if key(path) in keys:
            problems.append(f"{path!r} and {keys[key(path)]!r} fold to one name")
        keys[key(path)] = path
        segments = path.split("/")
        for depth in range(1, len(segments)):
            folder = "/".join(segments[:depth])
            spelled = folders.setdefault(key(folder), folder)
            if spelled != folder:
                problems.append(f"folder {folder!r} is also spelled {spelled!r}")
    problems += [f"{keys[f]!r} is a file and a folder" for f in folders if f in keys]
    return problems


def live(device: DeviceClient) -> dict[str, dict]:
    found = files(device)
    assert holdable_problems(list(found)) == []
    return found


def test_a_file_where_a_folder_is_needed_is_a_conflict(two_devices) -> None:
    first, second = two_devices
    first.upload("docs", A)
    result = second.report(created("docs/x.txt", A))
    [conflict] = result["conflicts"]
    assert (conflict["path"], conflict["clash_kind"], conflict["clash_path"]) == (
        "docs/x.txt", "file", "docs",
    )  # fmt: skip
    assert (conflict["server_hash"], conflict["server_version"]) == (sha256(A), 1)
    assert result["accepted"] == [] and list(live(first)) == ["docs"]


def test_a_file_where_a_folder_of_files_is_is_a_conflict(two_devices) -> None:
    first, second = two_devices
    first.upload("notes/todo.txt", A)
    # The offline device's `notes` arrives as an upload: the same rule at completion.
    done = second.upload("notes", B)
    assert done["file"] is None
    assert (done["conflict"]["clash_kind"], done["conflict"]["clash_path"]) == ("folder", "notes")
    assert list(live(first)) == ["notes/todo.txt"]


def test_case_and_normalisation_variants_clash(two_devices) -> None:
    first, second = two_devices
    first.upload("Docs/a.txt", A)
    first.upload("café.txt", A)
    first.upload("straße.md", A)
    variants = ["Docs/A.TXT", "docs/a.txt", "DOCS/a.Txt", unicodedata.normalize("NFD", "CAFÉ.txt"),
                "STRASSE.md"]  # fmt: skip
    result = second.report(*(created(p, B) for p in variants))
    assert result["accepted"] == []
    clashes = {(c["path"], c["clash_kind"], c["clash_path"]) for c in result["conflicts"]}
    # `docs/a.txt` is Docs/a.txt itself once its folder takes the stored case: its base (0) is
    # stale, so it is an ordinary conflict on that path.
    assert clashes == {
        ("Docs/A.TXT", "case", "Docs/a.txt"), ("Docs/a.Txt", "case", "Docs/a.txt"),
        ("CAFÉ.txt", "case", "café.txt"), ("STRASSE.md", "case", "straße.md"),
        ("Docs/a.txt", None, None),
    }  # fmt: skip
    assert sorted(live(first)) == ["Docs/a.txt", "café.txt", "straße.md"]


def test_a_new_file_takes_its_folders_stored_case(two_devices) -> None:
    first, second = two_devices
    first.upload("Docs/Sub/a.txt", A)
    result = second.report(created("DOCS/sub/b.txt", A), created("docs/NEW/c.txt", A))
    assert [(a["path"], a["stored_path"]) for a in result["accepted"]] == [
        ("DOCS/sub/b.txt", "Docs/Sub/b.txt"), ("docs/NEW/c.txt", "Docs/NEW/c.txt"),
    ]  # fmt: skip
    # An upload completes under the stored case too, and says where.
    done = second.upload("DOCS/SUB/d.txt", B)
    assert done["file"]["path"] == "Docs/Sub/d.txt"
    assert sorted(live(first)) == ["Docs/NEW/c.txt", "Docs/Sub/a.txt", "Docs/Sub/b.txt",
                                   "Docs/Sub/d.txt"]  # fmt: skip
    # Once its last file goes, a folder may come back in another case.
    first.report(deleted("Docs/NEW/c.txt", 1))
    again = first.report(created("DOCS/new/e.txt", A))
    assert again["accepted"][0]["stored_path"] == "Docs/new/e.txt"


def test_moves_into_and_out_of_clashes(two_devices) -> None:
    first, second = two_devices
    first.upload("a.txt", A)
    first.upload("box/only.txt", B)
    first.upload("shelf/one.txt", C)
    first.upload("shelf/two.txt", A)
    # Into a clash: onto another case of a live file, onto a folder of files.
    result = second.report(moved("a.txt", "BOX/ONLY.TXT", 1), moved("a.txt", "shelf", 1))
    assert {(c["clash_kind"], c["clash_path"]) for c in result["conflicts"]} == {
        ("case", "box/only.txt"), ("folder", "shelf"),
    }  # fmt: skip
    # Out of one: a file renamed in case only, a folder's only file renamed onto the folder.
    result = second.report(moved("a.txt", "A.txt", 1), moved("box/only.txt", "box", 1))
    assert [a["stored_path"] for a in result["accepted"]] == ["A.txt", "box"]
    # A folder renamed in case while other files keep it: nothing to move.
    result = second.report(moved("shelf/one.txt", "SHELF/one.txt", 1))
    assert result["accepted"][0]["stored_path"] == "shelf/one.txt"
    assert result["accepted"][0]["seq"] is None
    assert sorted(live(first)) == ["A.txt", "box", "shelf/one.txt", "shelf/two.txt"]


def _clash(first: DeviceClient, second: DeviceClient, kind: str) -> dict:
    """An open conflict of `second` of each kind, its bytes stored."""
    blocker, incoming = {
        "file": ("docs", "docs/x.txt"),
        "folder": ("docs/x.txt", "docs"),
        "case": ("Docs.txt", "DOCS.TXT"),
    }[kind]
    first.upload(blocker, A)
    done = second.upload(incoming, B)
    assert done["conflict"]["clash_kind"] == kind
    return done["conflict"]


def test_keep_local_replaces_a_blocking_file(two_devices) -> None:
    for kind, expected in (("file", ["docs/x.txt"]), ("case", ["DOCS.TXT"])):
        first, second = two_devices
        conflict = _clash(first, second, kind)
        assert resolve(second, conflict["id"], "keep_local").status_code == 200
        found = live(first)
        assert [p for p in found if p.lower().startswith("docs")] == expected
        assert found[expected[0]]["content_hash"] == sha256(B)
        first.report(deleted(expected[0], found[expected[0]]["version"]))


def test_keep_local_over_a_folder_of_files_is_409_until_it_is_empty(two_devices) -> None:
    first, second = two_devices
    conflict = _clash(first, second, "folder")
    reply = resolve(second, conflict["id"], "keep_local")
    assert "still holds live files" in assert_problem(reply, 409, "conflict")["detail"]
    assert list(live(first)) == ["docs/x.txt"]
    first.report(deleted("docs/x.txt", 1))
    assert resolve(second, conflict["id"], "keep_local").status_code == 200
    assert live(first)["docs"]["content_hash"] == sha256(B)


def test_keep_remote_drops_the_incoming_change(two_devices) -> None:
    first, second = two_devices
    for kind, blocker in (("file", "docs"), ("folder", "docs/x.txt"), ("case", "Docs.txt")):
        conflict = _clash(first, second, kind)
        assert resolve(second, conflict["id"], "keep_remote").status_code == 200
        found = live(first)
        assert list(found) == [blocker]
        first.report(deleted(blocker, found[blocker]["version"]))


def test_keep_both_renames_the_clashing_segment(two_devices) -> None:
    first, second = two_devices
    for kind, blocker, shape in (
        ("file", "docs", ("docs (conflict second ", ")/x.txt")),
        ("folder", "docs/x.txt", ("docs (conflict second ", ")")),
        ("case", "Docs.txt", ("DOCS (conflict second ", ").TXT")),
    ):
        conflict = _clash(first, second, kind)
        assert resolve(second, conflict["id"], "keep_both").status_code == 200
        found = live(first)
        [copy] = [p for p in found if p.startswith(shape[0])]
        assert copy.endswith(shape[1]) and found[copy]["content_hash"] == sha256(B), copy
        assert blocker in found
        for path, entry in found.items():  # clean up for the next kind
            first.report(deleted(path, entry["version"]))


def test_racing_devices_leave_one_winner(alice: Account, new_device) -> None:
    devices = [new_device(alice, f"racer{i}") for i in range(6)]
    devices[0].upload("seed.bin", A)  # the bytes are stored: every report applies at once
    names = ["Race.txt", "RACE.txt", "race.txt", "rAce.txt", "raCe.txt", "racE.txt"]
    trees = ["n", "n/a", "N/b", "n/c/d", "N", "n/A"]
    results: list[dict] = []
    barrier = threading.Barrier(len(devices))

    def race(device: DeviceClient, name: str, tree: str) -> None:
        barrier.wait()
        results.append(device.report(created(name, A), created(tree, A)))

    threads = [
        threading.Thread(target=race, args=job) for job in zip(devices, names, trees, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = [a["stored_path"] for r in results for a in r["accepted"]]
    conflicts = [c for r in results for c in r["conflicts"]]
    assert len(accepted) + len(conflicts) == 12
    assert len([p for p in accepted if p.lower() == "race.txt"]) == 1
    found = live(devices[0])
    assert len([p for p in found if p.lower() == "race.txt"]) == 1
    folders = {p.rsplit("/", depth)[0] for p in found for depth in range(1, p.count("/") + 1)}
    for conflict in conflicts:  # each names the live file or folder in its way
        assert conflict["clash_path"] in (folders if conflict["clash_kind"] == "folder" else found)


PATHS = st.sampled_from(["a", "A", "a/b", "A/B", "a/b/c", "b", "B/c", "ß", "ss/x", "SS"])
CHANGE = st.tuples(st.integers(0, 2), st.sampled_from(["created", "deleted", "moved"]), PATHS,
                   PATHS)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.lists(CHANGE, min_size=1, max_size=4), min_size=1, max_size=6))
def test_no_sequence_of_reports_makes_the_library_unholdable(
    make_user: Callable[[], Account], new_device, steps: list
) -> None:
    account = make_user()
    devices = [new_device(account, f"d{i}") for i in range(3)]
    devices[0].upload("seed", A)
    for step in steps:
        for who, change_type, path, other in step:
            versions = {p: f["version"] for p, f in files(devices[0]).items()}
            if change_type == "created":
                change = created(path, A, versions.get(path, 0))
            elif change_type == "deleted":
                change = deleted(path, versions.get(path, 0))
            elif other == path:
                continue
            else:
                change = moved(other, path, versions.get(other, 0))
            devices[who].report(change)
        live(devices[0])
    for device in devices:
        device.api.close()


def test_path_errors_say_which_rule_failed(two_devices) -> None:
    first, _ = two_devices
    for path, reason in (
        ("a/../b", "a segment may not be '..'"),
        ("a\\b", "contains a backslash"),
        ("x" * 256, "a segment is over 255 bytes"),
        ("a//b", "a segment is empty"),
        ("/abs", "must be relative"),
    ):
        reply = first.api.post("/api/v1/sync/report", json={"changes": [created(path, A)]})
        problem = assert_problem(reply, 400, "validation-failed")
        assert reason in problem["detail"] and "pattern" not in problem["detail"], problem
    reply = first.api.get("/api/v1/sync/download/a%5Cb")
    assert "contains a backslash" in assert_problem(reply, 400)["detail"]


def test_the_folder_clash_survives_a_second_report_of_the_same_change(two_devices) -> None:
    first, second = two_devices
    first.upload("docs/x.txt", A)
    one = second.report(created("docs", A))
    two = second.report(created("docs", A))
    assert one["conflicts"][0]["id"] == two["conflicts"][0]["id"]
    assert len(second.api.get("/api/v1/sync/conflicts").json()) == 1
