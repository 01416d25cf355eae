"""`pinakes-server check`: the database and the blob store agree, and every library is holdable.

The fault tests assert the same facts after every crash they cause; operators get them as one
line per finding. Only orphans (bytes nothing points at) are ever repaired: anything else is
a loss to look into, never something to delete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..storage.blobs import BlobStore
from ..storage.path_keys import LiveSet
from ..storage.tables import Conflict, FileState, User, UserBlob
from .uploads import SWEEP_GRACE_SECONDS, orphans

HASH_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class Finding:
    line: str
    problem: bool = True  # False: worth knowing, nothing wrong (a clash awaiting its owner)
    orphan: Path | None = None  # what --repair removes


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _blobs(store: BlobStore) -> Iterator[Finding]:
    on_disk = set()
    for content_hash, path in store.stored_hashes():
        on_disk.add(content_hash)
        if (actual := _hash(path)) != content_hash:
            yield Finding(f"corrupt blob {path}: its bytes hash to {actual}")
    owned = {h for (h,) in UserBlob.select(UserBlob.content_hash).distinct().tuples()}
    for content_hash in sorted(owned - on_disk):
        yield Finding(f"missing blob {store.blob_path(content_hash)}: a user owns it")
    live = FileState.select(FileState.path, FileState.content_hash, User.username).join(User)
    for path, content_hash, username in live.where(~FileState.deleted).tuples():
        if content_hash not in owned:
            yield Finding(f"user {username}: live file {path!r} has no owned blob {content_hash}")


def _libraries() -> Iterator[Finding]:
    live = (
        FileState.select(User.username, FileState.path)
        .join(User)
        .where(~FileState.deleted)
        .order_by(User.username, FileState.updated_at, FileState.id)
    )
    held: dict[str, LiveSet] = {}
    for username, path in live.tuples():
        library = held.setdefault(username, LiveSet())
        if (clash := library.clash(path)) is not None:
            yield Finding(f"user {username}: live file {path!r} clashes with {clash[0]!r} "
                          f"({clash[1]}): the library is not holdable")  # fmt: skip
        library.add(path)
    columns = (Conflict.id, Conflict.path, Conflict.clash_path, Conflict.clash_kind)
    open_clashes = (
        Conflict.select(*columns, User.username)
        .join(User)
        .where(Conflict.resolved_at.is_null() & Conflict.clash_kind.is_null(False))
        .order_by(User.username, Conflict.detected_at)
    )
    for conflict_id, path, clash_path, kind, username in open_clashes.tuples():
        yield Finding(
            f"user {username}: open conflict {conflict_id}: {path!r} clashes with "
            f"{clash_path!r} ({kind}), for its owner to resolve",
            problem=False,
        )


def check(store: BlobStore, grace_seconds: float = SWEEP_GRACE_SECONDS) -> list[Finding]:
    findings = [*_blobs(store), *_libraries()]
    for path in orphans(store, grace_seconds):
        what = "blob nothing owns" if path.is_relative_to(store.blobs) else "stray staging file"
        findings.append(Finding(f"orphan {path}: {what}", orphan=path))
    return findings
