"""Upgrades keep data: a store written by release 1 (tests/fixtures/release1) is migrated and
read back through the API with nothing lost, on the backend of this pass; migrations are
applied once however many instances start together; a newer database stops start-up."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from pinakes_server.storage.db import close_database, connect_database, open_database
from pinakes_server.storage.migrations import (
    LATEST,
    MIGRATIONS,
    Migration,
    SchemaTooNew,
    current_version,
    upgrade,
)
from pinakes_server.storage.portable import unportable
from playhouse.migrate import SchemaMigrator, migrate

from .conftest import OCTETS, assert_problem, chunk, sha256
from .legacy_names import legacy_library
from .live import PASSWORD, ROOT, LiveServer, _environment, run_command
from .postgres import PostgresCluster, _bin

FIXTURE = Path(__file__).parent / "fixtures" / "release1"


class Release1:
    """A copy of release 1's store for this pass's backend, and what that release answered."""

    def __init__(self, tmp_path: Path, postgres: PostgresCluster | None) -> None:
        backend = "sqlite" if postgres is None else "postgresql"
        self.manifest = json.loads((FIXTURE / backend / "manifest.json").read_text())
        self.data_dir = tmp_path / "data"
        subprocess.run(
            ["cp", "-a", "--sparse=always", str(FIXTURE / backend / "data"), str(self.data_dir)],
            check=True,
        )
        # Release 1 kept its bytes in files: an upgrade keeps them there.
        self.env: dict[str, str] = {"PINAKES_BLOB_STORE": "file"}
        if postgres is not None:
            url = postgres.new_database()
            subprocess.run(
                [_bin("psql"), url, "-q", "-v", "ON_ERROR_STOP=1", "-f",
                 str(FIXTURE / backend / "dump.sql")],
                check=True, capture_output=True,
            )  # fmt: skip
            self.env["PINAKES_DATABASE_URL"] = url

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_command(self.data_dir, *args, **self.env)

    def device(self, name: str) -> dict:
        return next(d for d in self.manifest["devices"] if d["name"] == name)


@pytest.fixture
def release1(tmp_path: Path, postgres: PostgresCluster | None) -> Release1:
    return Release1(tmp_path, postgres)


@pytest.fixture
def upgraded(
    release1: Release1, server_factory: Callable[..., LiveServer]
) -> Iterator[tuple[Release1, LiveServer]]:
    check = release1.cli("migrate", "--check")
    assert check.returncode == 1, check
    assert "schema version 1; pending: 2 (holdable_library), 3 (conflicts_outlive_devices)" in (
        check.stdout
    )
    yield release1, server_factory(release1.data_dir, **release1.env)


def _token(server: LiveServer, path: str, body: dict) -> str:
    with server.client() as api:
        reply = api.post(path, json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def test_a_release_1_store_upgrades_with_nothing_lost(upgraded) -> None:
    release1, server = upgraded
    manifest = release1.manifest
    alice = _token(server, "/api/v1/auth/login", {"username": "alice", "password": PASSWORD})
    with server.client(alice) as api:
        me = api.get("/api/v1/auth/me").json()
        assert me["user"]["username"] == "alice" and me["user"]["is_admin"] is True
        devices = {d["name"]: d for d in api.get("/api/v1/sync/devices").json()}
    assert {n: d["sync_cursor"] for n, d in devices.items()} == {"laptop": 10, "phone": 3}

    # Every device token still signs in (bob's rotated one: its new token).
    tokens = {
        d["name"]: _token(server, "/api/v1/auth/device-login", {"device_token": d["device_token"]})
        for d in manifest["devices"]
    }
    laptop = server.client(tokens["laptop"])

    # Live files: release 1's, but for the later file of each clash, now a conflict.
    listed = laptop.get("/api/v1/sync/files").json()
    files = {f["path"]: (f["version"], f["content_hash"]) for f in listed["files"]}
    expected = {f["path"]: (f["version"], f["content_hash"]) for f in manifest["files"]["alice"]}
    assert files == {p: v for p, v in expected.items() if p not in ("docs/x.txt", "case/A.TXT")}
    for path, (_, content_hash) in files.items():
        reply = laptop.get(f"/api/v1/sync/download/{path}")
        assert reply.status_code == 200 and reply.headers["etag"].strip('"') == content_hash

    # History: every change release 1 logged is still in the feed, the move included; the
    # clashes taken out of the live set follow as deletes.
    feed = laptop.get("/api/v1/sync/changes", params={"cursor": 0, "limit": 1000}).json()
    logged = [(c["seq"], c["path"], c["change_type"]) for c in feed["changes"]]
    old = [(c["seq"], c["path"], c["change_type"]) for c in manifest["changes"]["alice"]]
    assert logged[: len(old)] == old
    assert sorted(logged[len(old) :], key=lambda c: c[1]) == [
        (12, "case/A.TXT", "deleted"), (11, "docs/x.txt", "deleted"),
    ]  # fmt: skip
    assert next(c for c in feed["changes"] if c["change_type"] == "moved")["old_path"] == (
        "notes/todo.txt"
    )

    # Tombstones keep their versions: deleting again is a no-op at that version.
    for tombstone in manifest["tombstones"]["alice"]:
        reply = laptop.post(
            "/api/v1/sync/report",
            json={"changes": [{"path": tombstone["path"], "change_type": "deleted"}]},
        )
        [accepted] = reply.json()["accepted"]
        assert (accepted["version"], accepted["seq"]) == (tombstone["version"], None)

    # The open conflict is still open; each clash is one more, resolvable.
    conflicts = {c["path"]: c for c in laptop.get("/api/v1/sync/conflicts").json()}
    [kept] = manifest["open_conflicts"]["alice"]
    assert conflicts[kept["path"]]["id"] == kept["id"]
    assert conflicts[kept["path"]]["local_hash"] == kept["local_hash"]
    assert conflicts[kept["path"]]["clash_path"] is None
    assert (conflicts["docs/x.txt"]["clash_kind"], conflicts["docs/x.txt"]["clash_path"]) == (
        "file", "docs",
    )  # fmt: skip
    assert (conflicts["case/A.TXT"]["clash_kind"], conflicts["case/A.TXT"]["clash_path"]) == (
        "case", "Case/a.txt",
    )  # fmt: skip
    assert conflicts["docs/x.txt"]["local_hash"] == expected["docs/x.txt"][1]
    resolved = laptop.post(
        f"/api/v1/sync/conflicts/{conflicts['docs/x.txt']['id']}/resolve",
        json={"resolution": "keep_both"},
    )
    assert resolved.status_code == 200, resolved.text
    copies = laptop.get("/api/v1/sync/files").json()["files"]
    [copy] = [f for f in copies if f["path"].startswith("docs (conflict laptop ")]
    assert copy["path"].endswith(")/x.txt") and copy["content_hash"] == expected["docs/x.txt"][1]

    # The open upload session resumes where release 1 left it and completes.
    upload = manifest["open_upload"]
    status = laptop.get(f"/api/v1/sync/upload/{upload['id']}").json()
    assert status["received_chunks"] == [0] and status["chunk_count"] == 3
    content = bytes((i * 7 + 3) % 256 for i in range(upload["expected_size"]))
    for index in (1, 2):
        reply = laptop.put(
            f"/api/v1/sync/upload/{upload['id']}/chunks/{index}",
            content=chunk(content, index),
            headers=OCTETS,
        )
        assert reply.status_code == 200, reply.text
    done = laptop.post(f"/api/v1/sync/upload/{upload['id']}/complete").json()
    assert done["file"]["path"] == "big/part.bin"
    assert laptop.get("/api/v1/sync/download/big/part.bin").content == content
    laptop.close()

    # bob: his clash is his alone, and his files are as they were.
    with server.client(tokens["desk"]) as desk:
        paths = {f["path"] for f in desk.get("/api/v1/sync/files").json()["files"]}
        assert paths == {"Shared/readme.md", "mine.txt"}
        [clash] = desk.get("/api/v1/sync/conflicts").json()
        assert (clash["path"], clash["clash_path"]) == ("shared/README.MD", "Shared/readme.md")
    # Deleting the phone keeps its open conflict (migration 3: no more cascade).
    with server.client(alice) as api:
        assert (
            api.delete(f"/api/v1/sync/devices/{release1.device('phone')['id']}").status_code == 204
        )
        [phones] = [c for c in api.get("/api/v1/sync/conflicts").json() if c["id"] == kept["id"]]
        assert phones["device_id"] is None and phones["local_hash"] == kept["local_hash"]
    assert release1.cli("migrate", "--check").returncode == 0
    # Release 1 left its files to the umask (0644 here): the upgraded server closed the data
    # dir itself at start; check names what lies open inside, and --repair closes it.
    assert release1.data_dir.stat().st_mode & 0o077 == 0
    check = release1.cli("check")
    assert check.returncode == 1 and "readable by others: " in check.stdout, check.stdout
    assert release1.cli("check", "--repair").returncode == 0
    check = release1.cli("check")
    assert check.returncode == 0 and check.stdout.endswith("healthy\n"), check.stdout
    assert "'case/A.TXT' clashes with 'Case/a.txt' (case), for its owner to resolve" in check.stdout
    assert "'shared/README.MD' clashes with 'Shared/readme.md' (case)" in check.stdout
    assert "docs/x.txt" not in check.stdout  # resolved above


def test_migrate_applies_what_is_pending_once(release1: Release1) -> None:
    """Two `migrate`s at once (as instances starting together): one applies, both succeed."""
    command = [sys.executable, "-m", "pinakes_server.cli", "migrate"]
    command += ["--data-dir", str(release1.data_dir)]
    environment = _environment(release1.env)
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert sorted(o.split(":")[0] for o in outputs) == [
        f"migrated the schema from version 1 to {LATEST}", f"schema version {LATEST}",
    ]  # fmt: skip
    assert release1.cli("migrate", "--check").stdout == f"schema version {LATEST}: up to date\n"


def _add_note_column(db: object, migrator: SchemaMigrator) -> None:
    import peewee

    migrate(migrator.add_column("device", "test_note", peewee.TextField(null=True)))


def test_a_migration_that_adds_a_column_runs_and_a_newer_database_stops_start_up(
    tmp_path: Path, postgres: PostgresCluster | None
) -> None:
    url = postgres.new_database() if postgres is not None else None
    extra = Migration(LATEST + 1, "test_note", types.ModuleType("m_test"))
    extra.module.up = _add_note_column  # type: ignore[attr-defined]
    db = connect_database(url, tmp_path)
    try:
        assert [m.version for m in upgrade(db, [*MIGRATIONS, extra])] == [*range(1, LATEST + 2)]
        assert "test_note" in {c.name for c in db.get_columns("device")}
        assert current_version(db) == LATEST + 1
        with pytest.raises(SchemaTooNew):
            upgrade(db)
    finally:
        close_database()
    env = {"PINAKES_DATABASE_URL": url} if url else {}
    serve = run_command(tmp_path, "serve", "--port", "1", **env)
    assert serve.returncode == 1
    assert serve.stderr == (
        f"pinakes-server: the database is at schema version {LATEST + 1}, newer than this "
        f"release's {LATEST}: run a release that knows it\n"
    )
    assert run_command(tmp_path, "migrate", "--check", **env).returncode == 1


def test_a_new_database_is_created_at_the_latest_version(tmp_path: Path) -> None:
    db = open_database(None, tmp_path)
    try:
        assert current_version(db) == LATEST
        rows = db.execute_sql('SELECT "version", "name" FROM "schema_version" ORDER BY 1')
        assert [tuple(r) for r in rows] == [(m.version, m.name) for m in MIGRATIONS]
    finally:
        close_database()


def test_an_unreachable_database_stops_start_up_with_one_line(tmp_path: Path) -> None:
    serve = run_command(
        tmp_path, "serve", "--port", "1", PINAKES_DATABASE_URL="postgresql://p@127.0.0.1:1/p"
    )
    assert serve.returncode == 1 and serve.stdout == ""
    assert serve.stderr.startswith("pinakes-server: cannot use the database: ")
    assert serve.stderr.count("\n") == 1


def test_names_stored_before_they_had_to_be_portable_become_name_conflicts(
    server_factory: Callable[..., LiveServer],
) -> None:
    """Migration 7 on a library the release before wrote: the files stay live and readable,
    each is an open `name` conflict that `check` lists, and keep_both renames it portably."""
    files = {"NUL.txt": b"nul", "a./b": b"dot", "CON/x.txt": b"con", "fine.txt": b"fine"}
    server, _, laptop = legacy_library(server_factory, files)
    with laptop.api as api:
        live = {f["path"] for f in api.get("/api/v1/sync/files").json()["files"]}
        assert live >= set(files)
        for path, data in files.items():
            assert api.get(f"/api/v1/sync/download/{quote(path)}").content == data
        conflicts = {c["path"]: c for c in api.get("/api/v1/sync/conflicts").json()}
        assert set(conflicts) == {"NUL.txt", "a./b", "CON/x.txt"}
        for path, conflict in conflicts.items():
            assert (conflict["clash_kind"], conflict["clash_path"]) == ("name", path)
            assert conflict["device_id"] == laptop.id
            assert conflict["local_hash"] == conflict["server_hash"] == sha256(files[path])
        report = server.run_cli("check")
        assert report.endswith("healthy\n"), report
        assert "live file 'NUL.txt' is not portable: a segment is a name Windows reserves" in report
        assert "live file 'a./b' is not portable: a segment ends in a dot or a space" in report

        # While the file is there, only keep_both resolves it: it moves to a portable name.
        def resolve(path: str, resolution: str) -> httpx.Response:
            url = f"/api/v1/sync/conflicts/{conflicts[path]['id']}/resolve"
            return api.post(url, json={"resolution": resolution})

        for resolution in ("keep_local", "keep_remote"):
            assert (
                "keep both renames it"
                in assert_problem(resolve("NUL.txt", resolution), 409)["detail"]
            )
        cursor = api.get("/api/v1/sync/changes", params={"cursor": 0}).json()["cursor"]
        for path in ("NUL.txt", "a./b"):
            assert resolve(path, "keep_both").status_code == 200
        feed = api.get("/api/v1/sync/changes", params={"cursor": cursor}).json()["changes"]
        moves = {c["old_path"]: c["path"] for c in feed if c["change_type"] == "moved"}
        assert moves.keys() == {"NUL.txt", "a./b"}
        assert moves["NUL.txt"].startswith("NUL (conflict laptop ") and moves["NUL.txt"].endswith(
            ").txt"
        )
        assert moves["a./b"].startswith("a. (conflict laptop ") and moves["a./b"].endswith(")/b")
        assert all(unportable(new) is None for new in moves.values())
        assert api.get(f"/api/v1/sync/download/{quote(moves['a./b'])}").content == b"dot"

        # Moved away by its owner first: any resolution just closes it.
        change = {"path": "CON_x.txt", "old_path": "CON/x.txt", "change_type": "moved",
                  "base_version": 1}  # fmt: skip
        assert api.post("/api/v1/sync/report", json={"changes": [change]}).status_code == 200
        assert resolve("CON/x.txt", "keep_remote").status_code == 200
        assert api.get("/api/v1/sync/conflicts").json() == []
    report = server.run_cli("check")
    assert "not portable" not in report and report.endswith("healthy\n"), report
