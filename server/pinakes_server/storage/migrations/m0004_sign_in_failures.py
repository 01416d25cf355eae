"""Failed sign-ins counted in the database, so the allowance holds across workers and
instances (it was counted per process: N instances allowed N times the attempts)."""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator


class SignInFailure(peewee.Model):
    key = peewee.CharField(max_length=400)
    at = peewee.DoubleField()

    class Meta:
        legacy_table_names = False
        indexes = ((("key", "at"), False),)


def up(db: peewee.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([SignInFailure]):
        db.create_tables([SignInFailure])
