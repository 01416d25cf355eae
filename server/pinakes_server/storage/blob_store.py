"""Where bytes live: the interface every blob store meets, and the choice between them.

Two backends, one code path above them: `file` (`<data-dir>/blobs`, fsync and rename on one
machine's disk) and `s3://BUCKET[/PREFIX]` (any S3-compatible store, shared by instances that
share nothing else). A blob is `blobs/<sha256>` in either, visible only once its bytes are
whole and durable; an upload session's chunks are staged in the same store, so any instance may
receive any chunk and complete any session.
"""

from __future__ import annotations

import abc
import contextlib
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ApiError

RETRY_AFTER_SECONDS = 5
READ_BLOCK = 1024 * 1024


class StoreUnavailable(ApiError):
    """The blob store failed or did not answer in time; nothing was recorded."""

    status, type, title = 503, "storage-unavailable", "Storage unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"{detail}; nothing was applied, and the request may be retried",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class StoreBroken(Exception):
    """At start-up: the blob store cannot be used as configured (one line says why)."""


class BlobMissing(Exception):
    """A blob the database refers to is not in the store."""


class SessionBusy(Exception):
    """Another request holds this upload session (the collector passes it by)."""


@dataclass(frozen=True)
class Stored:
    """One object found in the store, for the sweep and `check` to judge."""

    name: str  # a path, or an object's key
    age_seconds: float  # since it was last written
    content_hash: str | None = None  # a blob's
    session_id: uuid.UUID | None = None  # a staged chunk's (None for a stray)
    local: bool = False  # in this instance's spool directory
    upload_id: str | None = None  # an unfinished multipart upload's


@dataclass(frozen=True)
class Staging:
    """What `assemble` needs to know of an upload session."""

    id: uuid.UUID
    chunk_size: int
    chunk_count: int
    expected_hash: str
    expected_size: int
    objects: list[str | None] = field(default_factory=list)  # each chunk's, by index


class ChunkWrite(abc.ABC):
    """One chunk on its way into a session's staging area."""

    object: str | None = None  # the object that holds it, where each write is one

    @abc.abstractmethod
    async def write(self, chunk: AsyncIterator[bytes]) -> None:
        """The chunk's bytes stored durably before this returns. The iterator raises (400,
        413) when they are not the chunk's, before its end: nothing is then kept."""

    async def landed(self) -> None:  # noqa: B027  (a store may have nothing to do)
        """The chunk is recorded in the database."""

    async def failed(self) -> None:  # noqa: B027
        """The write broke off, or its session closed before it was recorded."""


class BlobStore(abc.ABC):
    """Content-addressed blobs, and upload sessions' staged chunks. Every call may raise
    StoreUnavailable; a blob becomes visible only whole and durable."""

    def __init__(self, data_dir: Path) -> None:
        # Local scratch space of this instance: a batch upload's parts, while its request lasts.
        self.spool = data_dir / "uploads"
        self.spool.mkdir(parents=True, exist_ok=True)

    def _spool_listing(self) -> list[Stored]:
        """What batch uploads left in the spool (a kill leaves their parts)."""
        now, found = time.time(), []
        for path in self.spool.iterdir():
            with contextlib.suppress(FileNotFoundError):  # another worker may sweep too
                age = now - path.stat().st_ctime
                found.append(Stored(str(path), age, session_id=_session_of(path), local=True))
        return found

    async def _remove_spooled(self, found: list[Stored]) -> None:
        for stored in found:
            if stored.local:
                Path(stored.name).unlink(missing_ok=True)

    async def check(self) -> None:  # noqa: B027  (most stores need no start-up probe)
        """At start-up: StoreBroken when the store cannot be used."""

    async def close(self) -> None:  # noqa: B027
        """At shutdown."""

    # Blobs
    @abc.abstractmethod
    async def has(self, content_hash: str) -> bool: ...

    @abc.abstractmethod
    async def read(self, content_hash: str, start: int, length: int) -> bytes:
        """At most READ_BLOCK bytes; BlobMissing when there is no such blob."""

    @abc.abstractmethod
    def stream(self, content_hash: str, start: int, length: int) -> AsyncGenerator[bytes, None]:
        """The range in blocks, memory bounded; BlobMissing before the first block."""

    @abc.abstractmethod
    async def store_files(self, files: list[tuple[Path, str]]) -> None:
        """Verified spool files (path, sha256) made blobs, all durable before returning."""

    @abc.abstractmethod
    async def remove_blobs(self, hashes: list[str]) -> int:
        """How many were there."""

    # Upload sessions
    def has_room(self, size: int) -> bool:
        """Whether a new session of `size` bytes can be staged (a full disk says no)."""
        return True

    def open_session(self, session_id: uuid.UUID, size: int) -> None:  # noqa: B027
        """Called before the transaction that creates the session (staging whose session
        never committed is an orphan: the sweep removes it)."""

    def abandon_session(self, session_id: uuid.UUID) -> None:  # noqa: B027
        """Undoes `open_session`: the session's row was not created."""

    @abc.abstractmethod
    def writing(
        self, session: Staging, index: int
    ) -> contextlib.AbstractAsyncContextManager[ChunkWrite]:
        """A chunk write, sharing the session with other chunk writes (FileNotFoundError
        when the session's staging is gone: it was closed)."""

    @abc.abstractmethod
    def finishing(
        self, session_id: uuid.UUID, wait: bool = True
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """The session to itself, against chunk writes of this store (complete, cancel, the
        collector); SessionBusy at once when `wait` is false and a request holds it."""

    @abc.abstractmethod
    async def assemble(self, session: Staging) -> tuple[str, int]:
        """The staged bytes' sha256 and size; when they are the expected ones, the blob is
        stored (durably, then visibly) before this returns. OSError: the staged bytes are not
        known to be whole (the chunks must be sent again)."""

    @abc.abstractmethod
    async def remove_staged(self, session_ids: list[uuid.UUID]) -> None:
        """Every staged chunk of these sessions (and any unfinished assembly)."""

    # What is there, for the sweep and `check`
    @abc.abstractmethod
    async def listing(self) -> list[Stored]:
        """Every blob and staged object, with how long ago it was written."""

    @abc.abstractmethod
    async def remove(self, found: list[Stored]) -> None:
        """What `listing` found (and the sweep judged orphaned)."""

    @abc.abstractmethod
    async def hash_blob(self, content_hash: str) -> str:
        """The sha256 of the blob's bytes, read back whole."""

    @abc.abstractmethod
    def describe(self, content_hash: str) -> str:
        """Where the blob is, for an operator."""


def _session_of(path: Path) -> uuid.UUID | None:
    """The session a staging file's name holds (`<id>.part`, `<id>.writes`), else None."""
    stem, _, suffix = path.name.rpartition(".")
    try:
        return uuid.UUID(stem) if suffix in ("part", "writes") else None
    except ValueError:
        return None
