"""Listing and resolving conflicts: keep_remote, keep_local or keep_both.

A clash conflict (DESIGN.md "A library every device can hold") resolves like any other, with
what blocks in the place of the server's version: keep_local makes the blocking file a
tombstone (a blocking folder only when it holds no live files), keep_both renames the
clashing segment. What blocks is looked up again at resolution: it may have changed since.

A `name` conflict is a live file stored before names had to be portable: keep_both moves it to
its conflict-copy name, the other two would keep a name some device cannot hold (409). Every
copy name is portable, whatever the path it copies.
"""

from __future__ import annotations

import uuid

from ..auth import Principal
from ..errors import Conflict as ConflictError
from ..errors import NotFound
from ..storage.db import write_transaction
from ..storage.portable import made_portable, unportable
from ..storage.tables import Conflict, utcnow
from .conflict_names import conflict_copy_path
from .devices import get as get_device
from .ledger import Ledger, lock_library
from .records import ConflictRecord
from .report import stored_sizes


def list_open(principal: Principal, device_id: uuid.UUID | None) -> list[ConflictRecord]:
    query = Conflict.select().where(
        (Conflict.user == principal.user_id) & Conflict.resolved_at.is_null()
    )
    if device_id is not None:
        query = query.where(Conflict.device == get_device(principal, device_id).id)
    return [ConflictRecord.of(c) for c in query.order_by(Conflict.detected_at, Conflict.id)]


def _missing_bytes(what: str) -> ConflictError:
    return ConflictError(f"the device's bytes for {what} are not stored: upload them first")


def _local_content(ledger: Ledger, conflict: Conflict) -> tuple[str, int]:
    """The device's side of the conflict as (hash, size); 409 when its bytes are not stored."""
    content_hash = conflict.local_hash
    if content_hash is None and conflict.change_type == "moved":
        old = ledger.state(conflict.old_path)
        content_hash = old.content_hash if old.live else None  # a move carries old's content
    sizes = stored_sizes(ledger.user_id, [content_hash] if content_hash else [])
    if content_hash is None or content_hash not in sizes:
        raise _missing_bytes(conflict.path)
    return content_hash, sizes[content_hash]


def _clear_way(ledger: Ledger, path: str, leaving: str | None = None) -> None:
    """Tombstone the live files that keep `path` from living; 409 for a folder of files."""
    while (clash := ledger.clash(path, leaving)) is not None:
        if clash.kind == "folder":
            raise ConflictError(
                f"the folder {clash.path!r} still holds live files: move or delete them first, "
                "or keep both"
            )
        ledger.delete(clash.path)


def _keep_local(ledger: Ledger, conflict: Conflict) -> None:
    path = conflict.path
    if conflict.change_type == "deleted":
        if ledger.state(path).live:
            ledger.delete(path)
        return
    content_hash, size = _local_content(ledger, conflict)
    if conflict.change_type == "moved":
        old = ledger.state(conflict.old_path)
        if old.live and old.content_hash == content_hash and not ledger.state(path).live:
            _clear_way(ledger, path, leaving=conflict.old_path)
            ledger.move(conflict.old_path, path, conflict.local_mtime)
            return
        if old.live:
            ledger.delete(conflict.old_path)
    target = ledger.state(path)
    if not target.live:
        _clear_way(ledger, path)
    if not (target.live and target.content_hash == content_hash):
        ledger.put(path, content_hash, size, conflict.local_mtime)


def _copy_path(ledger: Ledger, conflict: Conflict) -> str:
    """The conflict copy's path: the clashing segment renamed (the blocking file's, for a
    file where a folder is needed; the first that is not portable, when one before it is not;
    else the last), free, clashing with nothing and portable."""
    segments = conflict.path.split("/")
    depth = len(segments)
    if conflict.clash_kind == "file" and conflict.clash_path:
        depth = conflict.clash_path.count("/") + 1
    depth = next((i + 1 for i, s in enumerate(segments[:depth]) if unportable(s)), depth)
    head = "/".join(segments[:depth])
    rest = "".join(f"/{made_portable(s)}" for s in segments[depth:])

    def is_free(candidate: str) -> bool:
        return not ledger.state(candidate).live and ledger.clash(candidate) is None

    device = conflict.device_name or "removed device"
    return conflict_copy_path(head, device, utcnow(), is_free, tail=rest)


def _keep_both(ledger: Ledger, conflict: Conflict) -> None:
    if conflict.clash_kind == "name":
        if ledger.state(conflict.path).live:  # else its owner moved or deleted it already
            ledger.move(conflict.path, _copy_path(ledger, conflict), None)
        return
    if conflict.change_type == "deleted":
        return  # nothing of the device's to keep
    content_hash, size = _local_content(ledger, conflict)
    ledger.put(_copy_path(ledger, conflict), content_hash, size, conflict.local_mtime)


def _keep_remote(ledger: Ledger, conflict: Conflict) -> None:
    """The server's version stays; only the conflict is closed."""


RESOLVERS = {"keep_remote": _keep_remote, "keep_local": _keep_local, "keep_both": _keep_both}


def resolve(
    principal: Principal, conflict_id: uuid.UUID, resolution: str
) -> tuple[ConflictRecord, int | None]:
    """The resolved conflict and the user's last seq when resolving changed files."""
    with write_transaction():
        lock_library(principal.user_id)  # before reading: a second resolver waits, then sees it
        conflict = Conflict.get_or_none(
            (Conflict.id == conflict_id) & (Conflict.user == principal.user_id)
        )
        if conflict is None:
            raise NotFound(f"no conflict {conflict_id}")
        if conflict.resolved_at is not None:
            raise ConflictError(f"the conflict was already resolved ({conflict.resolution})")
        ledger = Ledger(principal.user_id, [p for p in (conflict.path, conflict.old_path) if p])
        if conflict.clash_kind == "name" and resolution != "keep_both":
            if ledger.state(conflict.path).live:
                raise ConflictError(
                    f"{conflict.path!r} is a name some devices cannot hold: keep both renames it "
                    "(or move it to a portable name)"
                )
        else:
            RESOLVERS[resolution](ledger, conflict)
        conflict.resolved_at = utcnow()
        conflict.resolution = resolution
        conflict.save()
        return ConflictRecord.of(conflict), ledger.commit(conflict.device_id)
