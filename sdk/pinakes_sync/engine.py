"""One sync pass: pull remote changes, retry what could not be applied, settle resolved
conflicts, push local changes, pull again.

Local bytes are never lost: a remote change to a file that was edited (or deleted) here since
the last sync is deferred, not applied; pushing the local edit then makes a server conflict,
and only its resolution decides which side the folder keeps. A remote change that something
local stands in the way of (a folder, a symlink, a name this disk refuses) is "not applied
here": kept, listed, retried on later passes, and never turned into a delete. Every write goes
through LocalFolder, so nothing outside the folder is ever touched. A local name the server
will not take for a new path (one some other device cannot hold: `a:b.txt`, `NUL.txt`) is
left out of what is sent, with a warning, and the rest goes on; files stored under such names
before the server refused them sync as any other until renamed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO, TypeVar

from pinakes import (
    CursorExpired,
    Fetched,
    FileChanged,
    HashMismatch,
    NotFound,
    PinakesError,
    ProblemError,
    Session,
)
from pinakes.session import CHUNK_SIZE
from pinakes_client.models import (
    AcceptedChange,
    BatchItem,
    BatchResult,
    Change,
    ChangeType,
    ClientChange,
    Conflict,
    ItemProblem,
    UploadResult,
    UploadSession,
)

from .ignore import Ignore
from .local import LocalFile, LocalFolder, Obstacle
from .scan import Scan, scan
from .state import Blocked, FolderState, PendingUpload, Synced

REPORT_BATCH = 1000
# A batch upload: at most this many files, and bytes, in one request (the server's default
# limit is 32 MiB a body; multipart framing adds a little to each file).
BATCH_ITEMS = 1000
BATCH_BYTES = 16 * 1024 * 1024
PARALLEL_UPLOADS = 3
DELETE_SHARE_LIMIT = 0.5
UPLOAD_ATTEMPTS = 3  # a file that keeps changing while it is sent waits for a later pass
# Where a 400 points when the server refuses one change's or one batch item's path.
REFUSED_PATH = re.compile(r"body\.(?:changes|manifest\.items)\[(\d+)\]\.path")
Sent = TypeVar("Sent")
Answer = TypeVar("Answer")
PREFETCH_MAX = 1024 * 1024  # remote files up to this size come in download batches


class SyncError(Exception):
    """A failure worth one clear line to the person running pinakes-sync."""


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
    not_applied: dict[str, str] = field(default_factory=dict)  # path → why


class Engine:
    def __init__(
        self,
        folder: Path,
        state: FolderState,
        remote: Session,
        say: Callable[[str], None] = print,
        progress: Callable[[str, int, int], None] | None = None,
        assume_yes: bool = False,
    ) -> None:
        self.folder, self.state, self.remote = folder, state, remote
        self.say, self.progress, self.assume_yes = say, progress, assume_yes
        self.local = LocalFolder(folder)
        self.ignore = Ignore.load(self.local)
        self._lock = threading.Lock()
        self._found: dict[str, LocalFile] = {}  # the latest scan, behind local_changes()
        self._staged: dict[str, tuple[str, str]] = {}  # path → (content hash, temp file)
        self._placed = False  # a staged file was renamed in since the last sync

    def close(self) -> None:
        self.local.close()

    # --- the pass ---------------------------------------------------------------------

    def run_pass(self) -> PassSummary:
        summary = PassSummary()
        self.ignore = Ignore.load(self.local)
        if self.state.cursor is None:
            self.relist(summary)
        self.pull(summary)
        self.settle_conflicts()
        self.retry_not_applied(summary)
        self.push(summary)
        self.pull(summary)
        return summary

    def save(self) -> None:
        with self._lock:
            self.state.save(self.folder)

    # --- pulling ------------------------------------------------------------------------

    def relist(self, summary: PassSummary) -> None:
        """A fresh (or expired) device reads the library, then the feed from its cursor."""
        cursor, seen = None, set()
        for page in self.remote.file_pages():
            cursor = page.cursor if cursor is None else cursor
            states = [
                RemoteState(e.path, e.version, e.content_hash, e.size, e.mtime) for e in page.files
            ]
            self._prefetch(states)
            for remote in states:
                seen.add(remote.path)
                self.apply(remote, summary)
            self._placed_durably()
        for path in [p for p in self.state.files if p not in seen]:
            self.apply(RemoteState(path, 0, None), summary)  # gone while we were not looking
        self.state.cursor = cursor
        self.save()

    def pull(self, summary: PassSummary) -> None:
        assert self.state.cursor is not None
        while True:
            try:
                for page in self.remote.change_pages(self.state.cursor):
                    self._apply_page(page.changes, summary)
                    self.state.cursor = page.cursor
                    self.save()  # durably applied (or kept as not applied) first, then acked
                    self.remote.ack(page.cursor)
                return
            except CursorExpired:
                self.relist(summary)

    def _apply_page(self, changes: Sequence[Change], summary: PassSummary) -> None:
        """One page of the feed applied here (or kept as not applied), its small files
        fetched ahead in batches; durable before the caller records the page's cursor."""
        states = [
            RemoteState(
                change.path, change.version,
                None if change.change_type == ChangeType.DELETED else change.content_hash,
                change.size, change.mtime,
            )
            for change in changes
        ]  # fmt: skip
        # A move takes the bytes it has here: only the rest is fetched ahead.
        moved = {c.path for c in changes if c.change_type == ChangeType.MOVED}
        self._prefetch([remote for remote in states if remote.path not in moved])
        for change, remote in zip(changes, states, strict=True):
            if change.change_type == ChangeType.MOVED and change.old_path:
                self.apply_move(change.old_path, remote, summary)
            else:
                self.apply(remote, summary)
        self._placed_durably()

    def _prefetch(self, states: list[RemoteState]) -> None:
        """The page's small files fetched in download batches and staged beside their
        targets, then made durable together (one syncfs): applying one is then a rename
        (`_download`). Whatever cannot be staged is downloaded one by one, as before."""
        wanted: dict[str, RemoteState] = {}
        for remote in states:
            synced = self.state.files.get(remote.path)
            if (
                remote.content_hash is not None
                and remote.size is not None
                and remote.size <= PREFETCH_MAX
                and (synced is None or synced.content_hash != remote.content_hash)
                and not self.ignore.ignored(remote.path)
            ):
                wanted[remote.path] = remote  # the latest state of a path counts
        sizes = {path: remote.size or 0 for path, remote in wanted.items()}
        for group in _batches(list(wanted), sizes):
            fetched = self._fetch_batch(group)
            for path in group:
                remote, hit = wanted[path], fetched.get(path)
                if hit is None or hit.content_hash != remote.content_hash:
                    continue
                try:
                    temp = self.local.stage(
                        path, partial(_write_all, hit.data), _mtime_ns(remote), durable=False
                    )
                except (Obstacle, OSError):
                    continue  # applying it says why, or downloads it one by one
                self._staged[path] = (hit.content_hash, temp)
        if self._staged:
            self.local.sync()

    def _fetch_batch(self, paths: list[str]) -> dict[str, Fetched]:
        """What of `paths` came in one download batch (nothing, from a server that refused
        the batch: those files are then downloaded one by one)."""
        try:
            return self.remote.download_batch(paths)
        except ProblemError:
            return {}

    def _placed_durably(self) -> None:
        """After a page: what was staged and not placed goes, and the renames are made
        durable before the state (saved next) says the files are here."""
        for path, (_, temp) in self._staged.items():
            self.local.discard(path, temp)
        self._staged.clear()
        if self._placed:
            self.local.sync()
            self._placed = False

    def retry_not_applied(self, summary: PassSummary) -> None:
        for path, kept in list(self.state.blocked.items()):
            mtime = datetime.fromisoformat(kept.mtime) if kept.mtime else None
            self.apply(
                RemoteState(path, kept.version, kept.content_hash, kept.size, mtime), summary
            )
        self.save()

    def _local(self, path: str) -> LocalFile | None:
        """The regular file at `path`, hashed only when it differs from what was last
        synced; None when absent; Obstacle when something else is there."""
        found = self.local.regular(path)
        if found is None:
            return None
        synced = self.state.files.get(path)
        if synced and (synced.size, synced.mtime_ns) == (found.st_size, found.st_mtime_ns):
            return LocalFile(synced.content_hash, found.st_size, found.st_mtime_ns, found.st_ino)
        return self.local.hash(path)

    def _dirty(self, path: str, local: LocalFile | None) -> bool:
        """Changed here since the last sync (edited, created, or deleted)."""
        synced = self.state.files.get(path)
        if synced is None:
            return local is not None
        return local is None or local.content_hash != synced.content_hash

    def apply(self, remote: RemoteState, summary: PassSummary, decided: bool = False) -> None:
        """Apply one remote state, or keep it as not applied here (with the reason).
        `decided`: a person resolved a conflict for the remote side; a local edit gives way."""
        try:
            if self.ignore.ignored(remote.path):
                raise Obstacle(remote.path, "ignored here (.pinakesignore)")
            self._apply(remote, summary, decided)
        except Obstacle as obstacle:
            self.state.blocked[remote.path] = Blocked(
                remote.version, remote.content_hash, remote.size,
                remote.mtime.isoformat() if remote.mtime else None, obstacle.reason,
            )  # fmt: skip
            summary.not_applied[remote.path] = obstacle.reason
        else:
            self.state.blocked.pop(remote.path, None)

    def _apply(self, remote: RemoteState, summary: PassSummary, decided: bool) -> None:
        path = remote.path
        try:
            local = self._local(path)
        except Obstacle:
            if remote.content_hash is None:  # nothing of ours is here to delete
                self.state.files.pop(path, None)
                self.state.deferred.pop(path, None)
                return
            raise
        if remote.content_hash is not None and local and local.content_hash == remote.content_hash:
            self._adopt(path, remote.version, local)  # already the same bytes here
            return
        if self._dirty(path, local) and not decided:
            self._defer(remote, summary)
            return
        if remote.content_hash is None:
            if local is not None and not self.local.remove(path, local.same_file):
                self._defer(remote, summary)  # edited just now: the edit stays
                return
            self.state.files.pop(path, None)
            self.state.deferred.pop(path, None)
        elif not self._download(remote, local):
            return
        summary.pulled += 1

    def _defer(self, remote: RemoteState, summary: PassSummary) -> None:
        self.state.deferred[remote.path] = (remote.version, remote.content_hash)
        summary.deferred.append(remote.path)

    def apply_move(self, old: str, new: RemoteState, summary: PassSummary) -> None:
        """Rename locally when the old file is here unchanged; otherwise delete and fetch."""
        try:
            old_local, new_local = self._local(old), self._local(new.path)
            if (
                old_local
                and old in self.state.files
                and not self._dirty(old, old_local)
                and old_local.content_hash == new.content_hash
                and new_local is None
                and not self.ignore.ignored(new.path)
            ):
                self.local.rename(old, new.path)
                self.state.files.pop(old)
                found = self.local.regular(new.path)
                assert found is not None
                self.state.files[new.path] = Synced(
                    new.version, old_local.content_hash, old_local.size, found.st_mtime_ns
                )
                self.state.blocked.pop(new.path, None)
                summary.pulled += 1
                return
        except (Obstacle, FileNotFoundError):
            pass  # the long way round, where each side may be kept as not applied
        self.apply(RemoteState(old, 0, None), summary)
        self.apply(new, summary)

    def _adopt(self, path: str, version: int, local: LocalFile) -> None:
        self.state.files[path] = Synced(version, local.content_hash, local.size, local.mtime_ns)
        self.state.deferred.pop(path, None)

    def _download(self, remote: RemoteState, seen: LocalFile | None) -> bool:
        """Into a temp file beside the target, fsynced, renamed over the target only if that
        is still what was seen before (else the local edit stays and the change is deferred)."""
        content_hash = remote.content_hash
        assert content_hash is not None

        def still(current: os.stat_result | None) -> bool:
            if seen is None:
                return current is None
            return current is not None and seen.same_file(current)

        staged = self._staged.get(remote.path)
        landed: os.stat_result | None = None
        placed = False
        if staged is not None and staged[0] == content_hash:
            del self._staged[remote.path]
            with contextlib.suppress(FileNotFoundError):  # (then: downloaded one by one)
                landed = self.local.place(remote.path, staged[1], still, durable=False)
                placed = self._placed = True
        if not placed:
            try:
                landed = self.local.install(
                    remote.path,
                    lambda out: self.remote.download_to(
                        remote.path, out, expected_hash=content_hash
                    ),
                    _mtime_ns(remote),
                    still,
                )
            except (FileChanged, NotFound):
                return False  # changed or gone since: a later change in the feed brings it
        if landed is None:
            self.state.deferred[remote.path] = (remote.version, content_hash)
            return False
        self._adopt(
            remote.path,
            remote.version,
            LocalFile(content_hash, landed.st_size, landed.st_mtime_ns, landed.st_ino),
        )
        return True

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
            self.apply(RemoteState(path, version, content_hash), PassSummary(), decided=True)
        self.save()

    # --- pushing ------------------------------------------------------------------------

    def local_changes(self) -> list[ClientChange]:
        changes, self._found = plan_push(self.local, self.state, self.ignore, self.assume_yes)
        return changes

    def push(self, summary: PassSummary) -> None:
        """Deletes, moves and large files are reported (first: a file may leave a path a new
        one takes), then small files go in batches with their bytes, then the large ones'
        bytes in resumable uploads."""
        changes = self.local_changes()
        small = [c for c in changes if self._small(c)]
        uploads = self._report([c for c in changes if not self._small(c)], summary)
        self.save()
        refused = self._send_small(small, summary)
        if refused:  # the server takes no batch this large: one by one, then
            uploads += self._report(refused, summary)
        self.save()
        if uploads:
            with ThreadPoolExecutor(PARALLEL_UPLOADS) as pool:
                results = list(pool.map(lambda job: (job[0], self._upload(*job)), uploads))
            for path, outcome in results:
                if outcome is None:
                    continue
                done, local = outcome
                if done.file is not None:
                    self.state.files[path] = Synced(
                        done.file.version, local.content_hash, local.size, local.mtime_ns
                    )
                    self._take_stored_case(path, done.file.path)
                    summary.pushed += 1
                if done.conflict is not None:
                    self._conflict(done.conflict, summary)
            self.save()

    def _small(self, change: ClientChange) -> bool:
        return (
            change.change_type in (ChangeType.CREATED, ChangeType.MODIFIED)
            and self._found[change.path].size < CHUNK_SIZE
        )

    def _report(
        self, changes: list[ClientChange], summary: PassSummary
    ) -> list[tuple[str, LocalFile, int]]:
        """Report the changes; returns the files whose bytes the server asked for."""
        uploads = []
        for start in range(0, len(changes), REPORT_BATCH):
            batch = changes[start : start + REPORT_BATCH]
            result, batch = self._refusing_names(batch, [c.path for c in batch], self.remote.report)
            if result is None:
                continue
            by_path = {c.path: c for c in batch}
            for accepted in result.accepted:
                change = by_path[accepted.path]
                self._pushed(change, accepted.version, summary)
                self._take_stored_case(change.path, accepted.stored_path)
            for conflict in result.conflicts:
                self._conflict(conflict, summary)
            for path in result.upload_required:
                change = by_path[path]
                uploads.append((path, self._found[path], change.base_version or 0))
        return uploads

    def _send_small(self, changes: list[ClientChange], summary: PassSummary) -> list[ClientChange]:
        """Created and modified small files, with their bytes, a batch a request; returns
        the changes of batches the server refused as too large."""
        refused: list[ClientChange] = []
        by_path = {change.path: change for change in changes}
        sizes = {path: self._found[path].size for path in by_path}
        for group in _batches(list(by_path), sizes):
            sent, items = [], []
            for change in (by_path[path] for path in group):
                read = self._read_small(change.path)
                if read is None:
                    continue
                self._found[change.path], data = read
                item = BatchItem(
                    path=change.path, content_hash=read[0].content_hash, size=read[0].size,
                    mtime=change.mtime, base_version=change.base_version,
                )  # fmt: skip
                sent.append(change)
                items.append((item, data))
            result, pairs = self._refusing_names(
                list(zip(sent, items, strict=True)), [item.path for item, _ in items],
                lambda pairs: self._send_batch([item for _, item in pairs]),
            )  # fmt: skip
            sent = [change for change, _ in pairs]
            if result is None:  # too large for the server (or nothing left to send)
                refused += sent
                continue
            for change, outcome in zip(sent, result.items, strict=True):
                if isinstance(outcome.accepted, AcceptedChange):
                    self._pushed(change, outcome.accepted.version, summary)
                    self._take_stored_case(change.path, outcome.accepted.stored_path)
                elif isinstance(outcome.conflict, Conflict):
                    self._conflict(outcome.conflict, summary)
                else:
                    why = outcome.problem.detail if isinstance(outcome.problem, ItemProblem) else ""
                    self.say(f"warning: {change.path} was not uploaded ({why}); "
                             "it is retried next pass")  # fmt: skip
        return refused

    def _refusing_names(
        self, items: list[Sent], paths: list[str], send: Callable[[list[Sent]], Answer | None]
    ) -> tuple[Answer | None, list[Sent]]:
        """`send`'s answer and the items it was given (`paths[i]` is item i's path): a 400
        refusing one path's name leaves that item out (with a warning) and sends the rest."""
        kept = list(range(len(items)))
        while kept:
            try:
                return send([items[i] for i in kept]), [items[i] for i in kept]
            except ProblemError as problem:
                where = problem.errors[0].get("location", "") if len(problem.errors) == 1 else ""
                refused = REFUSED_PATH.fullmatch(where) if problem.status == 400 else None
                if refused is None or int(refused.group(1)) >= len(kept):
                    raise
                path = paths[kept.pop(int(refused.group(1)))]
                why = problem.errors[0]["message"]
                self.say(f"warning: {path} was not sent: the server says it {why}; rename it")
        return None, []

    def _send_batch(self, items: list[tuple[BatchItem, bytes]]) -> BatchResult | None:
        """The batch's result; None when the server takes batches this large from no one."""
        try:
            return self.remote.upload_batch(items)
        except ProblemError as problem:
            if problem.status == 413:
                return None
            raise

    def _read_small(self, path: str) -> tuple[LocalFile, bytes] | None:
        """The file's bytes and what they are, when it held still while it was read."""
        try:
            with self.local.open_read(path) as handle:
                before = os.fstat(handle.fileno())
                data = handle.read()
                after = os.fstat(handle.fileno())
        except (OSError, Obstacle) as exc:
            self.say(f"warning: {path} was not uploaded ({exc}); it is retried next pass")
            return None
        if (before.st_mtime_ns, before.st_size) != (after.st_mtime_ns, len(data)):
            self.say(f"warning: {path} kept changing while it was read; it is sent on a later pass")
            return None
        digest = hashlib.sha256(data).hexdigest()
        return LocalFile(digest, len(data), before.st_mtime_ns, before.st_ino), data

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

    def _take_stored_case(self, path: str, stored: str) -> None:
        """The server stored `path` under its folder's existing case: rename it here too, so
        this folder and the server name it alike (left as it is if something is in the way)."""
        if stored == path or path not in self.state.files:
            return
        try:
            self.local.rename(path, stored)
        except (Obstacle, FileNotFoundError):
            return
        self.state.files[stored] = self.state.files.pop(path)

    def _conflict(self, conflict: Conflict, summary: PassSummary) -> None:
        """Remember the conflict, and the server's side of its path to apply once it is
        resolved (unless a pulled change is waiting already): for a clash, that side is
        "absent": what clashes lives at another path."""
        self.state.conflicts[conflict.path] = str(conflict.id)
        if conflict.change_type in (ChangeType.CREATED, ChangeType.MODIFIED):
            server_side = (0, None) if conflict.clash_path else (
                conflict.server_version, conflict.server_hash
            )  # fmt: skip
            self.state.deferred.setdefault(conflict.path, server_side)
        if all(c.id != conflict.id for c in summary.conflicts):
            summary.conflicts.append(conflict)

    def _upload(
        self, path: str, local: LocalFile, base_version: int
    ) -> tuple[UploadResult, LocalFile] | None:
        """Send the file; when it changed underneath (by its stat, a short read, or the
        server's hash check), send it again as it is now, a few times at most. None: not sent
        this pass."""
        try:
            for _ in range(UPLOAD_ATTEMPTS):
                upload = self._session(path, local, base_version)
                try:
                    self.remote.send_chunks(
                        upload, partial(self.local.open_read, path), parallel=1,
                        progress=self._progress_of(path),
                    )  # fmt: skip
                    if self._unchanged(path, local):
                        result = self.remote.complete_upload(upload)
                        self._forget_upload(path)
                        return result, local
                except (FileChanged, HashMismatch):
                    pass
                with contextlib.suppress(PinakesError):  # (else it expires by itself)
                    self.remote.cancel_upload(upload)
                self._forget_upload(path)
                local = self.local.hash(path)
            self.say(f"warning: {path} kept changing while it was sent; it is sent on a later pass")
        except (PinakesError, OSError, Obstacle) as exc:
            self.say(f"warning: {path} was not uploaded ({exc}); it is retried next pass")
        return None

    def _unchanged(self, path: str, local: LocalFile) -> bool:
        now = self.local.regular(path)
        same_inode = not local.inode or now is None or now.st_ino == local.inode
        return now is not None and local.same_file(now) and same_inode

    def _session(self, path: str, local: LocalFile, base_version: int) -> UploadSession:
        """This file's earlier session when it is still open for these bytes, else a new
        one, remembered in the folder's state (so a killed pass resumes it)."""
        with self._lock:
            pending = self.state.uploads.get(path)
        resume = uuid.UUID(pending.session_id) if pending else None
        upload = self.remote.start_upload(
            path, local.content_hash, local.size, base_version=base_version, resume=resume
        )
        if upload.id != resume:
            with self._lock:
                self.state.uploads[path] = PendingUpload(str(upload.id), local.content_hash)
            self.save()
        return upload

    def _forget_upload(self, path: str) -> None:
        with self._lock:
            self.state.uploads.pop(path, None)

    def _progress_of(self, path: str) -> Callable[[int, int], None] | None:
        if self.progress is None:
            return None
        return partial(self.progress, path)


def _batches(paths: list[str], sizes: dict[str, int]) -> list[list[str]]:
    """Groups of at most BATCH_ITEMS files and BATCH_BYTES bytes."""
    groups: list[list[str]] = []
    size = 0
    for path in paths:
        if not groups or len(groups[-1]) >= BATCH_ITEMS or size + sizes[path] > BATCH_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(path)
        size += sizes[path]
    return groups


def _write_all(data: bytes, out: BinaryIO) -> None:
    out.write(data)


def _mtime_ns(remote: RemoteState) -> int | None:
    return int(remote.mtime.timestamp() * 1e9) if remote.mtime else None


def _mtime(local: LocalFile) -> datetime:
    return datetime.fromtimestamp(local.mtime_ns / 1e9, UTC)


def plan_push(
    local: LocalFolder, state: FolderState, ignore: Ignore, assume_yes: bool
) -> tuple[list[ClientChange], dict[str, LocalFile]]:
    """The changes to report since the last sync (a delete plus a create of the same bytes is
    one move), and the scan they come from. Refuses to delete over half of the library.

    A synced path counts as deleted only when it is really gone: not behind a symlink, an
    unreadable or ignored folder, not a remote change kept as not applied here."""
    found: Scan = scan(local, state.files, ignore)
    known = state.files
    deleted = [
        p
        for p in known
        if p not in found.found
        and not found.hides(p)
        and p not in state.blocked
        and not ignore.ignored(p)
    ]
    new = {p: f for p, f in found.found.items() if p not in known}
    changes: list[ClientChange] = []
    removed = 0
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
            removed += 1
            changes.append(
                ClientChange(
                    path=path, change_type=ChangeType.DELETED, base_version=known[path].version
                )
            )
    if known and removed > DELETE_SHARE_LIMIT * len(known) and not assume_yes:
        raise SyncError(
            f"this pass would delete {removed} of {len(known)} files on the server; "
            "if that is what you want, run again with --yes"
        )
    for path, file in found.found.items():
        synced = known.get(path)
        if path in new or (synced and synced.content_hash != file.content_hash):
            changes.append(
                ClientChange(
                    path=path,
                    change_type=ChangeType.MODIFIED if synced else ChangeType.CREATED,
                    content_hash=file.content_hash,
                    size=file.size,
                    mtime=_mtime(file),
                    base_version=synced.version if synced else 0,
                )
            )
    return changes, found.found
