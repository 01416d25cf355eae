"""One sync pass: pull remote changes, settle resolved conflicts, push local changes, pull again.

Local bytes are never lost: a remote change to a file that was edited (or deleted) here since
the last sync is deferred, not applied; pushing the local edit then makes a server conflict,
and only its resolution decides which side the folder keeps.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pinakes_client.models import ChangeType, ClientChange, Conflict, UploadResult

from .remote import CursorExpired, Remote, SyncError
from .scan import TEMP_PREFIX, LocalFile, hash_file, scan
from .state import FolderState, PendingUpload, Synced

REPORT_BATCH = 1000
PARALLEL_UPLOADS = 3
DELETE_SHARE_LIMIT = 0.5


@dataclass(frozen=True)
class RemoteState:
    """A remote file state to apply: a version with content, or a deletion (hash None)."""

    path: str
    version: int
    content_hash: str | None
    size: int | None = None
    mtime: datetime | None = None


@dataclass
class PassSummary:
    pushed: int = 0
    pulled: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)


class Engine:
    def __init__(
        self,
        folder: Path,
        state: FolderState,
        remote: Remote,
        say: Callable[[str], None] = print,
        progress: Callable[[str, int, int], None] | None = None,
        assume_yes: bool = False,
    ) -> None:
        self.folder, self.state, self.remote = folder, state, remote
        self.say, self.progress, self.assume_yes = say, progress, assume_yes
        self._lock = threading.Lock()
        self._found: dict[str, LocalFile] = {}  # the latest scan, behind local_changes()

    # --- the pass ---------------------------------------------------------------------

    def run_pass(self) -> PassSummary:
        summary = PassSummary()
        if self.state.cursor is None:
            self.relist(summary)
        self.pull(summary)
        self.settle_conflicts()
        self.push(summary)
        self.pull(summary)
        return summary

    def save(self) -> None:
        with self._lock:
            self.state.save(self.folder)

    # --- pulling ------------------------------------------------------------------------

    def relist(self, summary: PassSummary) -> None:
        """A fresh (or expired) device reads the library, then the feed from its cursor."""
        cursor, after, seen = None, None, set()
        while True:
            page = self.remote.files(after)
            cursor = page.cursor if cursor is None else cursor
            for entry in page.files:
                seen.add(entry.path)
                self.apply(
                    RemoteState(
                        entry.path, entry.version, entry.content_hash, entry.size, entry.mtime
                    ),
                    summary,
                )
            after = page.next_after
            if after is None:
                break
        for path in [p for p in self.state.files if p not in seen]:
            self.apply(RemoteState(path, 0, None), summary)  # gone while we were not looking
        self.state.cursor = cursor
        self.save()

    def pull(self, summary: PassSummary) -> None:
        assert self.state.cursor is not None
        while True:
            try:
                page = self.remote.changes(self.state.cursor)
            except CursorExpired:
                self.relist(summary)
                continue
            for change in page.changes:
                if change.change_type == ChangeType.MOVED and change.old_path:
                    self.apply_move(
                        change.old_path,
                        change.path,
                        change.version,
                        change.content_hash,
                        change.size,
                        change.mtime,
                        summary,
                    )
                else:
                    content = (
                        None if change.change_type == ChangeType.DELETED else change.content_hash
                    )
                    self.apply(
                        RemoteState(
                            change.path, change.version, content, change.size, change.mtime
                        ),
                        summary,
                    )
            self.state.cursor = page.cursor
            self.save()  # durably applied first, then acknowledged
            self.remote.ack(page.cursor)
            if not page.has_more:
                return

    def _local(self, path: str) -> LocalFile | None:
        """The file on disk, hashed only when it differs from what was last synced."""
        target = self.folder / path
        try:
            stat = target.stat()
        except FileNotFoundError:
            return None
        synced = self.state.files.get(path)
        if synced and (synced.size, synced.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return LocalFile(synced.content_hash, stat.st_size, stat.st_mtime_ns)
        return LocalFile(hash_file(target), stat.st_size, stat.st_mtime_ns)

    def _dirty(self, path: str, local: LocalFile | None) -> bool:
        """Changed here since the last sync (edited, created, or deleted)."""
        synced = self.state.files.get(path)
        if synced is None:
            return local is not None
        return local is None or local.content_hash != synced.content_hash

    def apply(self, remote: RemoteState, summary: PassSummary) -> None:
        path = remote.path
        local = self._local(path)
        if remote.content_hash is not None and local and local.content_hash == remote.content_hash:
            self._adopt(path, remote.version, local)  # already the same bytes here
            return
        if self._dirty(path, local):
            self.state.deferred[path] = (remote.version, remote.content_hash)
            summary.deferred.append(path)
            return
        if remote.content_hash is None:
            if local is not None:
                (self.folder / path).unlink()
                self._prune_dirs(path)
            self.state.files.pop(path, None)
            self.state.deferred.pop(path, None)
        else:
            self._download(remote, local)
        summary.pulled += 1

    def apply_move(
        self,
        old: str,
        new: str,
        version: int,
        content_hash: str | None,
        size: int | None,
        mtime: datetime | None,
        summary: PassSummary,
    ) -> None:
        """Rename locally when the old file is here unchanged; otherwise delete and fetch."""
        old_local, new_local = self._local(old), self._local(new)
        synced_old = self.state.files.get(old)
        if (
            old_local
            and synced_old
            and not self._dirty(old, old_local)
            and old_local.content_hash == content_hash
            and new_local is None
        ):
            target = self.folder / new
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.folder / old, target)
            self._prune_dirs(old)
            self.state.files.pop(old)
            self.state.files[new] = Synced(
                version, content_hash, old_local.size, target.stat().st_mtime_ns
            )
            summary.pulled += 1
            return
        self.apply(RemoteState(old, 0, None), summary)
        self.apply(RemoteState(new, version, content_hash, size, mtime), summary)

    def _adopt(self, path: str, version: int, local: LocalFile) -> None:
        self.state.files[path] = Synced(version, local.content_hash, local.size, local.mtime_ns)
        self.state.deferred.pop(path, None)

    def _download(self, remote: RemoteState, seen: LocalFile | None) -> None:
        assert remote.content_hash is not None
        target = self.folder / remote.path
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            self.remote.download_to(remote.path, temp, remote.content_hash)
            if remote.mtime is not None:
                stamp = remote.mtime.timestamp()
                os.utime(temp, (stamp, stamp))
            # Edited while the download landed? Then the local edit stays; it becomes a conflict.
            if self._local(remote.path) != seen:
                self.state.deferred[remote.path] = (remote.version, remote.content_hash)
                return
            os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        stat = target.stat()
        self._adopt(
            remote.path,
            remote.version,
            LocalFile(remote.content_hash, stat.st_size, stat.st_mtime_ns),
        )

    def _prune_dirs(self, path: str) -> None:
        parent = (self.folder / path).parent
        while parent != self.folder:
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent

    # --- conflicts ----------------------------------------------------------------------

    def settle_conflicts(self) -> None:
        """Once a conflict is resolved (here or anywhere), the deferred remote side applies."""
        if not self.state.conflicts:
            return
        still_open = {str(c.id) for c in self.remote.conflicts()}
        for path, conflict_id in list(self.state.conflicts.items()):
            if conflict_id in still_open:
                continue
            del self.state.conflicts[path]
            deferred = self.state.deferred.pop(path, None)
            if deferred is None:
                continue
            version, content_hash = deferred
            # The person decided: the local edit is either on the server now or given up.
            self.state.files.pop(path, None)
            local = self._local(path)
            if content_hash is None:
                if local is not None:
                    (self.folder / path).unlink()
                    self._prune_dirs(path)
            elif not (local and local.content_hash == content_hash):
                self._download(RemoteState(path, version, content_hash), local)
            else:
                self._adopt(path, version, local)
        self.save()

    # --- pushing ------------------------------------------------------------------------

    def local_changes(self) -> list[ClientChange]:
        changes, self._found = plan_push(self.folder, self.state, self.assume_yes)
        return changes

    def push(self, summary: PassSummary) -> None:
        changes = self.local_changes()
        uploads: list[tuple[str, LocalFile, int]] = []
        for start in range(0, len(changes), REPORT_BATCH):
            batch = changes[start : start + REPORT_BATCH]
            by_path = {c.path: c for c in batch}
            result = self.remote.report(batch)
            for accepted in result.accepted:
                self._pushed(by_path[accepted.path], accepted.version, summary)
            for conflict in result.conflicts:
                self._conflict(conflict, summary)
            for path in result.upload_required:
                change = by_path[path]
                uploads.append((path, self._found[path], change.base_version or 0))
        self.save()
        if uploads:
            with ThreadPoolExecutor(PARALLEL_UPLOADS) as pool:
                results = list(pool.map(lambda job: (job, self._upload(*job)), uploads))
            for (path, local, _), outcome in results:
                if outcome is None:
                    continue
                if outcome.file is not None:
                    self.state.files[path] = Synced(
                        outcome.file.version, local.content_hash, local.size, local.mtime_ns
                    )
                    summary.pushed += 1
                if outcome.conflict is not None:
                    self._conflict(outcome.conflict, summary)
            self.save()

    def _pushed(self, change: ClientChange, version: int, summary: PassSummary) -> None:
        self.state.deferred.pop(change.path, None)
        if change.change_type == ChangeType.DELETED:
            self.state.files.pop(change.path, None)
        else:
            if change.change_type == ChangeType.MOVED:
                old = self.state.files.pop(str(change.old_path))
                local = self._found.get(change.path) or LocalFile(
                    old.content_hash, old.size, old.mtime_ns
                )
            else:
                local = self._found[change.path]
            self.state.files[change.path] = Synced(
                version, local.content_hash, local.size, local.mtime_ns
            )
        summary.pushed += 1

    def _conflict(self, conflict: Conflict, summary: PassSummary) -> None:
        self.state.conflicts[conflict.path] = str(conflict.id)
        if all(c.id != conflict.id for c in summary.conflicts):
            summary.conflicts.append(conflict)

    def _upload(self, path: str, local: LocalFile, base_version: int) -> UploadResult | None:
        """Resumes this file's earlier session when its bytes are unchanged; None on failure."""
        try:
            with self._lock:
                pending = self.state.uploads.get(path)
            session = None
            if pending and pending.content_hash == local.content_hash:
                session = self.remote.upload_status(uuid.UUID(pending.session_id))
            if session is None:
                session = self.remote.new_upload(path, local.content_hash, local.size, base_version)
                with self._lock:
                    self.state.uploads[path] = PendingUpload(str(session.id), local.content_hash)
                self.save()
            received = set(session.received_chunks)
            missing = [i for i in range(session.chunk_count) if i not in received]
            done = len(received)
            with (self.folder / path).open("rb") as handle:
                for index in missing:
                    handle.seek(index * session.chunk_size)
                    self.remote.send_chunk(session, index, handle.read(session.chunk_size))
                    done += 1
                    if self.progress:
                        self.progress(path, done, session.chunk_count)
            result = self.remote.complete(session)
        except (SyncError, OSError) as exc:
            self.say(f"warning: {path} was not uploaded ({exc}); it is retried next pass")
            return None
        with self._lock:
            self.state.uploads.pop(path, None)
        return result


def _mtime(local: LocalFile) -> datetime:
    return datetime.fromtimestamp(local.mtime_ns / 1e9, UTC)


def plan_push(
    folder: Path, state: FolderState, assume_yes: bool
) -> tuple[list[ClientChange], dict[str, LocalFile]]:
    """The changes to report since the last sync (a delete plus a create of the same bytes is
    one move), and the scan they come from. Refuses to delete over half of the library."""
    found = scan(folder, state.files)
    known = state.files
    deleted = [p for p in known if p not in found]
    if known and len(deleted) > DELETE_SHARE_LIMIT * len(known) and not assume_yes:
        raise SyncError(
            f"this pass would delete {len(deleted)} of {len(known)} files on the server; "
            "if that is what you want, run again with --yes"
        )
    new = {p: f for p, f in found.items() if p not in known}
    changes: list[ClientChange] = []
    for path in deleted:
        moved_to = [p for p, f in new.items() if f.content_hash == known[path].content_hash]
        if len(moved_to) == 1:
            target = new.pop(moved_to[0])
            changes.append(
                ClientChange(
                    path=moved_to[0],
                    old_path=path,
                    change_type=ChangeType.MOVED,
                    base_version=known[path].version,
                    mtime=_mtime(target),
                )
            )
        else:
            changes.append(
                ClientChange(
                    path=path, change_type=ChangeType.DELETED, base_version=known[path].version
                )
            )
    for path, local in found.items():
        synced = known.get(path)
        if path in new or (synced and synced.content_hash != local.content_hash):
            changes.append(
                ClientChange(
                    path=path,
                    change_type=ChangeType.MODIFIED if synced else ChangeType.CREATED,
                    content_hash=local.content_hash,
                    size=local.size,
                    mtime=_mtime(local),
                    base_version=synced.version if synced else 0,
                )
            )
    return changes, found
