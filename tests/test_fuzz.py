"""schemathesis over every implemented operation of the contract, against a live server.

Operations whose issue has not landed (they answer 501) are left out until they do. CI runs a
short fixed-seed run; `make fuzz` sets PINAKES_FUZZ_EXAMPLES for a long one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pinakes_server.handlers.pending import PENDING

from .conftest import ROOT, LiveServer, login, register

REPORTS = ROOT / "reports"


def test_schemathesis_finds_no_failure(server_factory: Callable[..., LiveServer]) -> None:
    server = server_factory()
    assert register(server, "fuzz_admin").status_code == 201
    token = login(server, "fuzz_admin")
    examples = os.environ.get("PINAKES_FUZZ_EXAMPLES", "40")
    REPORTS.mkdir(exist_ok=True)
    junit = REPORTS / "schemathesis.xml"
    excluded = [arg for op in sorted(PENDING) for arg in ("--exclude-operation-id", op)]
    schemathesis = Path(sys.executable).parent / "schemathesis"
    command = [
        str(schemathesis), "run", str(ROOT / "openapi" / "openapi.json"),
        "--url", server.url, "--header", f"Authorization: Bearer {token}",
        "--checks", "all", "--max-examples", examples, "--seed", "1",
        "--report", "junit", "--report-junit-path", str(junit), "--no-color",
        *excluded,
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert "No issues found" in run.stdout, run.stdout[-5000:]
    assert junit.is_file()
