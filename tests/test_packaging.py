"""Releasable packages: the SDK wheel, installed alone into a fresh virtualenv, runs the docs'
quick start and syncs a folder against a live server; its version is the contract's; the
server's wheel carries what it reads at run time."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import register
from .live import PASSWORD, ROOT, LiveServer
from .test_docs import run_page

pytestmark = pytest.mark.sqlite_only  # packaging does not depend on the database: one pass


def build(source: Path, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    (wheel,) = out.glob("*.whl")
    return wheel


def test_the_sdk_wheel_alone_runs_the_quick_start_and_syncs_a_folder(
    tmp_path: Path, server_factory: Callable[..., LiveServer]
) -> None:
    wheel = build(ROOT / "sdk", tmp_path / "dist")
    contract = json.loads((ROOT / "openapi" / "openapi.json").read_text())["info"]["version"]
    assert wheel.name == f"pinakes_client-{contract}-py3-none-any.whl"
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    source, target = tmp_path / "from", tmp_path / "to"
    files = {"a.txt": b"alpha", "docs/b.md": b"# beta\n", "docs/deep/c.bin": bytes(range(256))}
    for name, data in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    docs_server = server_factory()
    assert register(docs_server, "alice").status_code == 201  # the docs' user
    quick_start = tmp_path / "quick-start"
    quick_start.mkdir()
    printed = run_page(ROOT / "sdk" / "docs" / "index.md", docs_server, python, quick_start)
    assert "notes/hello.txt is at version 1" in printed
    assert (quick_start / "outbox" / "copy.txt").read_text() == "hello from the quick start\n"
    server = server_factory()
    assert register(server, "alice").status_code == 201
    run = subprocess.run(
        [str(python), str(ROOT / "sdk" / "examples" / "sync_folder.py"), server.url,
         "alice", PASSWORD, str(source), str(target)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert {p.relative_to(target).as_posix(): p.read_bytes()
            for p in target.rglob("*") if p.is_file()} == files  # fmt: skip
    assert "3 change(s); acknowledged up to 3" in run.stdout
    where = subprocess.run([str(python), "-c", "import pinakes; print(pinakes.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path)  # fmt: skip
    assert where.stdout.startswith(str(env))  # the wheel's copy, not the source tree's


def test_the_server_wheel_carries_its_contract_and_migrations(tmp_path: Path) -> None:
    wheel = build(ROOT, tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pinakes_server/_generated/openapi.json" in names
    migrations = ROOT / "server" / "pinakes_server" / "storage" / "migrations"
    for module in migrations.glob("m*.py"):
        assert f"pinakes_server/storage/migrations/{module.name}" in names
