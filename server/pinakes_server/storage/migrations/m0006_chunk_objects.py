"""Chunks staged in an S3 bucket (PINAKES_BLOB_STORE=s3://…): `upload_chunk.object` names the
object that holds a chunk's bytes. Each write of a chunk is an object of its own, never
overwritten, so what `complete` hashed is exactly what it composes. NULL for chunks written
into a staging file (the `file` store), which is every chunk before this migration.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator


def up(db: peewee.Database, migrator: SchemaMigrator) -> None:
    db.execute_sql('ALTER TABLE "upload_chunk" ADD COLUMN "object" VARCHAR(255)')
