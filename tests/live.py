"""A pinakes-server process on 127.0.0.1, for the tests and the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"  # every test and benchmark user's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]  # the server's own settings (PINAKES_*)

    def run_cli(self, command: str) -> str:
        """`pinakes-server COMMAND` on this server's data and database; its output."""
        done = run_command(self.data_dir, command, **self.env)
        done.check_returncode()
        return done.stdout

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing; what is on disk is what a crash leaves."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _environment(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without its PINAKES_* variables, plus `settings`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PINAKES_")}
    return {**environment, **settings}


def run_command(
    data_dir: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """`pinakes-server ARGS --data-dir DATA_DIR` with these settings, as an operator runs it
    (`stdin` is what it reads: a pipe, not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "pinakes_server.cli", *args, "--data-dir", str(data_dir)],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=_environment(env),
        timeout=120,
    )  # fmt: skip


def start_server(
    data_dir: Path, module: str = "pinakes_server.cli", workers: int = 1, **env: str
) -> LiveServer:
    """`module` runs the server's command line (tests/faults swaps in one that injects faults)."""
    port = free_port()
    log = data_dir.parent / f"{data_dir.name}-{port}.log"
    # Every test (and fuzz) server checks its responses against the contract.
    environment = _environment({"PINAKES_VALIDATE_RESPONSES": "1", **env})
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "serve", "--host", "127.0.0.1",
             "--port", str(port), "--data-dir", str(data_dir), "--workers", str(workers)],
            stdout=output, stderr=subprocess.STDOUT, env=environment, cwd=ROOT,
        )  # fmt: skip
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, process, log, env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not come up:\n{log.read_text()}")
