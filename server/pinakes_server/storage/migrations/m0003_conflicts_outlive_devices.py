"""Deleting a device keeps its open conflicts: the only record of an edit that lost.

`conflict.device_id` becomes nullable with ON DELETE SET NULL (it was CASCADE), and each
conflict keeps the device's name (`device_name`), so a copy kept after the device is gone is
still named for it. SQLite cannot alter a foreign key: its table is rebuilt from its own
CREATE statement, rewritten, as SQLite's documentation describes.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NOT_NULL = '"device_id" TEXT NOT NULL'
CASCADE = 'FOREIGN KEY ("device_id") REFERENCES "device" ("id") ON DELETE CASCADE'


def up(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrate(migrator.add_column("conflict", "device_name", peewee.CharField(128, null=True)))
    db.execute_sql(
        'UPDATE "conflict" SET "device_name" = '
        '(SELECT "name" FROM "device" WHERE "device"."id" = "conflict"."device_id")'
    )
    if isinstance(db, peewee.PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def _postgres(db: peewee.Database) -> None:
    (constraint,) = db.execute_sql(
        "SELECT tc.constraint_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name "
        "WHERE tc.table_name = 'conflict' AND tc.constraint_type = 'FOREIGN KEY' "
        "AND k.column_name = 'device_id'"
    ).fetchone()
    db.execute_sql('ALTER TABLE "conflict" ALTER COLUMN "device_id" DROP NOT NULL')
    db.execute_sql(f'ALTER TABLE "conflict" DROP CONSTRAINT "{constraint}"')
    db.execute_sql(
        f'ALTER TABLE "conflict" ADD CONSTRAINT "{constraint}" FOREIGN KEY ("device_id") '
        'REFERENCES "device" ("id") ON DELETE SET NULL'
    )


def _sqlite(db: peewee.Database) -> None:
    rows = db.execute_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'conflict' AND sql IS NOT NULL"
    ).fetchall()
    (table,) = [sql for kind, _, sql in rows if kind == "table"]
    indexes = [sql for kind, _, sql in rows if kind == "index"]
    assert NOT_NULL in table and CASCADE in table, table
    rebuilt = table.replace(NOT_NULL, '"device_id" TEXT').replace(
        CASCADE, CASCADE.replace("CASCADE", "SET NULL")
    )
    db.execute_sql(rebuilt.replace('CREATE TABLE "conflict"', 'CREATE TABLE "conflict_new"', 1))
    db.execute_sql('INSERT INTO "conflict_new" SELECT * FROM "conflict"')
    db.execute_sql('DROP TABLE "conflict"')
    db.execute_sql('ALTER TABLE "conflict_new" RENAME TO "conflict"')
    for sql in indexes:
        db.execute_sql(sql)
