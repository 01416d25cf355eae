"""POST /sync/report: DESIGN.md's per-change rules, all of one report in one transaction.

Every change is first put in the stored case of the folders that exist (`Ledger.adopt`); a
change that would add a live file clashing with another (`Ledger.clash`) is a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..auth import Principal
from ..errors import ValidationFailed
from ..storage.db import write_transaction
from ..storage.paths import checked_path, refuse_unportable
from ..storage.prepared import PreparedIn, slot
from ..storage.tables import Conflict, Device, UserBlob, utcnow
from . import devices
from .ledger import Clash, Entry, Ledger, State, lock_library
from .records import ConflictRecord


@dataclass(frozen=True)
class Change:
    """A reported change, its paths canonical and its required fields checked."""

    path: str
    change_type: str
    content_hash: str | None = None
    size: int | None = None
    mtime: datetime | None = None
    base_version: int = 0
    old_path: str | None = None
    path_location: str = "path"  # where the path came from, for a 400


@dataclass
class Accepted:
    path: str  # as reported
    stored_path: str  # in the stored case of its folders
    version: int
    entry: Entry | None = None  # None: accepted without a new version

    @property
    def seq(self) -> int | None:
        return self.entry.seq if self.entry else None


@dataclass
class ReportResult:
    accepted: list[Accepted] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    upload_required: list[str] = field(default_factory=list)
    last_seq: int | None = None  # set when the report changed anything


@dataclass(frozen=True, slots=True)
class AcceptedRecord:
    path: str
    stored_path: str
    version: int
    seq: int | None


@dataclass(frozen=True, slots=True)
class ReportAnswer:
    accepted: list[AcceptedRecord]
    conflicts: list[ConflictRecord]
    upload_required: list[str]


def report_changes(
    principal: Principal, device_id: uuid.UUID | None, raw_changes: list[dict]
) -> tuple[ReportAnswer, int | None]:
    """POST /sync/report for the acting device: the answer, and the user's last seq when the
    report changed anything (for the long-polls to wake)."""
    device = devices.acting_device(principal, device_id, "body.device_id")
    changes = [checked_change(i, raw) for i, raw in enumerate(raw_changes)]
    result = apply_report(principal.user_id, device.id, changes)
    answer = ReportAnswer(
        [AcceptedRecord(a.path, a.stored_path, a.version, a.seq) for a in result.accepted],
        [ConflictRecord.of(c) for c in result.conflicts],
        result.upload_required,
    )
    return answer, result.last_seq


def checked_change(index: int, raw: dict) -> Change:
    """Checks what the schema cannot: canonical paths and fields that depend on change_type."""
    where = f"body.changes[{index}]"
    change_type = raw["change_type"]
    path = checked_path(raw["path"], f"{where}.path")
    old_path = None
    if change_type in ("created", "modified") and raw.get("content_hash") is None:
        raise ValidationFailed.at(
            f"{where}.content_hash", f"is required for a {change_type} change"
        )
    if change_type == "moved":
        if raw.get("old_path") is None:
            raise ValidationFailed.at(f"{where}.old_path", "is required for a moved change")
        old_path = checked_path(raw["old_path"], f"{where}.old_path")
        if old_path == path:
            raise ValidationFailed.at(f"{where}.old_path", "must differ from path")
    return Change(
        path=path,
        change_type=change_type,
        content_hash=raw.get("content_hash"),
        size=raw.get("size"),
        mtime=raw.get("mtime"),
        base_version=raw.get("base_version") or 0,
        old_path=old_path,
        path_location=f"{where}.path",
    )


_SIZES_OF = PreparedIn(
    lambda hashes: UserBlob.select(UserBlob.content_hash, UserBlob.size).where(
        (UserBlob.user == slot("user", UserBlob.user)) & UserBlob.content_hash.in_(hashes)
    ),
    UserBlob.content_hash,
)
_OPEN_CONFLICTS_AT = PreparedIn(
    lambda paths: Conflict.select().where(
        (Conflict.device == slot("device", Conflict.device))
        & Conflict.path.in_(paths)
        & Conflict.resolved_at.is_null()
    ),
    Conflict.path,
)


def stored_sizes(user_id: uuid.UUID, hashes: Iterable[str]) -> dict[str, int]:
    """Sizes of the blobs among `hashes` that this user has uploaded."""
    return dict(_SIZES_OF.rows(sorted(set(hashes)), user=user_id))


def _base_matches(state: State, base: int) -> bool:
    """The client's base is the server's version (for a tombstone, also "did not have it")."""
    return base == state.version or (not state.live and base == 0)


class ConflictBook:
    """Open conflicts of one device: a newer conflicting change updates its path's entry."""

    def __init__(self, user_id: uuid.UUID, device_id: uuid.UUID, paths: Iterable[str]) -> None:
        self.user_id, self.device_id = user_id, device_id
        self._name: str | None = None
        self._open: dict[str, Conflict | None] = {}
        self._load(paths)

    def _load(self, paths: Iterable[str]) -> None:
        wanted = sorted(set(paths) - self._open.keys())
        self._open.update(dict.fromkeys(wanted))
        for row in _OPEN_CONFLICTS_AT.instances(wanted, device=self.device_id):
            self._open[row.path] = row

    def _device_name(self) -> str:
        """Kept on the conflict: it names a kept copy even once the device is deleted."""
        if self._name is None:
            self._name = Device.get_by_id(self.device_id).name
        return self._name

    def record(self, change: Change, server: State, clash: Clash | None = None) -> Conflict:
        """`server` is the state the change is measured against; with a clash, the blocking
        file's (a blocking folder has none: the path's own state is kept)."""
        self._load([change.path])  # a path put in its folder's stored case was not asked
        existing = self._open[change.path]
        conflict = existing or Conflict(
            user=self.user_id, device=self.device_id, device_name=self._device_name(),
            path=change.path,
        )  # fmt: skip
        if clash is not None and clash.state is not None:
            server = clash.state
        conflict.old_path = change.old_path
        conflict.change_type = change.change_type
        conflict.local_hash = change.content_hash
        conflict.local_size = change.size
        conflict.local_mtime = change.mtime
        conflict.server_hash = server.content_hash if server.live else None
        conflict.server_version = server.version
        conflict.clash_path = clash.path if clash else None
        conflict.clash_kind = clash.kind if clash else None
        conflict.detected_at = utcnow()
        conflict.save(force_insert=existing is None)
        self._open[change.path] = conflict
        return conflict


def apply_report(user_id: uuid.UUID, device_id: uuid.UUID, changes: list[Change]) -> ReportResult:
    with write_transaction():
        lock_library(user_id)
        paths = [c.path for c in changes] + [c.old_path for c in changes if c.old_path]
        ledger = Ledger(user_id, paths)
        stored = stored_sizes(user_id, (c.content_hash for c in changes if c.content_hash))
        book = ConflictBook(user_id, device_id, (c.path for c in changes))
        result = ReportResult()
        for index, reported in enumerate(changes):
            change = _in_stored_case(ledger, reported)
            if change.change_type != "deleted" and not ledger.state(change.path).live:
                refuse_unportable(change.path, change.path_location)  # a path that would be new
            if change.change_type == "deleted":
                _delete(ledger, book, change, result, reported.path)
            elif change.change_type == "moved":
                _move(ledger, book, change, result, reported.path)
            else:
                _write(ledger, book, change, stored, result, index, reported.path)
        result.last_seq = ledger.commit(device_id)
        return result


def _in_stored_case(ledger: Ledger, change: Change) -> Change:
    """The change with its paths' folders in their stored case (a move's own old path does
    not keep a folder's case for its new one)."""
    old_path = ledger.adopt(change.old_path) if change.old_path else None
    path = ledger.adopt(change.path, leaving=old_path)
    if (path, old_path) == (change.path, change.old_path):
        return change
    return replace(change, path=path, old_path=old_path)


def _write(
    ledger: Ledger,
    book: ConflictBook,
    change: Change,
    stored: dict[str, int],
    result: ReportResult,
    index: int,
    reported: str,
) -> None:
    state, content_hash = ledger.state(change.path), change.content_hash
    assert content_hash is not None
    if content_hash in stored and change.size is not None and change.size != stored[content_hash]:
        raise ValidationFailed.at(
            f"body.changes[{index}].size",
            f"is {change.size}, but the stored bytes of this hash are {stored[content_hash]}",
        )
    clash = None if state.live else ledger.clash(change.path)
    if state.live and state.content_hash == content_hash:
        result.accepted.append(Accepted(reported, change.path, state.version))  # a retry
    elif _base_matches(state, change.base_version) and clash is None:
        if content_hash in stored:
            entry = ledger.put(change.path, content_hash, stored[content_hash], change.mtime)
            result.accepted.append(Accepted(reported, change.path, entry.version, entry))
        else:
            result.upload_required.append(reported)
    else:
        result.conflicts.append(book.record(change, state, clash))
        if content_hash not in stored:
            result.upload_required.append(reported)


def _delete(
    ledger: Ledger, book: ConflictBook, change: Change, result: ReportResult, reported: str
) -> None:
    state = ledger.state(change.path)
    if not state.live:
        result.accepted.append(Accepted(reported, change.path, state.version))
    elif change.base_version == state.version:
        entry = ledger.delete(change.path)
        result.accepted.append(Accepted(reported, change.path, entry.version, entry))
    else:
        result.conflicts.append(book.record(change, state))


def _move(
    ledger: Ledger, book: ConflictBook, change: Change, result: ReportResult, reported: str
) -> None:
    assert change.old_path is not None
    old, new = ledger.state(change.old_path), ledger.state(change.path)
    old_unchanged = old.live and change.base_version == old.version
    if old_unchanged and change.path == change.old_path:
        # Only a folder's case changed, and that folder has other files: nothing to move.
        result.accepted.append(Accepted(reported, change.path, old.version))
        return
    clash = ledger.clash(change.path, leaving=change.old_path) if old_unchanged else None
    if old_unchanged and not new.live and clash is None:
        entry = ledger.move(change.old_path, change.path, change.mtime)
        result.accepted.append(Accepted(reported, change.path, entry.version, entry))
    elif (
        not old.live
        and old.moved_to == change.path
        and new.live
        and new.version == old.moved_to_version
    ):
        result.accepted.append(Accepted(reported, change.path, new.version))  # retried
    else:
        result.conflicts.append(book.record(change, new if old_unchanged else old, clash))
