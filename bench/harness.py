"""Processes a benchmark runs beside: our server, the bare reference, wrk, nginx."""

from __future__ import annotations

import atexit
import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live import PASSWORD, ROOT, LiveServer, free_port, start_server
from tests.postgres import PostgresCluster

# One server process and one wrk thread: the machine has two cores, one for each.
WRK = ["wrk", "-t1"]


@dataclass
class Result:
    name: str
    value: float
    reference: float
    ratio: float
    goal: str
    unit: str
    met: bool


# Every figure that depends on the database is measured on each, side by side.
BACKENDS = ("sqlite", "postgresql")
_cluster: PostgresCluster | None = None


def _database(backend: str) -> dict[str, str]:
    """Settings for a server on `backend`: SQLite in its data dir, or a new database of the
    bench's own PostgreSQL cluster (started once, as the tests start theirs)."""
    global _cluster
    if backend == "sqlite":
        return {}
    if _cluster is None:
        _cluster = PostgresCluster.start()
        atexit.register(_cluster.stop)
    return {"PINAKES_DATABASE_URL": _cluster.new_database()}


@contextlib.contextmanager
def pinakes(data_dir: Path, backend: str = "sqlite", **env: str) -> Iterator[LiveServer]:
    """Our server, one worker, as `make run` starts it (responses validated unless `env`
    says otherwise)."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    settings = {**_database(backend), **env}
    server = start_server(data_dir, PINAKES_OPEN_REGISTRATION="1", **settings)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def bare() -> Iterator[str]:
    """The reference: a bare Sanic JSON endpoint, one worker."""
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "bare_app.py"), str(port)]
    with _serving(command, f"http://127.0.0.1:{port}/devices") as url:
        yield url


@contextlib.contextmanager
def _serving(command: list[str], url: str) -> Iterator[str]:
    """A server process, from the moment `url` answers until the block ends."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(url)
        yield url
    finally:
        process.terminate()
        process.wait()


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def device_token(server: LiveServer, username: str = "bench") -> str:
    """A device-bound JWT of a new user: what a syncing client sends."""
    with server.client() as api:
        api.post("/api/v1/auth/register", json={"username": username, "password": PASSWORD})
        login = api.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        user = {"Authorization": f"Bearer {login.json()['access_token']}"}
        device = api.post(
            "/api/v1/sync/devices", json={"name": "bench", "device_type": "laptop"}, headers=user
        ).json()
        jwt = api.post("/api/v1/auth/device-login", json={"device_token": device["device_token"]})
    return str(jwt.json()["access_token"])


def wrk(
    url: str,
    seconds: int,
    token: str | None = None,
    script: Path | None = None,
    connections: int = 32,
) -> float:
    """Requests per second; every answer must be a success."""
    command = [*WRK, f"-c{connections}", f"-d{seconds}s"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failures:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"no rate in wrk's output:\n{output}")
    return float(match.group(1))


def idle_rss_mib(pid: int) -> float:
    """The resident set now, with the process's peak reset to it (so a start-up spike does
    not count as the peak of what follows). Linux: "5" to clear_refs resets VmHWM."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return peak_rss_mib(pid)[0]


def peak_rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident set of a process, MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    values = {k: int(v.split()[0]) / 1024 for k, v in re.findall(r"(VmRSS|VmHWM):\s+(.+)", status)}
    return values["VmRSS"], values["VmHWM"]


@contextlib.contextmanager
def nginx(root: Path, scratch: Path) -> Iterator[str]:
    """nginx serving `root` with sendfile: the download reference."""
    port = free_port()
    scratch.mkdir(parents=True, exist_ok=True)
    config = scratch / "nginx.conf"
    config.write_text(
        f"daemon off; user root; worker_processes 1; pid {scratch}/nginx.pid;\n"
        f"error_log {scratch}/error.log;\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{ access_log off; sendfile on; tcp_nopush on;\n"
        f"  client_body_temp_path {scratch}; proxy_temp_path {scratch};\n"
        f"  fastcgi_temp_path {scratch}; uwsgi_temp_path {scratch}; scgi_temp_path {scratch};\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root}; }} }}\n"
    )
    command = ["nginx", "-c", str(config), "-p", str(scratch), "-e", str(scratch / "error.log")]
    with _serving(command, f"http://127.0.0.1:{port}") as url:
        yield url


def curl_mb_s(url: str, token: str | None = None) -> float:
    """Download speed of one whole-body GET, MB/s (curl in its own process)."""
    command = ["curl", "-sS", "--fail", "-o", "/dev/null", "-w", "%{speed_download}", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(output) / 1e6
