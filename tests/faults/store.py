"""What a crash or a failure must never leave behind: the database and the blob store agree."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import uuid

import psycopg

from ..live import LiveServer

MIB = 1024 * 1024


def _rows(server: LiveServer, sql: str) -> list[tuple]:
    """A read of the server's own database, whichever it is."""
    url = server.env.get("PINAKES_DATABASE_URL")
    if url is not None:
        with psycopg.connect(url) as db:
            return db.execute(sql).fetchall()
    database = server.data_dir / "pinakes.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return db.execute(sql).fetchall()


def assert_store_consistent(server: LiveServer) -> None:
    """Every blob file is whole (its bytes hash to its name); every blob a user owns or a live
    file points at is on disk; every blob on disk is owned or awaited by an open upload; every
    staging file belongs to an open upload."""
    on_disk = {}
    for blob in (server.data_dir / "blobs").glob("*/*/*"):
        digest = hashlib.sha256()
        with blob.open("rb") as handle:
            while block := handle.read(MIB):
                digest.update(block)
        assert digest.hexdigest() == blob.name, f"{blob} holds other bytes than its name says"
        on_disk[blob.name] = blob
    owned = {h for (h,) in _rows(server, "SELECT content_hash FROM user_blob")}
    live = {h for (h,) in _rows(server, "SELECT content_hash FROM file_state WHERE NOT deleted")}
    sessions = _rows(
        server,
        "SELECT id, expected_hash FROM upload_session WHERE status IN ('pending', 'in_progress')",
    )
    assert live <= owned, f"live files without an owned blob: {live - owned}"
    assert owned <= on_disk.keys(), f"owned blobs missing on disk: {owned - on_disk.keys()}"
    awaited = {expected for _, expected in sessions}
    assert on_disk.keys() <= owned | awaited, f"stray blobs: {on_disk.keys() - owned - awaited}"
    open_ids = {str(uuid.UUID(str(session_id))) for session_id, _ in sessions}
    for staged in (server.data_dir / "uploads").iterdir():
        assert staged.name.split(".")[0] in open_ids, f"{staged} belongs to no open upload"
