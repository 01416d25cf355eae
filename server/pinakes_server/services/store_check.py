"""`pinakes-server check`: the database and the blob store agree, and every library is holdable
(the live paths stored before names had to be portable are listed, for their owners to rename).

The fault tests assert the same facts after every crash they cause; operators get them as one
line per finding. Only orphans (bytes nothing points at) are ever repaired: anything else is
a loss to look into, never something to delete.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..storage.blob_store import BlobStore, Stored
from ..storage.path_keys import LiveSet
from ..storage.portable import unportable
from ..storage.tables import Conflict, FileState, User, UserBlob
from .uploads import SWEEP_GRACE_SECONDS, orphans


@dataclass(frozen=True)
class Finding:
    line: str
    problem: bool = True  # False: worth knowing, nothing wrong (a clash awaiting its owner)
    orphan: Stored | None = None  # what --repair removes


async def _blobs(store: BlobStore) -> list[Finding]:
    found, stored = [], set()
    for blob in await store.listing():
        if (content_hash := blob.content_hash) is None:
            continue
        stored.add(content_hash)
        if (actual := await store.hash_blob(content_hash)) != content_hash:
            where = store.describe(content_hash)
            found.append(Finding(f"corrupt blob {where}: its bytes hash to {actual}"))
    return found + list(_owned(store, stored))


def _owned(store: BlobStore, stored: set[str]) -> Iterator[Finding]:
    owned = {h for (h,) in UserBlob.select(UserBlob.content_hash).distinct().tuples()}
    for content_hash in sorted(owned - stored):
        yield Finding(f"missing blob {store.describe(content_hash)}: a user owns it")
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
        if (reason := unportable(path)) is not None:
            line = f"user {username}: live file {path!r} is not portable: {reason}"
            yield Finding(f"{line}; its name conflict is for its owner to resolve", problem=False)
    columns = (Conflict.id, Conflict.path, Conflict.clash_path, Conflict.clash_kind)
    open_clashes = (
        Conflict.select(*columns, User.username)
        .join(User)
        .where(Conflict.resolved_at.is_null() & Conflict.clash_kind.is_null(False))
        .order_by(User.username, Conflict.detected_at)
    )
    for conflict_id, path, clash_path, kind, username in open_clashes.tuples():
        if kind == "name":
            continue  # listed with its live file above, while it is there
        yield Finding(
            f"user {username}: open conflict {conflict_id}: {path!r} clashes with "
            f"{clash_path!r} ({kind}), for its owner to resolve",
            problem=False,
        )


async def check(store: BlobStore, grace_seconds: float = SWEEP_GRACE_SECONDS) -> list[Finding]:
    findings = [*await _blobs(store), *_libraries()]
    for stored in await orphans(store, grace_seconds):
        if stored.content_hash is not None:
            line = f"orphan {store.describe(stored.content_hash)}: blob nothing owns"
        else:
            line = f"orphan {stored.name}: stray staging file"
        findings.append(Finding(line, orphan=stored))
    return findings
