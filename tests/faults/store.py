"""What a crash or a failure must never leave behind: the database and the blob store agree."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid

import psycopg

from ..blob_view import BlobView
from ..live import LiveServer


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
    """Every blob is whole (its bytes hash to its name); every blob a user owns or a live file
    points at is stored; every stored blob is owned or awaited by an open upload; everything
    staged belongs to an open upload (and no assembly is left unfinished)."""
    blobs = BlobView(server)
    stored = blobs.whole()
    assert all(stored.values()), f"blobs holding other bytes than their names say: {stored}"
    owned = {h for (h,) in _rows(server, "SELECT content_hash FROM user_blob")}
    live = {h for (h,) in _rows(server, "SELECT content_hash FROM file_state WHERE NOT deleted")}
    sessions = _rows(
        server,
        "SELECT id, expected_hash FROM upload_session WHERE status IN ('pending', 'in_progress')",
    )
    assert live <= owned, f"live files without an owned blob: {live - owned}"
    assert owned <= stored.keys(), f"owned blobs missing from the store: {owned - stored.keys()}"
    awaited = {expected for _, expected in sessions}
    assert stored.keys() <= owned | awaited, f"stray blobs: {stored.keys() - owned - awaited}"
    open_ids = {str(uuid.UUID(str(session_id))) for session_id, _ in sessions}
    for staged in blobs.staged():
        session = staged.removeprefix("uploads/").split("/")[0].split(".")[0]
        assert session in open_ids, f"{staged} belongs to no open upload"
