"""Opens the database named by the config (SQLite by default, PostgreSQL by URL) and brings
its schema up to date (storage/migrations); nothing SQLite-only in queries."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee
from playhouse.db_url import connect
from playhouse.pool import PooledDatabase

from .migrations import upgrade
from .tables import UserSeq, database, is_postgres
from .writer_queue import WriterBusy, WriterQueue

# Longest an SQLite write waits for its turn, behind this process's other writers (the
# WriterQueue) and then behind another process's (the busy timeout, the only order there is
# between processes): beyond it, the store is taken to have failed (503).
WRITE_WAIT_SECONDS = 30

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": WRITE_WAIT_SECONDS * 1000,
}


POSTGRES_SCHEMES = ("postgresql://", "postgres://")
POOL_SIZE = 16


# Every commit that adds to a user's change log says so on this channel (PostgreSQL only).
CHANGES_CHANNEL = "pinakes_changes"


def advance_seq(user_id: object, count: int) -> int | None:
    """Inside the writing transaction: the user's counter moved on by `count` (its row lock
    taken, so writers commit in seq order); the new last seq, None when it has no row yet.

    On PostgreSQL the same statement sends the NOTIFY, delivered to every listening process
    at commit (never before, never for a rolled-back one)."""
    if not is_postgres():
        found = UserSeq.update(last_seq=UserSeq.last_seq + count).where(UserSeq.user == user_id)
        if not found.execute():
            return None
        return UserSeq.select(UserSeq.last_seq).where(UserSeq.user == user_id).scalar()
    row = database.execute_sql(
        'WITH s AS (UPDATE "user_seq" SET "last_seq" = "last_seq" + %s WHERE "user_id" = %s '
        'RETURNING "last_seq") SELECT "last_seq", pg_notify(%s, %s || \':\' || "last_seq") '
        "FROM s",
        (count, UserSeq.user.db_value(user_id), CHANGES_CHANNEL, str(user_id)),
    ).fetchone()
    return None if row is None else int(row[0])


def drop_connection() -> None:
    """After a failed query a PostgreSQL connection may be dead (the server restarted): give it
    up, so the next query checks a working one out of the pool instead of failing forever."""
    if is_postgres():
        with contextlib.suppress(peewee.DatabaseError):
            database.close()


def lock_table(model: type[peewee.Model]) -> None:
    """Inside a write transaction: no other writer of `model` until it ends (SQLite's
    IMMEDIATE transactions already exclude every other writer)."""
    if is_postgres():
        database.execute_sql(f'LOCK TABLE "{model._meta.table_name}" IN SHARE ROW EXCLUSIVE MODE')


class QueuedSqliteDatabase(peewee.SqliteDatabase):
    """SQLite whose writers in this process take turns (writer_queue): a transaction from its
    BEGIN to its end, and a write outside any transaction for its one statement. Hooked on
    BEGIN, COMMIT and ROLLBACK, so every way of opening a transaction queues."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writers = WriterQueue(WRITE_WAIT_SECONDS)
        self._turns = threading.local()  # whether this thread's transaction holds a turn

    @contextlib.contextmanager
    def turn(self, wait: bool = True) -> Iterator[None]:
        """This thread's turn to write (WriterBusy at once if taken and `wait` is false)."""
        if not self.writers.acquire(wait):
            raise WriterBusy("another write of this process holds the database")
        try:
            yield
        finally:
            self.writers.release()

    def begin(self, lock_type: str | None = None) -> None:
        self.writers.acquire()
        try:
            super().begin(lock_type)
        except BaseException:
            self.writers.release()
            raise
        self._turns.held = True

    def _end_turn(self) -> None:
        if getattr(self._turns, "held", False):
            self._turns.held = False
            self.writers.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            connection = self._state.conn
            if connection is None or not connection.in_transaction:  # else a rollback follows
                self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if self.in_transaction() or sql.lstrip()[:6].upper() == "SELECT":
            return super().execute_sql(sql, params)
        with self.turn():
            return super().execute_sql(sql, params)


def connect_database(database_url: str | None, data_dir: Path) -> peewee.Database:
    """Bind the proxy to SQLite in the data dir by default, or to the URL's database."""
    if database_url is None or database_url.startswith("sqlite"):
        path = data_dir / "pinakes.sqlite3"
        if database_url and database_url.startswith("sqlite:///"):
            path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a write transaction takes the lock at BEGIN, so two writers never
        # deadlock upgrading from a read lock.
        db: peewee.Database = QueuedSqliteDatabase(
            str(path), pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE"
        )
    elif database_url.startswith(POSTGRES_SCHEMES):
        # psycopg 3 through Peewee's pool: connections are reused, not opened per request.
        rest = database_url.split("://", 1)[1]
        db = connect(f"psycopg3+pool://{rest}", max_connections=POOL_SIZE, stale_timeout=300)
    else:
        db = connect(database_url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    return db


def open_database(database_url: str | None, data_dir: Path) -> peewee.Database:
    """Connect and apply pending migrations (under a lock: instances starting together
    migrate once); SchemaTooNew when the database is ahead of this release."""
    db = connect_database(database_url, data_dir)
    try:
        upgrade(db)
    except BaseException:
        close_database()
        raise
    return db


def close_database() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()
    if isinstance(database.obj, PooledDatabase):  # closing returned it to the pool: empty that
        database.obj.close_all()


def bulk_write(
    model: type[peewee.Model],
    rows: list[dict[str, Any]],
    conflict_target: tuple[str, ...] = (),
) -> None:
    """Insert many rows with one statement: executemany on SQLite, one INSERT … SELECT FROM
    unnest (an array per column) on PostgreSQL.

    Peewee builds SQL value by value, which costs far more than the writing for a thousand
    rows. With a conflict target, a row whose key exists replaces its other columns (an
    upsert in the standard ON CONFLICT form SQLite and PostgreSQL share); the rows' keys must
    differ from each other.
    """
    if not rows:
        return
    meta = model._meta
    fields = [meta.fields[name] for name in rows[0]]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    if is_postgres():
        # One statement, one array per column (binary): one execution on the server instead
        # of one per row, and no per-row work in the driver.
        types = database.obj.field_types
        arrays = ", ".join(f"%b::{types.get(f.field_type, f.field_type)}[]" for f in fields)
        sql = f'INSERT INTO "{meta.table_name}" ({columns}) SELECT * FROM unnest({arrays})'
    else:
        marks = ", ".join([database.param] * len(fields))
        sql = f'INSERT INTO "{meta.table_name}" ({columns}) VALUES ({marks})'
    if conflict_target:
        keys = {meta.fields[name].column_name for name in conflict_target}
        target = ", ".join(f'"{k}"' for k in keys)
        updates = ", ".join(
            f'"{f.column_name}" = EXCLUDED."{f.column_name}"'
            for f in fields
            if f.column_name not in keys
        )
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {updates}"
    if is_postgres():
        database.execute_sql(sql, [[f.db_value(row[f.name]) for row in rows] for f in fields])
        return
    values = [tuple(f.db_value(row[f.name]) for f in fields) for row in rows]
    database.cursor().executemany(sql, values)


@contextlib.contextmanager
def write_transaction(wait: bool = True) -> Iterator[None]:
    """One write transaction; never await inside it. On SQLite it is IMMEDIATE and holds this
    process's turn to write (QueuedSqliteDatabase) from start to end: keep slow work (hashing,
    fsync, blob-store calls) before or after it, so that it is its statements only.

    `wait=False`, for a write worth less than a wait: WriterBusy at once, on SQLite, when
    another write has the turn."""
    if wait or not isinstance(database.obj, QueuedSqliteDatabase):
        with database.atomic():
            yield
        return
    with database.obj.turn(wait=False), database.atomic():
        yield
