"""The SQLite store is opened as DESIGN.md asks: WAL, foreign keys, busy timeout, IMMEDIATE."""

from __future__ import annotations

from pathlib import Path

from pinakes_server.storage.db import close_database, open_database, write_transaction


def test_sqlite_is_opened_for_safe_concurrent_writes(tmp_path: Path) -> None:
    db = open_database(None, tmp_path)
    try:
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000
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
