"""pinakes-sync end to end: real server process, real folders, the command as a person runs it."""

from __future__ import annotations

import json
import os
import pty
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from .conftest import login, register
from .legacy_names import legacy_library
from .live import PASSWORD, ROOT, LiveServer


def run(*args: str | Path, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PINAKES_PASSWORD": PASSWORD}
    result = subprocess.run(
        [sys.executable, "-m", "pinakes_sync.cli", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".pinakes" not in p.relative_to(folder).parts
    }


@pytest.fixture
def library(server_factory: Callable[..., LiveServer], tmp_path: Path):
    """A server with one user, and a factory of folders init'ed against it."""
    server = server_factory()
    assert register(server, "reader").status_code == 201

    def folder(name: str) -> Path:
        path = tmp_path / name
        run("init", path, "--server", server.url, "--username", "reader", "--device-name", name)
        return path

    folder.server = server  # type: ignore[attr-defined]
    return folder


def sync(*folders: Path) -> None:
    for folder in folders:
        run("sync", folder)


def test_init_keeps_the_device_token_private(library) -> None:
    a = library("a")
    token = a / ".pinakes" / "device-token"
    assert token.stat().st_mode & 0o777 == 0o600
    assert (a / ".pinakes").stat().st_mode & 0o777 == 0o700
    state = json.loads((a / ".pinakes" / "state.json").read_text())
    assert state["username"] == "reader" and token.read_text().startswith("pkd_")


def test_two_folders_converge(library) -> None:
    a, b = library("a"), library("b")
    (a / "books" / "sf").mkdir(parents=True)
    (a / "books" / "sf" / "dispossessed.txt").write_text("Anarres")
    (a / "notes.txt").write_text("notes")
    (b / "music").mkdir()
    (b / "music" / "track.bin").write_bytes(random.Random(1).randbytes(3_000_000))
    (b / "café.txt").write_text("NFC or NFD, one path")
    sync(a, b, a)
    assert tree(a) == tree(b) and len(tree(a)) == 4
    (a / "pending.txt").write_text("not sent yet")
    status = run("status", a).stdout
    assert "files:     4 synced, 1 local change(s) to send" in status
    assert "conflicts: 0" in status and library.server.url in status
    (a / "pending.txt").unlink()
    # Edits, a rename, a delete and a new nested directory, on both sides.
    (a / "notes.txt").write_text("notes, edited")
    os.rename(b / "music" / "track.bin", b / "music" / "renamed.bin")
    (b / "books" / "sf" / "dispossessed.txt").unlink()
    (b / "deep" / "er" / "still").mkdir(parents=True)
    (b / "deep" / "er" / "still" / "x.txt").write_text("x")
    sync(a, b, a)
    assert tree(a) == tree(b)
    assert set(tree(a)) == {"notes.txt", "music/renamed.bin", "café.txt", "deep/er/still/x.txt"}
    assert tree(b)["notes.txt"] == b"notes, edited"
    assert not (a / "books").exists()  # emptied directories go too


@pytest.mark.parametrize("resolution", ["keep_local", "keep_remote", "keep_both"])
def test_conflicting_edits_and_each_resolution(library, resolution: str) -> None:
    a, b = library("a"), library("b")
    (a / "shared.txt").write_text("original")
    sync(a, b)
    (a / "shared.txt").write_text("edited on a")
    (b / "shared.txt").write_text("edited on b")
    sync(a)
    out = run("sync", b).stdout
    assert "conflict" in out
    listing = run("conflicts", b).stdout
    conflict_id = listing.split()[0]
    assert "shared.txt" in listing and len(listing.strip().splitlines()) == 1
    run("resolve", b, conflict_id, resolution)
    sync(a, b, a)
    assert tree(a) == tree(b)
    files = tree(a)
    if resolution == "keep_local":
        assert files == {"shared.txt": b"edited on b"}
    elif resolution == "keep_remote":
        assert files == {"shared.txt": b"edited on a"}
    else:
        assert files.pop("shared.txt") == b"edited on a"
        [(copy, content)] = files.items()
        assert copy.startswith("shared (conflict b ") and content == b"edited on b"
    assert run("conflicts", a).stdout.strip() == "no open conflicts"


def test_an_interrupted_upload_resumes_where_it_stopped(library) -> None:
    a, b = library("a"), library("b")
    data = os.urandom(320 * 1024 * 1024)
    (a / "big.bin").write_bytes(data)
    env = {**os.environ, "PINAKES_PASSWORD": PASSWORD}
    client = subprocess.Popen([sys.executable, "-m", "pinakes_sync.cli", "sync", str(a)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    state_file = a / ".pinakes" / "state.json"
    server: LiveServer = library.server
    user = httpx.Client(base_url=server.url,
                        headers={"Authorization": f"Bearer {login(server, 'reader')}"})  # fmt: skip
    session_id, received = None, []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not received:
        uploads = json.loads(state_file.read_text()).get("uploads", {})
        if "big.bin" in uploads:
            session_id = uploads["big.bin"]["session_id"]
            received = user.get(f"/api/v1/sync/upload/{session_id}").json()["received_chunks"]
        time.sleep(0.01)
    client.send_signal(signal.SIGKILL)
    client.wait()
    assert session_id and received, "the upload finished before it could be interrupted"
    status = user.get(f"/api/v1/sync/upload/{session_id}").json()
    assert status["status"] in ("pending", "in_progress") and len(status["received_chunks"]) < 40
    sync(a)
    resumed = user.get(f"/api/v1/sync/upload/{session_id}").json()
    assert resumed["status"] == "completed"  # the same session, not a new one
    sync(b)
    assert (b / "big.bin").read_bytes() == data
    user.close()


def test_a_revoked_device_gets_one_clear_line(library) -> None:
    a = library("a")
    server: LiveServer = library.server
    state = json.loads((a / ".pinakes" / "state.json").read_text())
    with server.client(login(server, "reader")) as api:
        api.post(f"/api/v1/sync/devices/{state['device_id']}/token")
    result = run("sync", a, check=False)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "pinakes-sync init" in line and "Traceback" not in result.stderr


def test_wrong_password_and_unreachable_server(library, tmp_path: Path) -> None:
    server: LiveServer = library.server
    env = {**os.environ, "PINAKES_PASSWORD": "not the password"}
    wrong = subprocess.run([sys.executable, "-m", "pinakes_sync.cli", "init", str(tmp_path / "w"),
                            "--server", server.url, "--username", "reader"],
                           capture_output=True, text=True, env=env, cwd=ROOT)  # fmt: skip
    assert wrong.returncode == 1 and wrong.stderr.strip().endswith("wrong username or password")
    down = run("init", tmp_path / "x", "--server", "http://127.0.0.1:9", "--username", "reader",
               check=False)  # fmt: skip
    assert down.returncode == 1 and "cannot reach the server" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1


def test_a_pass_deleting_most_of_the_library_asks_first(library) -> None:
    a, b = library("a"), library("b")
    for i in range(4):
        (a / f"{i}.txt").write_text(str(i))
    sync(a, b)
    for i in range(3):
        (a / f"{i}.txt").unlink()
    refused = run("sync", a, check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    sync(b)
    assert len(tree(b)) == 4  # nothing was deleted on the server
    run("sync", a, "--yes")
    sync(b)
    assert set(tree(b)) == {"3.txt"}


def test_a_fresh_folder_never_deletes_on_the_server(library) -> None:
    a = library("a")
    (a / "keep.txt").write_text("keep")
    sync(a)
    fresh = library("fresh")  # empty: it adds, it never deletes
    sync(fresh, a)
    assert tree(fresh) == tree(a) == {"keep.txt": b"keep"}


def test_watch_carries_a_dropped_file_across(library) -> None:
    a, b = library("a"), library("b")
    env = {**os.environ, "PINAKES_PASSWORD": PASSWORD}
    watchers = [
        subprocess.Popen(
            [sys.executable, "-m", "pinakes_sync.cli", "sync", str(f), "--watch"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in (a, b)
    ]
    try:
        time.sleep(1)
        (a / "dropped.txt").write_text("dropped into a")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (b / "dropped.txt").exists():
            time.sleep(0.1)
        assert (b / "dropped.txt").read_text() == "dropped into a"
    finally:
        for watcher in watchers:
            watcher.terminate()
            _, errors = watcher.communicate(timeout=10)
            assert "Traceback" not in errors, errors


def test_progress_bars_only_on_a_terminal(library) -> None:
    a = library("a")
    (a / "nine.bin").write_bytes(os.urandom(9 * 1024 * 1024))  # two 8 MiB chunks
    (a / "other.bin").write_bytes(os.urandom(9 * 1024 * 1024))
    quiet = run("sync", a)
    assert quiet.stderr == ""  # not a terminal: no progress output
    (a / "nine.bin").write_bytes(os.urandom(9 * 1024 * 1024))
    main, secondary = pty.openpty()
    env = {**os.environ, "PINAKES_PASSWORD": PASSWORD}
    command = [sys.executable, "-m", "pinakes_sync.cli", "sync", str(a)]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=secondary
    ) as client:
        os.close(secondary)
        output = b""
        while True:
            try:
                data = os.read(main, 4096)
            except OSError:
                break
            if not data:
                break
            output += data
        assert client.wait(timeout=60) == 0
    os.close(main)
    assert b"nine.bin" in output and b"9.0/9.0 MiB" in output and b"#" in output


def test_a_folder_behind_the_compacted_feed_relists(library) -> None:
    a, b = library("a"), library("b")
    (a / "one.txt").write_text("one")
    (a / "two.txt").write_text("two")
    sync(a, b, a)
    backup = (b / ".pinakes" / "state.json").read_text()  # b as it is now, state and files
    (a / "two.txt").unlink()
    (a / "three.txt").write_text("three")
    sync(a, b, a)
    server: LiveServer = library.server
    server.run_cli("compact")
    # b is restored from the backup: its cursor now predates what the feed keeps.
    (b / ".pinakes" / "state.json").write_text(backup)
    (b / "three.txt").unlink()
    (b / "two.txt").write_text("two")
    state = json.loads(backup)
    entry = state["files"]["two.txt"]
    os.utime(b / "two.txt", ns=(entry["mtime_ns"], entry["mtime_ns"]))
    sync(b)
    assert tree(b) == tree(a) == {"one.txt": b"one", "three.txt": b"three"}


def _requests(log: Path, start: int, *operations: str) -> dict[str, int]:
    """How many requests of each operation the server answered 200 since line `start`."""
    lines = log.read_text().splitlines()[start:]
    return {op: sum(f"operation={op} status=200" in line for line in lines) for op in operations}


def test_small_files_go_in_batches_and_large_ones_resumably(library) -> None:
    """1,200 small files take two batch requests each way (1000 + 200 files), not a request
    or three each; a file of a chunk or more still takes a resumable upload and a download of
    its own; the other folder gets them all."""
    a, b = library("a"), library("b")
    for i in range(1200):
        folder = a / f"notes/{i % 12:02}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:04}.md").write_text(f"note {i}\n" * 10)
    (a / "big.bin").write_bytes(random.Random(2).randbytes(9 * 1024 * 1024))
    log = library.server.log
    start = len(log.read_text().splitlines())
    sync(a)
    pushed = ("upload_batch", "create_upload", "complete_upload", "report_changes")
    assert _requests(log, start, *pushed) == {
        "upload_batch": 2, "create_upload": 1, "complete_upload": 1, "report_changes": 1,
    }  # fmt: skip
    start = len(log.read_text().splitlines())
    sync(b)
    assert _requests(log, start, "download_batch", "download_file") == {
        "download_batch": 2, "download_file": 1,
    }  # fmt: skip
    assert tree(b) == tree(a) and len(tree(b)) == 1201
    assert not [p for p in b.rglob(".pinakes-part-*")]  # nothing staged is left behind


def test_names_stored_before_they_had_to_be_portable_sync_on_linux(
    server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """A library the release before let hold `NUL.txt`, `a./b` … syncs down to a Linux folder
    and on; a new local name the server refuses is left out with a warning, the rest goes."""
    files = {"NUL.txt": b"nul", "a./b": b"dot", "CON/x.txt": b"con", "a*?.txt": b"stars",
             "invoice\u202efdp.exe": b"rtl", "fine.txt": b"fine"}  # fmt: skip
    server, _, laptop = legacy_library(server_factory, files)
    laptop.api.close()
    folder = tmp_path / "linux"
    run("init", folder, "--server", server.url, "--username", "owner", "--device-name", "linux")
    assert "synced: 0 sent, 6 received" in run("sync", folder).stdout
    assert tree(folder) == files
    assert run("sync", folder).stdout == ""  # nothing left to do: no loop on those names

    (folder / "NUL.txt").write_bytes(b"nul, edited on linux")  # an edit of a stored file: sent
    (folder / "draft: v2.txt").write_text("a name Windows cannot hold")
    (folder / "new.txt").write_text("new")
    os.rename(folder / "fine.txt", folder / "fine?.txt")  # a move to such a name
    for _ in range(2):  # and again next pass: the same warnings, the rest in sync
        out = run("sync", folder).stdout
        for name in ("draft: v2.txt", "fine?.txt"):
            assert (
                f"warning: {name} was not sent: the server says it is not a library path: it "
                "contains a character Windows forbids in names"
            ) in out, out
    with server.client(login(server, "owner")) as api:
        live = {f["path"]: f for f in api.get("/api/v1/sync/files").json()["files"]}
        assert set(live) == {*files, "new.txt"}
        assert api.get("/api/v1/sync/download/NUL.txt").content == b"nul, edited on linux"
    assert (folder / "draft: v2.txt").exists() and (folder / "fine?.txt").exists()
