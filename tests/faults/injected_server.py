"""`pinakes-server` with faults injected at named points, for tests/faults only.

PINAKES_TEST_FAULTS names the faults (comma-separated); each fires only while the file named
by PINAKES_TEST_FAULT_SWITCH exists, so a test sets the scene first and arms the fault after.

- `kill-after-promote`: SIGKILL right after `complete` made the verified blob visible in the
  store (renamed in and fsynced, or its multipart upload completed in the bucket), before
  the database transaction that applies it commits.
- `kill-in-report`: SIGKILL inside a report's transaction, after its change-log rows are
  written and before the commit (a batch upload's transaction too).
- `kill-after-batch-store`: SIGKILL after a batch's blobs are stored (and synced), before the
  transaction that owns and applies them.
- `fail-syncfs`: the blob store's syncfs fails with EIO.
- `fail-fsync` / `fail-replace`: the blob store's fsync / rename fails with EIO.
- `fail-fdatasync`: a chunk's fdatasync fails with EIO.
- `slow-unit`: reading one device spends SLOW_SECONDS inside its unit of work (pg_sleep on
  PostgreSQL, a sleep on SQLite), as a slow query would.
- `slow-write`: the next report holds its transaction SLOW_WRITE_SECONDS after taking its
  library's lock, as a write on a stalling disk would; it fires once (it removes the switch).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from pinakes_server import cli
from pinakes_server.services import batches, devices, ledger, report
from pinakes_server.storage import file_store, s3_store
from pinakes_server.storage.tables import ChangeLog, database, is_postgres

FAULTS = set(os.environ.get("PINAKES_TEST_FAULTS", "").split(","))
SLOW_SECONDS = 4
SLOW_WRITE_SECONDS = 7  # longer than the 5 s busy timeout SQLite writers used to give up at
SWITCH = Path(os.environ.get("PINAKES_TEST_FAULT_SWITCH", "/nonexistent"))


def _armed(fault: str) -> bool:
    return fault in FAULTS and SWITCH.exists()


def _die() -> None:
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class _FaultyOs:
    """The os module as one server module sees it, with some calls made to fail."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    @staticmethod
    def _fail_if(fault: str) -> None:
        if _armed(fault):
            raise OSError(errno.EIO, f"injected: {fault}")

    def fsync(self, fd: int) -> None:
        self._fail_if("fail-fsync")
        os.fsync(fd)

    def replace(self, source: Any, target: Any) -> None:
        self._fail_if("fail-replace")
        os.replace(source, target)

    def fdatasync(self, fd: int) -> None:
        self._fail_if("fail-fdatasync")
        os.fdatasync(fd)


def _then_die(assemble: Any, fault: str) -> Any:
    async def assemble_then_die(self: Any, session: Any) -> tuple[str, int]:
        stored = await assemble(self, session)
        if _armed(fault):
            _die()
        return stored

    return assemble_then_die


def install() -> None:
    file_store.os = _FaultyOs()  # type: ignore[assignment]

    syncfs = file_store.syncfs

    def failing_syncfs(path: Path) -> None:
        if _armed("fail-syncfs"):
            raise OSError(errno.EIO, "injected: fail-syncfs")
        syncfs(path)

    file_store.syncfs = failing_syncfs  # type: ignore[assignment]

    store_batch = batches.store

    async def store_then_die(*args: Any) -> None:
        await store_batch(*args)
        if _armed("kill-after-batch-store"):
            _die()

    batches.store = store_then_die  # type: ignore[assignment]

    for blob_store in (file_store.FileStore, s3_store.S3Store):
        blob_store.assemble = _then_die(  # type: ignore[method-assign]
            blob_store.assemble, "kill-after-promote"
        )

    bulk_write = ledger.bulk_write

    def write_then_die(model: Any, rows: list[dict[str, Any]], **options: Any) -> None:
        bulk_write(model, rows, **options)
        if model is ChangeLog and _armed("kill-in-report"):
            _die()

    ledger.bulk_write = write_then_die  # type: ignore[assignment]

    view = devices.view

    def slow_view(principal: Any, device_id: Any) -> Any:
        if _armed("slow-unit"):
            _sleep_in_unit(SLOW_SECONDS)
        return view(principal, device_id)

    devices.view = slow_view  # type: ignore[assignment]

    lock_library = report.lock_library

    def lock_then_stall(user_id: Any) -> None:
        lock_library(user_id)
        if _armed("slow-write"):
            SWITCH.unlink()
            _sleep_in_unit(SLOW_WRITE_SECONDS)

    report.lock_library = lock_then_stall  # type: ignore[assignment]


def _sleep_in_unit(seconds: float) -> None:
    """Time spent inside the unit of work (and its transaction, if one is open)."""
    if is_postgres():
        database.execute_sql(f"SELECT pg_sleep({seconds})")
    else:
        time.sleep(seconds)


if __name__ == "__main__":
    install()
    cli.main()
