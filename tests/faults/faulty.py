"""A server process with named faults injected (injected_server.py), armed by a switch file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..live import LiveServer

INJECTED = "tests.faults.injected_server"


@dataclass
class Faulty:
    server: LiveServer
    switch: Path  # the faults fire while this file exists

    def arm(self) -> None:
        self.switch.touch()

    def disarm(self) -> None:
        self.switch.unlink()
