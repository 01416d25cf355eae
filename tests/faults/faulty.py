"""A server process with named faults injected (injected_server.py), armed by a switch file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..live import LiveServer

INJECTED = "tests.faults.injected_server"
# Faults in the file blob store's own calls: a server given one keeps its bytes in files (in
# the S3 pass too; tests/faults/test_s3_store.py is the bucket's counterpart).
FILE_STORE_FAULTS = {
    "kill-after-promote",
    "fail-fsync",
    "fail-replace",
    "fail-fdatasync",
    "fail-syncfs",
}


@dataclass
class Faulty:
    server: LiveServer
    switch: Path  # the faults fire while this file exists

    def arm(self) -> None:
        self.switch.touch()

    def disarm(self) -> None:
        self.switch.unlink()
