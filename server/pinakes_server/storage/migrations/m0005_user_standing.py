"""Users an admin can disable, and whose tokens an admin can revoke at once (`pinakes-server
users disable | reset-password`): `user.disabled`, and `user.token_generation`, which every
JWT carries (`ugen`; a token issued before this migration counts as generation 1).

Both columns are added NOT NULL with a default in one statement each. playhouse.migrate would
add them nullable and then rebuild SQLite's `user` table to set NOT NULL, and dropping that
table cascades (foreign keys are on) to every device, file and conflict of every user.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator


def up(db: peewee.Database, migrator: SchemaMigrator) -> None:
    boolean, false = (
        ("BOOLEAN", "false") if isinstance(db, peewee.PostgresqlDatabase) else ("INTEGER", "0")
    )
    db.execute_sql(f'ALTER TABLE "user" ADD COLUMN "disabled" {boolean} NOT NULL DEFAULT {false}')
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "token_generation" INTEGER NOT NULL DEFAULT 1')
