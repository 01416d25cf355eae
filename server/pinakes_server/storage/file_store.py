"""The blob store in a directory: `<data-dir>/blobs/ab/cd/<sha256>`, on one machine's disk.

A blob becomes visible only by renaming a complete, fsynced file into the blob tree (the
directory fsynced after), before any database row that points at it commits. An upload
session's chunks are written in place into one sparse staging file `uploads/<id>.part`, each
fdatasync'd before it is recorded; requests on one session are serialised by flock on it
(chunk writes share it, complete/cancel/the collector take it exclusively).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import hashlib
import os
import shutil
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

from .blob_store import (
    READ_BLOCK,
    BlobMissing,
    BlobStore,
    ChunkWrite,
    SessionBusy,
    Staging,
    Stored,
)
from .running_hash import RUNNING

T = TypeVar("T")
HASH_BLOCK = 1024 * 1024

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


def hash_file(path: Path) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


async def _off_loop(fn: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


class FileStore(BlobStore):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.blobs = data_dir / "blobs"
        self.uploads = self.spool
        self.blobs.mkdir(parents=True, exist_ok=True)
        self._open = OpenBlobs(self)

    async def close(self) -> None:
        self._open.close()

    def blob_path(self, content_hash: str) -> Path:
        return self.blobs / content_hash[:2] / content_hash[2:4] / content_hash

    def describe(self, content_hash: str) -> str:
        return str(self.blob_path(content_hash))

    def part_path(self, session_id: uuid.UUID) -> Path:
        return self.uploads / f"{session_id}.part"

    def journal_path(self, session_id: uuid.UUID) -> Path:
        """One byte per chunk write ever begun (see services/running_hash.py)."""
        return self.uploads / f"{session_id}.writes"

    # Blobs
    async def has(self, content_hash: str) -> bool:
        return self.blob_path(content_hash).is_file()

    async def read(self, content_hash: str, start: int, length: int) -> bytes:
        """One pread on a descriptor kept open: no open, no close, no thread hop."""
        try:
            fd = self._open.fd(content_hash)
        except FileNotFoundError:
            raise BlobMissing(content_hash) from None
        return _pread(fd, start, length)

    async def stream(
        self, content_hash: str, start: int, length: int
    ) -> AsyncGenerator[bytes, None]:
        try:
            fd = os.open(self.blob_path(content_hash), os.O_RDONLY)
        except FileNotFoundError:
            raise BlobMissing(content_hash) from None
        try:
            offset, end = start, start + length
            while offset < end:
                data = _pread(fd, offset, min(READ_BLOCK, end - offset))
                yield data
                offset += len(data)
        finally:
            os.close(fd)

    async def store_files(self, files: list[tuple[Path, str]]) -> None:
        await _off_loop(self._store_files, files)

    def _store_files(self, files: list[tuple[Path, str]]) -> None:
        """All durable first, then all renamed in, then the renames durable (one syncfs each,
        whatever their number)."""
        syncfs(self.uploads)
        for part, content_hash in files:
            target = self.blob_path(content_hash)
            if target.is_file():  # stored already (or twice in this batch)
                part.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
        syncfs(self.blobs)

    async def remove_blobs(self, hashes: list[str]) -> int:
        removed = 0
        for content_hash in hashes:
            with contextlib.suppress(FileNotFoundError):
                self.blob_path(content_hash).unlink()
                removed += 1
        return removed

    # Upload sessions
    def has_room(self, size: int) -> bool:
        return shutil.disk_usage(self.uploads).free >= size

    def open_session(self, session_id: uuid.UUID, size: int) -> None:
        """A sparse staging file of the final size; chunks are written at their offsets."""
        with open(self.part_path(session_id), "xb") as part:
            part.truncate(size)

    def abandon_session(self, session_id: uuid.UUID) -> None:
        self.part_path(session_id).unlink(missing_ok=True)

    @contextlib.asynccontextmanager
    async def writing(self, session: Staging, index: int) -> AsyncIterator[ChunkWrite]:
        async with _locked(self.part_path(session.id), exclusive=False) as fd:
            yield _FileChunk(self, session.id, index, session.chunk_size, fd)

    @contextlib.asynccontextmanager
    async def finishing(self, session_id: uuid.UUID, wait: bool = True) -> AsyncIterator[None]:
        try:
            async with _locked(self.part_path(session_id), exclusive=True, wait=wait):
                yield
        except FileNotFoundError:
            if wait:
                raise
            yield  # nothing staged: nothing to serialise against

    async def assemble(self, session: Staging) -> tuple[str, int]:
        running = await RUNNING.digest(self, session.id, session.chunk_count)
        part = self.part_path(session.id)
        if running is not None:
            content_hash, size = running, session.expected_size
        else:
            content_hash, size = await _off_loop(hash_file, part)
        if (content_hash, size) == (session.expected_hash, session.expected_size):
            await _off_loop(self._promote, part, content_hash)
        return content_hash, size

    def _promote(self, part: Path, content_hash: str) -> None:
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

    async def remove_staged(self, session_ids: list[uuid.UUID]) -> None:
        for session_id in session_ids:
            self.part_path(session_id).unlink(missing_ok=True)
            self.journal_path(session_id).unlink(missing_ok=True)
            RUNNING.forget(session_id)

    # What is there
    async def listing(self) -> list[Stored]:
        return await _off_loop(self._listing)

    def _listing(self) -> list[Stored]:
        found, now = self._spool_listing(), time.time()
        for path in self.blobs.glob("*/*/*"):
            with contextlib.suppress(FileNotFoundError):  # another worker may sweep too
                age = now - path.stat().st_ctime
                found.append(Stored(str(path), age, content_hash=path.name))
        return found

    async def remove(self, found: list[Stored]) -> None:
        await self._remove_spooled(found)
        for stored in found:
            if stored.content_hash is not None:
                Path(stored.name).unlink(missing_ok=True)

    async def hash_blob(self, content_hash: str) -> str:
        return (await _off_loop(hash_file, self.blob_path(content_hash)))[0]


def _pread(fd: int, offset: int, length: int) -> bytes:
    data = os.pread(fd, length, offset)
    if len(data) != length:
        raise BlobMissing(f"the blob is shorter than its recorded size ({offset + len(data)})")
    return data


class _FileChunk(ChunkWrite):
    """Written in place at the chunk's offset, under the session's shared lock; fed to the
    running hash once recorded."""

    def __init__(
        self, store: FileStore, session_id: uuid.UUID, index: int, chunk_size: int, fd: int
    ) -> None:
        self._store, self._session_id, self._index = store, session_id, index
        self._chunk_size, self._fd = chunk_size, fd

    async def write(self, chunk: AsyncIterator[bytes]) -> None:
        RUNNING.starting(self._store, self._session_id, self._index)  # never unrecorded
        offset = self._index * self._chunk_size
        async for data in chunk:
            os.pwrite(self._fd, data, offset)
            offset += len(data)
        # Off the event loop: other connections' chunks keep arriving meanwhile.
        await _off_loop(os.fdatasync, self._fd)

    async def landed(self) -> None:
        # Still under the shared lock: complete cannot take the file away meanwhile.
        await RUNNING.landed(self._store, self._session_id, self._index, self._chunk_size)

    async def failed(self) -> None:
        RUNNING.failed(self._session_id, self._index)


@contextlib.asynccontextmanager
async def _locked(part: Path, exclusive: bool, wait: bool = True) -> AsyncIterator[int]:
    """flock on the staging file, waited for without blocking the event loop."""
    fd = os.open(part, os.O_RDWR)
    try:
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if not wait:
                    raise SessionBusy(part.name) from None
                await asyncio.sleep(0.01)
        yield fd
    finally:
        os.close(fd)


class OpenBlobs:
    """Descriptors of recently read blobs, kept open (least recently used go first).

    Blobs never change once stored, so a small range is one `os.pread` on a descriptor that is
    already open. Only callers that finish with the descriptor before they next await may use
    it (a streamed body opens its own).
    """

    def __init__(self, store: FileStore, size: int = 64) -> None:
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
