"""A throw-away PostgreSQL server for the tests: its own cluster in a temp dir, on 127.0.0.1
and a Unix socket, one fresh database per pinakes server. Debian's binaries (the Makefile
installs them); as root, PostgreSQL runs as the `postgres` user, as it refuses root."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .live import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (make test installs it)")
    return found[-1]


def _as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class PostgresCluster:
    root: Path
    port: int
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls) -> PostgresCluster:
        root = Path(tempfile.mkdtemp(prefix="pinakes-pg-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        data, port = root / "data", free_port()
        subprocess.run(
            [*_as_owner(), _bin("initdb"), "-D", str(data), "-U", "pinakes", "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=300 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            [*_as_owner(), _bin("pg_ctl"), "-D", str(data), "-o", options, "-l",
             str(root / "server.log"), "-w", "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        return cls(root, port)

    def url(self, database: str) -> str:
        return f"postgresql://pinakes@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """An empty database of its own, for one pinakes server (and its restarts). Its
        default collation is a linguistic one (ICU en-US), as on most real servers: whatever
        must sort bytewise has to say so."""
        name = f"pinakes_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(
                f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
            )
        return self.url(name)

    def restart(self) -> None:
        """A fast restart: every open connection to it is cut."""
        subprocess.run(
            [*_as_owner(), _bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-l",
             str(self.root / "server.log"), "-w", "restart"],
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            [*_as_owner(), _bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
             "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)
