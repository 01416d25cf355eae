"""schemathesis over every operation of the contract, against a live server.

CI runs a short fixed-seed run; `make fuzz` sets PINAKES_FUZZ_EXAMPLES for a long one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from .conftest import BACKEND, Account, device_client, login, register
from .live import ROOT, LiveServer

REPORTS = ROOT / "reports"
CONFIG = ROOT / "tests" / "schemathesis.toml"
# The paths the config's download cases name: stored before the run.
STORED_FILES = tomllib.loads(CONFIG.read_text())["dictionaries"]["stored-files"]["values"]


def test_schemathesis_finds_no_failure(
    server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    # Long-polls are held at most a second here, or `wait=60` cases would take the run's time.
    # Metrics on, behind a token the fuzzer does not hold: it meets the 401 a scraper would.
    server = server_factory(PINAKES_LONG_POLL_MAX_SECONDS="1", PINAKES_METRICS_TOKEN="not-yours")
    assert register(server, "fuzz_admin").status_code == 201
    token = login(server, "fuzz_admin")
    uploader = device_client(Account(server, "fuzz_admin", "", token), "fuzz seed")
    for path in STORED_FILES:
        uploader.upload(path, f"the bytes of {path}\n".encode() * 100)
    uploader.api.close()
    examples = os.environ.get("PINAKES_FUZZ_EXAMPLES", "40")
    REPORTS.mkdir(exist_ok=True)
    junit = REPORTS / f"schemathesis-{BACKEND}.xml"  # make test runs both backends at once
    schemathesis = Path(sys.executable).parent / "schemathesis"
    command = [
        str(schemathesis), "--config-file", str(CONFIG),
        "run", str(ROOT / "openapi" / "openapi.json"),
        "--url", server.url, "--header", f"Authorization: Bearer {token}",
        "--max-examples", examples, "--seed", "1",
        "--report", "junit", "--report-junit-path", str(junit), "--no-color",
        # Nothing carried over from earlier runs: the same seed means the same cases.
        "--generation-database", "none",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    (REPORTS / f"schemathesis-{BACKEND}.log").write_text(run.stdout + run.stderr)
    failures = run.stdout.find("FAILURES")
    assert run.returncode == 0, run.stdout[max(failures, 0) :][:30000] + run.stderr[-5000:]
    suite = ElementTree.parse(junit).getroot()
    assert int(suite.get("tests", "0")) >= 10, run.stdout[-5000:]
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0"), run.stdout[-20000:]
