"""`make run-cluster`: PostgreSQL, SeaweedFS (S3), and two server instances on two ports with
data dirs of their own: they share the database, the bucket and the JWT secret, nothing else.
A device on each: what one uploads through the first instance, the other sees through the
second (woken from a long-poll), downloads and acknowledges. Then both instances keep serving
until Ctrl-C, for curl or the SDK to try; everything is thrown away after.

PostgreSQL and SeaweedFS are the tests' throw-away ones; README "Running at scale" shows the
same layout with a real database, a real bucket and a load balancer.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .conftest import Account, DeviceClient, device_client, login, register
from .live import PASSWORD, LiveServer, start_server
from .postgres import PostgresCluster
from .seaweed import Seaweed


def _on(server: LiveServer, device: DeviceClient) -> DeviceClient:
    device.api.close()
    return DeviceClient(device.account, device.id, device.token, server.client(device.token))


def demonstrate(first: LiveServer, second: LiveServer) -> None:
    assert register(first, "alice").status_code == 201
    alice = Account(first, "alice", "", login(first, "alice"))
    laptop = _on(first, device_client(alice, "laptop"))
    phone = _on(second, device_client(alice, "phone"))
    print(f"alice's laptop talks to {first.url}, her phone to {second.url}")
    seen: dict = {}
    listening = threading.Thread(target=lambda: seen.update(phone.changes(cursor=0, wait=30)))
    listening.start()
    time.sleep(0.5)
    started = time.monotonic()
    laptop.upload("notes/hello.txt", b"hello from the laptop, through the first instance\n")
    listening.join()
    print(f"the phone's long-poll on the second instance woke within "
          f"{(time.monotonic() - started) * 1000:.0f} ms of the upload's start, with: "
          f"{[(c['path'], c['version']) for c in seen['changes']]}")  # fmt: skip
    print(f"it downloads: {phone.download('notes/hello.txt').decode().strip()!r}")
    print(f"and acknowledges cursor {phone.ack(seen['cursor'])['cursor']}")
    for device in (laptop, phone):
        device.api.close()


def main() -> None:
    postgres, seaweed = PostgresCluster.start(), Seaweed.start()
    root = Path(tempfile.mkdtemp(prefix="pinakes-cluster-"))
    settings = {
        "PINAKES_DATABASE_URL": postgres.new_database(), "PINAKES_OPEN_REGISTRATION": "0",
        "PINAKES_JWT_SECRET": secrets.token_hex(32), **seaweed.settings("cluster"),
    }  # fmt: skip
    servers: list[LiveServer] = []
    try:
        for n in (1, 2):
            (root / f"instance-{n}").mkdir()
            servers.append(start_server(root / f"instance-{n}" / "data", **settings))
        print(f"PostgreSQL on 127.0.0.1:{postgres.port}; bytes in "
              f"{settings['PINAKES_BLOB_STORE']} at {seaweed.endpoint}; data dirs of their own "
              f"under {root}")  # fmt: skip
        demonstrate(*servers)
        print(f"\nserving at {servers[0].url} and {servers[1].url} (user alice, password "
              f"{PASSWORD!r}); Ctrl-C ends it all")  # fmt: skip
        with contextlib.suppress(KeyboardInterrupt):
            while all(s.process.poll() is None for s in servers):
                time.sleep(1)
    finally:
        for server in servers:
            server.stop()
        postgres.stop()
        seaweed.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
