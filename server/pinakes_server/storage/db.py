"""Opens the database named by the config and creates the schema; nothing SQLite-only in queries."""

from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.db_url import connect

from .tables import TABLES, database

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}


def open_database(database_url: str | None, data_dir: Path) -> peewee.Database:
    """Bind the proxy to SQLite in the data dir by default, or to the URL's database."""
    if database_url is None or database_url.startswith("sqlite"):
        path = data_dir / "pinakes.sqlite3"
        if database_url and database_url.startswith("sqlite:///"):
            path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a write transaction takes the lock at BEGIN, so two writers never
        # deadlock upgrading from a read lock.
        db: peewee.Database = peewee.SqliteDatabase(
            str(path), pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE"
        )
    else:
        db = connect(database_url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    db.create_tables(TABLES, safe=True)
    return db


def close_database() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


def write_transaction() -> peewee._atomic:
    """One write transaction (IMMEDIATE on SQLite); never await inside it."""
    return database.atomic()
