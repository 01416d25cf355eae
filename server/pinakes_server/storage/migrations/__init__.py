"""Versioned schema migrations: one ordered module per schema change, applied by a version table.

Peewee's own `playhouse.migrate` does the column and index work on SQLite and PostgreSQL alike,
so there is no second ORM's model diffing to trust; the version table is ours. The first
release's schema is migration 1. A database made by that release has no version table: it is
recognised by its tables and counted as version 1.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

import peewee
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from ..tables import utcnow

VERSION_TABLE = "schema_version"
# Any constant both sides agree on: instances starting together take turns on it.
ADVISORY_LOCK_KEY = 0x70696E616B6573  # "pinakes"
MIGRATION_WAIT_MS = 15 * 60 * 1000


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer release than this code."""


def refuse_newer(version: int, latest: int = 0) -> None:
    """SchemaTooNew when the database is ahead of the release (`latest`, default this one)."""
    latest = latest or LATEST
    if version > latest:
        raise SchemaTooNew(
            f"the database is at schema version {version}, newer than this release's "
            f"{latest}: run a release that knows it"
        )


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType

    def apply(self, db: peewee.Database) -> None:
        self.module.up(db, _migrator(db))


def _discover() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        number, _, name = info.name[1:].partition("_")
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(number), name, module))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1, 2, 3 …: {[m.version for m in found]}")
    return found


MIGRATIONS = _discover()
LATEST = MIGRATIONS[-1].version


def _migrator(db: peewee.Database) -> SchemaMigrator:
    if isinstance(db, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(db)
    return SqliteMigrator(db)


def _ensure_version_table(db: peewee.Database) -> None:
    db.execute_sql(
        f'CREATE TABLE IF NOT EXISTS "{VERSION_TABLE}" ('
        '"version" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(128) NOT NULL, '
        '"applied_at" TIMESTAMP NOT NULL)'
    )


def current_version(db: peewee.Database) -> int:
    """0 for an empty database, 1 for one made by the first release, else the table's."""
    tables = set(db.get_tables())
    if VERSION_TABLE in tables:
        row = db.execute_sql(f'SELECT MAX("version") FROM "{VERSION_TABLE}"').fetchone()
        if row[0] is not None:
            return int(row[0])
    return 1 if "file_state" in tables else 0


def pending(db: peewee.Database, migrations: list[Migration] = MIGRATIONS) -> list[Migration]:
    return [m for m in migrations if m.version > current_version(db)]


def _record(db: peewee.Database, migration: Migration) -> None:
    db.execute_sql(
        f'INSERT INTO "{VERSION_TABLE}" ("version", "name", "applied_at") '
        f"VALUES ({db.param}, {db.param}, {db.param})",
        (migration.version, migration.name, utcnow().replace(tzinfo=None)),
    )


def _lock(db: peewee.Database) -> None:
    """Inside the migrating transaction: one migrator at a time, whichever instance."""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")


def upgrade(db: peewee.Database, migrations: list[Migration] = MIGRATIONS) -> list[Migration]:
    """Apply what is pending, all in one transaction under a lock; returns what it applied.

    SQLite's EXCLUSIVE transaction and PostgreSQL's advisory lock make instances that start
    together wait for the first; they then find nothing pending. Both run DDL inside a
    transaction, so a failed migration leaves the database at the version it had.
    """
    if not isinstance(db, peewee.SqliteDatabase):
        with db.atomic():
            return _upgrade_locked(db, migrations)
    # Another instance may be migrating: wait for it, however long that takes.
    busy = db.execute_sql("PRAGMA busy_timeout").fetchone()[0]
    db.execute_sql(f"PRAGMA busy_timeout = {MIGRATION_WAIT_MS}")
    try:
        with db.atomic("EXCLUSIVE"):
            return _upgrade_locked(db, migrations)
    finally:
        db.execute_sql(f"PRAGMA busy_timeout = {busy}")


def _upgrade_locked(db: peewee.Database, migrations: list[Migration]) -> list[Migration]:
    _lock(db)
    version, latest = current_version(db), migrations[-1].version
    refuse_newer(version, latest)
    _ensure_version_table(db)
    if version >= 1 and not _has_rows(db):
        _record(db, migrations[0])  # made by the first release, before versions were kept
    applied = [m for m in migrations if m.version > version]
    for migration in applied:
        migration.apply(db)
        _record(db, migration)
    return applied


def _has_rows(db: peewee.Database) -> bool:
    return db.execute_sql(f'SELECT 1 FROM "{VERSION_TABLE}" LIMIT 1').fetchone() is not None
