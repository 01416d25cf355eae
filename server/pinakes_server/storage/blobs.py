"""The content-addressed blob store on disk, and the staging files uploads are written into.

A blob becomes visible only by renaming a complete, fsynced file into `blobs/ab/cd/<sha256>`
(the directory fsynced after), before any database row that points at it commits.
"""

from __future__ import annotations

import ctypes
import os
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

# Linux's syncfs(2); elsewhere (a developer's macOS) `syncfs` falls back to os.sync().
_syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)


def syncfs(path: Path) -> None:
    """Everything written to the file system holding `path` made durable, in one call: a
    batch's files and renames cost two of these, not an fsync each."""
    if _syncfs is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, data_dir: Path) -> None:
        self.blobs = data_dir / "blobs"
        self.uploads = data_dir / "uploads"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.uploads.mkdir(parents=True, exist_ok=True)

    def blob_path(self, content_hash: str) -> Path:
        return self.blobs / content_hash[:2] / content_hash[2:4] / content_hash

    def has(self, content_hash: str) -> bool:
        return self.blob_path(content_hash).is_file()

    def part_path(self, session_id: uuid.UUID) -> Path:
        return self.uploads / f"{session_id}.part"

    def journal_path(self, session_id: uuid.UUID) -> Path:
        """One byte per chunk write ever begun (see services/running_hash.py)."""
        return self.uploads / f"{session_id}.writes"

    def create_part(self, session_id: uuid.UUID, size: int) -> None:
        """A sparse staging file of the final size; chunks are written at their offsets."""
        with open(self.part_path(session_id), "xb") as part:
            part.truncate(size)

    def staged_sessions(self) -> Iterator[tuple[uuid.UUID | None, Path]]:
        """Every staging file and write journal, with the session id its name holds (None for
        a stray file)."""
        for path in self.uploads.iterdir():
            stem, _, suffix = path.name.rpartition(".")
            try:
                session_id = uuid.UUID(stem) if suffix in ("part", "writes") else None
            except ValueError:
                session_id = None
            yield session_id, path

    def remove_staged(self, session_id: uuid.UUID) -> None:
        self.part_path(session_id).unlink(missing_ok=True)
        self.journal_path(session_id).unlink(missing_ok=True)

    def stored_hashes(self) -> Iterator[tuple[str, Path]]:
        for path in self.blobs.glob("*/*/*"):
            yield path.name, path

    def remove_blob(self, content_hash: str) -> bool:
        """False when it was not there."""
        try:
            self.blob_path(content_hash).unlink()
        except FileNotFoundError:
            return False
        return True

    def store_many(self, staged: list[tuple[Path, str]]) -> None:
        """Make many verified staging files (path, sha256) blobs: all durable first, then
        all renamed in, then the renames durable (one syncfs each, whatever their number)."""
        syncfs(self.uploads)
        for part, content_hash in staged:
            target = self.blob_path(content_hash)
            if target.is_file():  # stored already (or twice in this batch)
                part.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
        syncfs(self.blobs)

    def promote(self, part: Path, content_hash: str) -> None:
        """Make a verified staging file the blob of `content_hash` (durably, then visibly)."""
        target = self.blob_path(content_hash)
        fd = os.open(part, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if target.is_file():  # the same bytes are stored already
            part.unlink()
            return
        for directory in (target.parent.parent, target.parent):
            if not directory.is_dir():
                directory.mkdir(exist_ok=True)
                fsync_dir(directory.parent)
        os.replace(part, target)
        fsync_dir(target.parent)


class OpenBlobs:
    """Descriptors of recently read blobs, kept open (least recently used go first).

    Blobs never change once stored, so a small range is one `os.pread` on a descriptor that is
    already open: no open, no close, no thread hop. Only callers that finish with the
    descriptor before they next await may use it (a streamed body opens its own).
    """

    def __init__(self, store: BlobStore, size: int = 64) -> None:
        self._store, self._size = store, size
        self._open: OrderedDict[str, int] = OrderedDict()

    def fd(self, content_hash: str) -> int:
        """FileNotFoundError when the blob is not on disk."""
        fd = self._open.get(content_hash)
        if fd is not None:
            self._open.move_to_end(content_hash)
            return fd
        fd = os.open(self._store.blob_path(content_hash), os.O_RDONLY | os.O_CLOEXEC)
        self._open[content_hash] = fd
        while len(self._open) > self._size:
            os.close(self._open.popitem(last=False)[1])
        return fd

    def close(self) -> None:
        while self._open:
            os.close(self._open.popitem()[1])
