"""The generated SDK as a third-party developer uses it: typed (mypy --strict) and working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pinakes_client

from .conftest import Account
from .live import PASSWORD, ROOT

QUICKSTART = ROOT / "sdk" / "examples" / "quickstart.py"


def mypy(*targets: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mypy", "--strict", *map(str, targets)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def test_the_sdk_ships_its_types() -> None:
    assert (Path(pinakes_client.__file__).parent / "py.typed").is_file()


def test_the_quick_start_and_the_sync_client_type_check_strictly() -> None:
    checked = mypy(QUICKSTART, ROOT / "sdk" / "pinakes_sync")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_mypy_would_catch_a_misuse(tmp_path: Path) -> None:
    """The control: the same check fails on code that uses the SDK wrongly."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from pinakes_client.models import ClientChange, ChangeType\n"
        "ClientChange(path=1, change_type=ChangeType.CREATED)\n"
    )
    assert mypy(wrong).returncode == 1


def test_the_quick_start_runs_against_a_live_server(alice: Account) -> None:
    run = subprocess.run(
        [sys.executable, str(QUICKSTART), alice.server.url, alice.username, PASSWORD],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1: created sdk/hello.txt (27 bytes)" in run.stdout
    assert "acknowledged up to 1" in run.stdout
