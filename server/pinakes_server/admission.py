"""How many connections one client address, and the whole process, may hold at once.

A client that opens connection after connection (and trickles each) must not take the
descriptors every other client, the database, the blob files and the store need. Counts are
per process: with `--workers N` each worker admits its own share of the kernel's accepts.
"""

from __future__ import annotations

import logging
import resource
import sys
from collections import Counter

# Descriptors kept for what is not a client connection: the database pool (SQLite holds three
# files per connection), the S3 store's pool, listeners, the event loop, logs, metric files.
RESERVED_DESCRIPTORS = 256
log = logging.getLogger("pinakes.admission")


def raise_descriptor_limit() -> int:
    """The soft RLIMIT_NOFILE raised to the hard one (at start, before any worker); the
    limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:  # a platform that caps below its hard limit
            log.warning("could not raise the descriptor limit from %d to %d: %s", soft, hard, exc)
    return soft


def connection_budget() -> int:
    """Connections this process may hold: every one may need a second descriptor while it
    streams (the blob file it reads, the staged file it writes), and the reserve stays free."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return sys.maxsize
    return max(1, (soft - RESERVED_DESCRIPTORS) // 2)


class Admission:
    """Counts held connections; refuses one over an address's cap or the process's budget
    (and says so in the log once per spell of refusing)."""

    def __init__(self, per_address: int, total: int) -> None:
        self.per_address, self.total = per_address, total
        self._held: Counter[str] = Counter()
        self._count = 0
        self._refusing: set[str] = set()
        self._full = False

    def admit(self, address: str) -> bool:
        if self._held[address] >= self.per_address:
            if address not in self._refusing:
                self._refusing.add(address)
                log.warning("%s holds %d connections: refusing more", address, self.per_address)
            return False
        if self._count >= self.total:
            if not self._full:
                self._full = True
                log.warning("%d connections open: refusing more", self.total)
            return False
        self._held[address] += 1
        self._count += 1
        return True

    def release(self, address: str) -> None:
        self._count -= 1
        self._full = False
        self._held[address] -= 1
        self._refusing.discard(address)
        if not self._held[address]:
            del self._held[address]
