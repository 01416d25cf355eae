"""A store as the release before portable names left it: live files at names some device
cannot hold (`NUL.txt`, `a./b`, …), which that release accepted like any other.

The files are uploaded at portable names first (today's server refuses the others); then,
with the server stopped, each is moved to its non-portable name through the same ledger the
release before moved it with, and the schema is put back at the version before migration 7
(which changes no table, only rows). The next start migrates it as an upgrade would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from pinakes_server.services.ledger import Ledger, lock_library
from pinakes_server.storage.db import close_database, open_database, write_transaction
from pinakes_server.storage.migrations import MIGRATIONS

from .conftest import Account, DeviceClient, login, register, sha256
from .live import LiveServer

PORTABLE_NAMES = next(m.version for m in MIGRATIONS if m.name == "portable_names")


def store_unportable(
    server: LiveServer,
    start: Callable[..., LiveServer],
    user_id: str,
    device_id: str,
    moves: dict[str, str],
) -> LiveServer:
    """Stops `server`, moves each live `old → new` as `device_id` did, and starts it again
    (migrating); returns the new server process (its port is new)."""
    assert MIGRATIONS[-1].version == PORTABLE_NAMES, "later migrations may change tables"
    server.stop()
    db = open_database(server.env.get("PINAKES_DATABASE_URL"), server.data_dir)
    try:
        user = uuid.UUID(user_id)
        with write_transaction():
            lock_library(user)
            ledger = Ledger(user, [*moves, *moves.values()])
            for old, new in moves.items():
                assert ledger.state(old).live, old
                ledger.move(old, new, None)
            ledger.commit(uuid.UUID(device_id))
        db.execute_sql(f'DELETE FROM "schema_version" WHERE "version" >= {PORTABLE_NAMES}')
    finally:
        close_database()
    return start(server.data_dir, **server.env)


def legacy_library(
    start: Callable[..., LiveServer], files: dict[str, bytes]
) -> tuple[LiveServer, Account, DeviceClient]:
    """A server whose user `owner` (its admin) has `files` live, written by its device
    `laptop` under the release before, and migrated since: the server, the owner, the device
    (close its `api`)."""
    server = start()
    assert register(server, "owner").status_code == 201
    owner = Account(server, "owner", "", login(server, "owner"))
    with owner.client() as api:
        owner.user_id = api.get("/api/v1/auth/me").json()["user"]["id"]
    device_id, device_token = owner.add_device("laptop")
    placeholders = {f"legacy/{i}.bin": path for i, path in enumerate(files)}
    manifest = {"device_id": device_id, "items": [
        {"path": held, "content_hash": sha256(files[path]), "size": len(files[path])}
        for held, path in placeholders.items()
    ]}  # fmt: skip
    parts = [("manifest", (None, json.dumps(manifest), "application/json"))]
    parts += [
        ("files", (f"f{i}", files[p], "application/octet-stream")) for i, p in enumerate(files)
    ]
    with owner.client() as api:
        reply = api.post("/api/v1/sync/upload/batch", files=parts)
    assert reply.status_code == 200, reply.text
    assert {r["outcome"] for r in reply.json()["items"]} == {"accepted"}, reply.text
    server = store_unportable(server, start, owner.user_id, device_id, placeholders)
    owner = Account(server, "owner", owner.user_id, login(server, "owner"))
    jwt = owner.device_jwt(device_token)
    return server, owner, DeviceClient(owner, device_id, jwt, owner.client(jwt))
