"""pinakes-sync never crashes on a remote change it cannot apply, never touches anything outside
its folder, and never deletes on the server what it could not apply or see: through real
folders and real `pinakes-sync` processes (and, where timing matters, in-process)."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pinakes import HashMismatch, Pinakes
from pinakes_sync import cli as sync_cli
from pinakes_sync.engine import Engine, PassSummary, RemoteState
from pinakes_sync.state import FolderState, token_path

from .test_sync_client import library, run, sync, tree  # noqa: F401 (a fixture)

# The fixture is used by name below; ruff cannot tell.
# ruff: noqa: F811


def snapshot(root: Path) -> dict[str, str]:
    """Names and hashes of everything under `root` (links as their targets, not followed)."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name] = "dir"
    return found


def server_paths(folder: Path) -> set[str]:
    engine = _engine(folder)
    try:
        return {f.path for f in engine.remote.files()}
    finally:
        engine.remote.close()
        engine.close()


def _engine(folder: Path, said: list[str] | None = None, assume_yes: bool = False) -> Engine:
    state = FolderState.load(folder)
    remote = Pinakes.device(state.server, token_path(folder).read_text().strip())
    say = said.append if said is not None else print
    return Engine(folder, state, remote, say=say, assume_yes=assume_yes)


def sync_here(folder: Path, assume_yes: bool = False) -> None:
    """One pass in this process: what `pinakes-sync sync` does, without starting Python
    (`assume_yes`: `--yes`, deletes meant even when they are most of the library)."""
    engine = _engine(folder, assume_yes=assume_yes)
    try:
        engine.run_pass()
    finally:
        engine.remote.close()
        engine.close()


def test_a_file_where_this_folder_has_a_folder_is_not_applied_and_the_clash_resolves(
    library,
) -> None:
    a, b = library("a"), library("b")
    (a / "notes").write_text("a file called notes")
    (a / "fine.txt").write_text("fine")
    (b / "notes").mkdir()
    (b / "notes" / "todo.txt").write_text("B's unsent todo")
    sync(a)
    out = run("sync", b)
    assert "Traceback" not in out.stdout + out.stderr
    assert "not applied here: notes (a folder is here)" in out.stdout
    assert "notes/todo.txt clashes with notes on the server" in out.stdout
    assert (b / "fine.txt").read_text() == "fine"
    assert (b / "notes" / "todo.txt").read_text() == "B's unsent todo"
    status = run("status", b).stdout
    assert "not applied here: 1\n  notes: a folder is here" in status
    again = run("sync", b)  # retried, still in the way, still no crash
    assert "not applied here: notes" in again.stdout
    conflict_id = run("conflicts", b).stdout.split()[0]
    run("resolve", b, conflict_id, "keep_both")
    sync(a, b, a)
    assert tree(a) == tree(b)
    [copy] = [p for p in tree(a) if p.startswith("notes (conflict b ")]
    assert copy.endswith(")/todo.txt") and tree(a)[copy] == b"B's unsent todo"
    assert tree(a)["notes"] == b"a file called notes"
    assert "not applied here: 0" in run("status", b).stdout


def test_an_unexpected_error_ends_the_pass_with_one_line_and_the_next_pass_recovers(
    library,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = library("a"), library("b")
    (a / "one.txt").write_text("one")
    sync(a)
    calls = []

    def broken_push(self: Engine, summary: object) -> None:
        calls.append(1)
        raise RuntimeError("injected")

    monkeypatch.setattr(Engine, "push", broken_push)
    (b / "mine.txt").write_text("mine")
    assert sync_cli.main(["sync", str(b)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the pass stopped (RuntimeError: injected)" in err
    assert (b / "one.txt").read_text() == "one"  # pulled before the failure, and kept
    monkeypatch.undo()
    assert sync_cli.main(["sync", str(b)]) == 0
    sync(a)
    assert tree(a) == tree(b) == {"one.txt": b"one", "mine.txt": b"mine"}


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_remote_changes_never_write_through_a_symlink(library, tmp_path: Path, kind: str) -> None:
    a, b = library("a"), library("b")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.txt").write_text("outside's own")
    before = snapshot(outside)
    if kind == "folder":
        (b / "link").symlink_to(outside)
        planted, reason = "link/target.txt", "'link' here is not a folder"
        (a / "link").mkdir()
    else:
        (b / "link").symlink_to(outside / "target.txt")
        planted, reason = "link", "a symlink is here"
    (a / "mover.txt").write_text("to be moved")
    sync(b, a, b)

    def step() -> None:
        sync(a)
        out = run("sync", b).stdout
        assert snapshot(outside) == before
        assert (b / "link").is_symlink()
        if (a / planted).exists():
            assert f"not applied here: {planted} ({reason})" in out
            # b never reports it deleted: it stays on the server for every other device.
            assert planted in server_paths(a)
            assert f"  {planted}: {reason}" in run("status", b).stdout

    (a / planted).write_text("created, planted")
    step()
    (a / planted).write_text("modified, planted again")
    step()
    (a / planted).unlink()
    step()
    assert planted not in server_paths(a)
    os.rename(a / "mover.txt", a / planted)  # moved onto it
    step()
    assert not (b / "mover.txt").exists() and planted in server_paths(a)


def test_a_symlink_swapped_in_before_a_write_cannot_redirect_it(library, tmp_path: Path) -> None:
    a, b = library("a"), library("b")
    outside = tmp_path / "outside"
    outside.mkdir()
    (b / "docs").mkdir()
    (a / "docs").mkdir()
    (a / "docs" / "new.txt").write_text("new")
    sync(b, a)
    engine = _engine(b)

    def swap(path: str) -> None:  # between the scan and the write
        if path == "docs/new.txt" and not (b / "docs").is_symlink():
            (b / "docs").rmdir()
            (b / "docs").symlink_to(outside)

    engine.local.before_write = swap
    try:
        summary = engine.run_pass()
    finally:
        engine.remote.close()
        engine.close()
    assert summary.not_applied == {"docs/new.txt": "'docs' here is not a folder"}
    assert list(outside.iterdir()) == []
    assert "docs/new.txt" in server_paths(a)


def test_the_ignore_file_keeps_paths_out_both_ways(library) -> None:
    a, b = library("a"), library("b")
    for folder in (a, b):
        (folder / ".pinakesignore").write_text("*.log\nbuild/\n!keep.swp\n")
    (a / "app.log").write_text("a's log")
    (a / "build").mkdir()
    (a / "build" / "out.bin").write_text("artefact")
    (a / ".DS_Store").write_text("finder")
    (a / "keep.swp").write_text("brought back by !keep.swp")
    (a / "x.swp").write_text("a default ignore")
    (a / "doc.txt").write_text("doc")
    sync(a, b)
    assert set(tree(b)) == {".pinakesignore", "doc.txt", "keep.swp"}
    assert server_paths(a) == {".pinakesignore", "doc.txt", "keep.swp"}
    # An ignored path arriving from elsewhere is not written here; deleting an ignored local
    # file deletes nothing on the server.
    (b / ".pinakesignore").write_text("*.log\nbuild/\n!keep.swp\ndoc.txt\n")
    (a / "doc.txt").write_text("doc, edited")
    sync(a, b)
    assert (b / "doc.txt").read_text() == "doc"
    (b / "doc.txt").unlink()
    sync(b)
    assert "doc.txt" in server_paths(a)


@pytest.fixture
def resumable_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of any size take the resumable upload (small ones would go in a batch)."""
    monkeypatch.setattr("pinakes_sync.engine.CHUNK_SIZE", 0)


@pytest.mark.parametrize("stat_sees_it", [True, False], ids=["resized", "same-size-and-mtime"])
def test_a_file_rewritten_while_it_uploads_lands_as_one_of_its_versions(
    library, resumable_only, monkeypatch: pytest.MonkeyPatch, stat_sees_it: bool
) -> None:
    """Rewritten between two chunks: the resized file reads longer than its session says;
    the one its stat cannot tell apart fails the server's hash check. Either way it is sent
    again as it is now, and nothing else is said."""
    monkeypatch.setattr("pinakes.session.CHUNK_SIZE", 1024 * 1024)  # three chunks
    a = library("a")
    big = a / "big.bin"
    first = random.Random(1).randbytes(3_000_000)
    second = random.Random(2).randbytes(3_000_500 if stat_sees_it else 3_000_000)
    big.write_bytes(first)
    said: list[str] = []
    engine = _engine(a, said)
    send = engine.remote.send_chunks
    rewrites = []

    def rewriting(upload, source, **how):  # type: ignore[no-untyped-def]
        def between_chunks(done: int, total: int) -> None:
            if done > upload.bytes_received and not rewrites:
                rewrites.append(done)
                before = big.stat()
                big.write_bytes(second)
                if not stat_sees_it:
                    os.utime(big, ns=(before.st_atime_ns, before.st_mtime_ns))

        return send(upload, source, parallel=1, progress=between_chunks)

    complete, refused = engine.remote.complete_upload, []

    def completing(upload):  # type: ignore[no-untyped-def]
        try:
            return complete(upload)
        except HashMismatch:
            refused.append(upload.id)
            raise

    engine.remote.send_chunks = rewriting  # type: ignore[method-assign]
    engine.remote.complete_upload = completing  # type: ignore[method-assign]
    try:
        engine.run_pass()
    finally:
        engine.remote.close()
        engine.close()
    assert rewrites == [1024 * 1024] and said == []
    assert len(refused) == (0 if stat_sees_it else 1)  # which of the two guards caught it
    b = library("b")
    sync(b)
    assert (b / "big.bin").read_bytes() == second


def test_a_file_that_keeps_changing_is_not_sent_and_says_so_once(library, resumable_only) -> None:
    a = library("a")
    busy = a / "busy.log.txt"
    busy.write_bytes(b"v0")
    said: list[str] = []
    engine = _engine(a, said)
    send, edits = engine.remote.send_chunks, [0]

    def rewriting(upload, source, **how):  # type: ignore[no-untyped-def]
        sent = send(upload, source, **how)
        edits[0] += 1
        busy.write_bytes(f"v{edits[0]}".encode())  # rewritten after every upload it sends
        return sent

    engine.remote.send_chunks = rewriting  # type: ignore[method-assign]
    try:
        engine.run_pass()
    finally:
        engine.remote.close()
        engine.close()
    assert edits[0] == 3  # three tries, then it waits for a later pass
    assert said == ["warning: busy.log.txt kept changing while it was sent; "
                    "it is sent on a later pass"]  # fmt: skip
    assert "busy.log.txt" not in server_paths(a)
    sync(a)  # quiet now: the next pass sends what is there
    assert "busy.log.txt" in server_paths(a)


def _plain_folders(root: Path, folders: str) -> bool:
    """Every existing folder on the way is a real folder (no symlink, no other file)."""
    where = root
    for name in filter(None, folders.split("/")):
        where = where / name
        if where.is_symlink() or (os.path.lexists(where) and not where.is_dir()):
            return False
    return True


SEGMENTS = st.sampled_from(["d", "e", "f.txt", "g.txt"])
REMOTE_PATHS = st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    links=st.lists(REMOTE_PATHS, min_size=1, max_size=3),
    fifos=st.lists(REMOTE_PATHS, max_size=2),
    remote=st.lists(st.tuples(st.sampled_from(["put", "delete"]), REMOTE_PATHS), max_size=6),
)
def test_random_remote_changes_never_reach_outside_nor_delete_what_was_not_synced(
    library,
    tmp_path_factory: pytest.TempPathFactory,
    links,
    fifos,
    remote,
) -> None:
    root = tmp_path_factory.mktemp("prop")
    outside = root / "outside"
    (outside / "d").mkdir(parents=True)
    (outside / "d" / "f.txt").write_text("outside")
    a, b = library(f"{root.name}-a"), library(f"{root.name}-b")
    for path, make in [*((p, "link") for p in links), *((p, "fifo") for p in fifos)]:
        folders, _, _ = path.rpartition("/")
        if not _plain_folders(b, folders):
            continue  # the seeding itself must not go through a link
        (b / folders).mkdir(parents=True, exist_ok=True)
        if os.path.lexists(b / path):
            continue
        if make == "fifo":
            os.mkfifo(b / path)
        else:
            (b / path).symlink_to(outside / "d" if path.count("/") % 2 else outside)
    before = snapshot(outside)
    sync_here(b)
    sync_here(a)  # a holds what earlier examples left on the server: its puts clash with none
    for action, path in remote:
        target = a / path
        try:
            if action == "put":
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(f"remote {path}")
            elif target.is_file():
                target.unlink()
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue
        # a's deletes are meant, even of the one file earlier examples left on the server.
        sync_here(a, assume_yes=True)
        sync_here(b)
        assert snapshot(outside) == before
    # Everything a put that b could not take is still on the server: b deleted nothing it
    # did not have, and it deleted or moved nothing at all here, since no one did so in b.
    sync_here(a)
    assert set(tree(a)) == server_paths(a)
    engine = _engine(b)
    try:
        feed = engine.remote.changes_page(0)
    finally:
        engine.remote.close()
        engine.close()
    by_b = [c for c in feed.changes if str(c.device_id) == FolderState.load(b).device_id]
    assert all(c.change_type.value in ("created", "modified") for c in by_b), by_b


def test_a_place_the_file_system_refuses_is_not_applied_and_the_rest_is(library) -> None:
    a, b = library("a"), library("b")
    frozen = b / "frozen"
    frozen.mkdir()
    if os.geteuid() != 0:
        pytest.fail("this test mounts a read-only tmpfs, which needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(frozen)], check=True)
    try:
        (a / "frozen").mkdir()
        (a / "frozen" / "x.txt").write_text("cannot land in b")
        (a / "ok.txt").write_text("lands")
        sync(a)
        out = run("sync", b)
        assert "not applied here: frozen/x.txt (the file system is read-only)" in out.stdout
        assert (b / "ok.txt").read_text() == "lands"
        assert "frozen/x.txt" in server_paths(a)
    finally:
        subprocess.run(["umount", str(frozen)], check=True)
    sync(b)  # the obstacle is gone: it lands on the next pass
    assert (b / "frozen" / "x.txt").read_text() == "cannot land in b"
    assert "not applied here: 0" in run("status", b).stdout


def test_a_change_whose_file_moved_on_or_went_is_left_to_the_later_change(library) -> None:
    """The feed said v1 but the server has v2 (or nothing) by the time it is fetched: no
    bytes are written, nothing is recorded, the pass goes on; the later change brings v2."""
    a, c = library("a"), library("c")
    (a / "doc.txt").write_text("v1")
    (a / "gone.txt").write_text("soon gone")
    sync(a)
    v1 = hashlib.sha256(b"v1").hexdigest()
    gone = hashlib.sha256(b"soon gone").hexdigest()
    (a / "doc.txt").write_text("v2, written since")
    (a / "gone.txt").unlink()
    sync(a)
    engine = _engine(c)
    summary = PassSummary()
    try:
        engine.apply(RemoteState("doc.txt", 1, v1, 2), summary)
        engine.apply(RemoteState("gone.txt", 1, gone, 9), summary)
        assert summary.pulled == 0 and not summary.deferred and not summary.not_applied
        assert engine.state.files == {} and engine.state.deferred == {}
        assert sorted(p.name for p in c.iterdir()) == [".pinakes"]  # no temp file left either
        engine.run_pass()
    finally:
        engine.remote.close()
        engine.close()
    assert (c / "doc.txt").read_text() == "v2, written since" and not (c / "gone.txt").exists()
