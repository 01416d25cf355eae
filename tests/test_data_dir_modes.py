"""The data dir is the server's alone: whatever umask the server was started with, every file
in it is 0600 and every folder 0700 (no other local user reads a library), and a data dir an
earlier release left to the umask is closed at start-up and tightened by `check --repair`."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import CHUNK, DeviceClient, chunk, put_chunk, sha256, umask
from .live import LiveServer, run_command


def modes(data_dir: Path) -> dict[str, int]:
    """Every file and folder under the data dir (itself too) with its permission bits."""
    found = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    for path in data_dir.rglob("*"):
        found[str(path.relative_to(data_dir))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def _fill(device: DeviceClient) -> None:
    """A chunked upload, a batch, and a session left open (its staged chunk on disk)."""
    device.upload("chunked.bin", b"c" * (CHUNK + 5))
    batched = b"batched"
    manifest = {"items": [{"path": "b.txt", "content_hash": sha256(batched), "size": 7}]}

    assert device.api.post("/api/v1/sync/upload/batch", files=[
        ("manifest", (None, json.dumps(manifest), "application/json")),
        ("files", ("b", batched, "application/octet-stream")),
    ]).status_code == 200  # fmt: skip
    data = b"o" * (2 * CHUNK)
    body = {"target_path": "open.bin", "expected_hash": sha256(data), "expected_size": len(data),
            "chunk_size": CHUNK}  # fmt: skip
    session = device.api.post("/api/v1/sync/upload", json=body).json()
    assert put_chunk(device, session["id"], 0, chunk(data, 0)).status_code == 200


@pytest.mark.sqlite_only  # the embedded store: its database and bytes live in the data dir
def test_everything_the_server_writes_is_private_whatever_the_umask(
    server_factory: Callable[..., LiveServer],
    make_account: Callable[[LiveServer], DeviceClient],
) -> None:
    with umask(0o022):
        server = server_factory()
    _fill(make_account(server))
    found = modes(server.data_dir)
    assert {"pinakes.sqlite3", "pinakes.sqlite3-wal", "jwt-secret"} <= found.keys()
    assert any(name.startswith("blobs/") for name in found)
    assert any(name.startswith("uploads/") for name in found), found
    open_to_others = {name: oct(mode) for name, mode in found.items() if mode & 0o077}
    assert open_to_others == {}


@pytest.mark.sqlite_only
def test_a_data_dir_left_open_is_closed_at_start_and_tightened_by_check_repair(
    server_factory: Callable[..., LiveServer],
    make_account: Callable[[LiveServer], DeviceClient],
) -> None:
    server = server_factory()
    _fill(make_account(server))
    server.stop()
    # What a release that left modes to a 022 umask made.
    for path in [server.data_dir, *server.data_dir.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)

    def check(*args: str) -> tuple[int, list[str]]:
        done = run_command(server.data_dir, "check", "--grace", "0", *args, **server.env)
        return done.returncode, done.stdout.splitlines()

    status, lines = check()
    assert status == 1
    loose = [line for line in lines if line.startswith("readable by others: ")]
    assert any(line.endswith("/blobs") for line in loose) and len(loose) > 5, lines
    # The check itself closed the data dir (every command does, first thing).
    assert stat.S_IMODE(server.data_dir.stat().st_mode) == 0o700
    status, lines = check("--repair")
    assert status == 0 and lines[-1] == "healthy", lines
    assert {mode & 0o077 for mode in modes(server.data_dir).values()} == {0}
    assert check() == (0, ["healthy"])
    restarted = server_factory(data_dir=server.data_dir)  # and the library still serves
    with restarted.client() as api:
        assert api.get("/health").status_code == 200
