"""`pinakes-server` started under a small descriptor limit (PINAKES_TEST_NOFILE="SOFT:HARD"),
as a host with a low limit starts it: for tests/security/test_slow_clients.py only."""

from __future__ import annotations

import os
import resource

from pinakes_server import cli

if __name__ == "__main__":
    soft, hard = (int(n) for n in os.environ["PINAKES_TEST_NOFILE"].split(":"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    cli.main()
