"""The SQLite store is opened as DESIGN.md asks (WAL, foreign keys, busy timeout, IMMEDIATE),
a PostgreSQL URL opens a pool with the same schema, and prepared selects find what Peewee's
own would."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from pinakes_server.storage.db import (
    WRITE_WAIT_SECONDS,
    bulk_write,
    close_database,
    open_database,
    write_transaction,
)
from pinakes_server.storage.prepared import Prepared, PreparedIn, slot
from pinakes_server.storage.tables import TABLES, User, UserBlob, utcnow
from playhouse.postgres_ext import PooledPsycopg3Database

from .postgres import PostgresCluster


def test_sqlite_is_opened_for_safe_concurrent_writes(tmp_path: Path) -> None:
    db = open_database(None, tmp_path)
    try:
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == WRITE_WAIT_SECONDS * 1000
        assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        statements: list[str] = []
        db.connection().set_trace_callback(statements.append)
        with write_transaction():
            db.execute_sql("SELECT 1")
        assert statements[0] == "BEGIN IMMEDIATE"
        tables = {row[0] for row in db.execute_sql("SELECT name FROM sqlite_master")}
        assert {"user", "device", "change_log", "file_state", "upload_session"} <= tables
    finally:
        close_database()
    assert (tmp_path / "pinakes.sqlite3").is_file()


@pytest.mark.postgresql_only
def test_a_postgresql_url_opens_a_pool_and_the_same_schema(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    db = open_database(postgres.new_database(), tmp_path)
    try:
        assert isinstance(db, PooledPsycopg3Database)
        assert {t._meta.table_name for t in TABLES} <= set(db.get_tables())
        # Paths sort by their bytes whatever the database's locale (an ICU one here).
        collation = db.execute_sql(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'file_state' AND column_name = 'path'"
        ).fetchone()[0]
        assert collation == "C"
    finally:
        close_database()
    assert not (tmp_path / "pinakes.sqlite3").exists()


_BLOBS_OF = PreparedIn(
    lambda hashes: UserBlob.select(UserBlob.content_hash, UserBlob.size).where(
        (UserBlob.user == slot("user", UserBlob.user)) & UserBlob.content_hash.in_(hashes)
    ),
    UserBlob.content_hash,
)
_USER = Prepared(lambda: User.select().where(User.username_key == slot("key", User.username_key)))


@pytest.mark.parametrize("asked", [0, 1, 3, 512, 513, 1300])
def test_prepared_selects_find_exactly_what_peewee_would(tmp_path: Path, asked: int) -> None:
    """Rendered once per database and list-length bucket; any number of IN values."""
    for round_ in ("first", "second"):  # a new database: the SQL is rendered for it again
        open_database(None, tmp_path / round_)
        try:
            user = User.create(username="u", username_key="u", password_hash="x")
            other = User.create(username="o", username_key="o", password_hash="x")
            now = utcnow()
            rows = [{"user": owner.id, "content_hash": f"{n:064x}", "size": n, "created_at": now}
                    for owner in (user, other) for n in range(1400)]  # fmt: skip
            bulk_write(UserBlob, rows)
            wanted = [f"{n:064x}" for n in range(0, 2 * asked, 2)]  # half of them exist
            found = dict(_BLOBS_OF.rows(wanted, user=user.id))
            query = UserBlob.select().where(
                (UserBlob.user == user.id) & UserBlob.content_hash.in_(wanted or [""])
            )
            expected = {row.content_hash: row.size for row in query}
            assert found == expected and len(found) == min(asked, 700)
            (again,) = _USER.instances(key="u")
            assert (again.id, again.username, again.is_admin) == (user.id, "u", False)
            assert _USER.first(key="nobody") is None
        finally:
            close_database()


def test_open_blobs_keep_the_most_recently_read_descriptors(tmp_path: Path) -> None:
    from pinakes_server.storage.file_store import FileStore, OpenBlobs

    store = FileStore(tmp_path)
    hashes = []
    for data in (b"one", b"two", b"three"):
        content_hash = hashlib.sha256(data).hexdigest()
        store.blob_path(content_hash).parent.mkdir(parents=True, exist_ok=True)
        store.blob_path(content_hash).write_bytes(data)
        hashes.append(content_hash)
    kept = OpenBlobs(store, size=2)
    first = kept.fd(hashes[0])
    assert kept.fd(hashes[0]) == first and os.pread(first, 3, 0) == b"one"
    second = kept.fd(hashes[1])
    kept.fd(hashes[0])  # used again: the second is now the oldest
    kept.fd(hashes[2])
    with pytest.raises(OSError):
        os.fstat(second)  # evicted, and closed
    assert os.pread(kept.fd(hashes[0]), 3, 0) == b"one"  # still open, the same descriptor
    assert kept.fd(hashes[0]) == first
    with pytest.raises(FileNotFoundError):
        kept.fd("0" * 64)
    kept.close()
    with pytest.raises(OSError):
        os.fstat(first)
