"""What one instance knows of the upload sessions whose chunks it received, on the S3 store.

Each chunk it records is fed to a running sha256 as soon as the chunks before it are fed (the
next one from memory, later ones read back), and copied, inside the store, as a part of an
early assembly of the blob (an UploadPartCopy while the next chunks arrive). When `complete`
finds that the chunks' current objects are exactly the ones fed and copied, in order (objects
never change, so that is proof), the hash needs no read-back and the blob no composing: one
CompleteMultipartUpload makes it visible. Anything else (a chunk this instance did not see, a
resend, a failed copy) drops the early assembly, and `complete` reads back and composes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .blob_store import BlobMissing, ChunkWrite, Staging, StoreUnavailable

if TYPE_CHECKING:
    from .s3_store import S3Store

MIN_PART = 5 * 1024 * 1024  # S3's smallest part but the last
MAX_PARTS = 10_000


def composable(session: Staging) -> bool:
    """Whether the session's chunks can be the parts of its blob, copied in the store."""
    return session.chunk_size >= MIN_PART and 0 < session.chunk_count <= MAX_PARTS


async def hash_block(hasher: Any, block: bytes | bytearray) -> None:
    """sha256 of a block off the event loop (hashlib lets go of the GIL)."""
    await asyncio.get_running_loop().run_in_executor(None, hasher.update, block)


class S3Chunk(ChunkWrite):
    """A chunk as an object of its own: received whole (at most 64 MiB, the largest chunk),
    then one PUT; fed to the running hash and the early assembly once recorded."""

    def __init__(self, store: S3Store, session: Staging, index: int) -> None:
        self._store, self._session, self._index = store, session, index
        self._data = bytearray()

    async def write(self, chunk: AsyncIterator[bytes]) -> None:
        # Received into one buffer of the chunk's size: a list of pieces joined after would
        # hold it twice, and freed pieces are not always given back to the system.
        received = bytearray(self._session.chunk_size)
        view, filled = memoryview(received), 0
        async for data in chunk:
            view[filled : filled + len(data)] = data
            filled += len(data)
        view.release()
        del received[filled:]  # the last chunk is shorter
        self._data = received
        name = f"{self._store.staged_prefix(self._session.id)}{self._index}.{uuid.uuid4().hex}"
        await self._store.put(name, self._data)
        self.object = name

    async def landed(self) -> None:
        assert self.object is not None
        data, self._data = self._data, bytearray()
        await self._store.here.landed(self._session, self._index, self.object, data)

    async def failed(self) -> None:
        """Not recorded (the session closed, or the answer was lost): the object goes."""
        self._data = bytearray()
        if self.object is not None:
            with contextlib.suppress(StoreUnavailable):
                await self._store.delete([self.object])


class Reader(io.RawIOBase):
    """A bytes-like object as a seekable file, read without copying it whole."""

    def __init__(self, data: bytes | bytearray) -> None:
        self._view, self._at = memoryview(data), 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), len(self._view) - self._at)
        buffer[:count] = self._view[self._at : self._at + count]
        self._at += count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: len(self._view)}[whence]
        self._at = max(0, base + offset)
        return self._at

    def tell(self) -> int:
        return self._at


@dataclass
class _Session:
    hasher: Any = field(default_factory=hashlib.sha256)
    fed: list[str] = field(default_factory=list)  # the objects of chunks 0..len-1, hashed
    waiting: dict[int, str] = field(default_factory=dict)  # recorded, not yet next in line
    spoiled: bool = False  # a chunk fed was written again, or a read failed
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The early assembly: its blob and upload id, and each part's source and copy
    key: str = ""
    upload_id: str | None = None
    copies: dict[int, tuple[str, asyncio.Task[str | None]]] = field(default_factory=dict)
    broken: bool = False


class SessionsHere:
    """The sessions this process received chunks of (the most recent few hundred)."""

    MAX_SESSIONS = 256

    def __init__(self, store: S3Store) -> None:
        self._store = store
        self._sessions: OrderedDict[uuid.UUID, _Session] = OrderedDict()
        self._dropping: set[asyncio.Task[None]] = set()

    async def landed(self, session: Staging, index: int, name: str, data: bytearray) -> None:
        state = self._sessions.get(session.id)
        if state is None:
            if len(self._sessions) >= self.MAX_SESSIONS:
                self._drop_later(self._sessions.popitem(last=False)[1])
            state = self._sessions[session.id] = _Session()
        await self._feed(state, index, name, data)
        await self._copy_early(state, session, index, name)

    async def _feed(self, state: _Session, index: int, name: str, data: bytearray) -> None:
        async with state.lock:
            if index < len(state.fed):
                state.spoiled = True
            if state.spoiled:
                return
            state.waiting[index] = name
            try:
                while (next_name := state.waiting.pop(len(state.fed), None)) is not None:
                    if next_name == name and data:
                        await hash_block(state.hasher, data)
                    else:
                        async for block in self._store.read_object(next_name):
                            await hash_block(state.hasher, block)
                    state.fed.append(next_name)
            except (StoreUnavailable, BlobMissing):
                state.spoiled = True

    async def _copy_early(self, state: _Session, session: Staging, index: int, name: str) -> None:
        if not composable(session) or state.broken:
            return
        if index in state.copies:  # a resend: which copy lands last is not known
            state.broken = True
            return
        async with state.lock:
            if state.upload_id is None:
                state.key = self._store.blob_key(session.expected_hash)
                try:
                    state.upload_id = await self._store.begin(state.key)
                except StoreUnavailable:
                    state.broken = True
                    return
        copy = asyncio.create_task(self._copy(state, index + 1, name))
        state.copies[index] = (name, copy)

    async def _copy(self, state: _Session, number: int, name: str) -> str | None:
        assert state.upload_id is not None
        try:
            return await self._store.copy_part(state.key, state.upload_id, number, name)
        except Exception:  # any failure: the assembly is dropped, complete composes anew
            state.broken = True
            return None

    def digest(self, session_id: uuid.UUID, names: list[str]) -> str | None:
        """The sha256 of these chunk objects, in order, if they are exactly the ones fed."""
        state = self._sessions.get(session_id)
        if state is None or state.spoiled or state.fed != names:
            return None
        return str(state.hasher.hexdigest())

    async def finish_assembly(self, session_id: uuid.UUID, names: list[str]) -> bool:
        """The early assembly completed (the blob visible) if its parts are these chunk
        objects, in order; else it is dropped. Call only once the bytes are verified."""
        state = self._sessions.get(session_id)
        if state is None or state.upload_id is None:
            return False
        copied = [state.copies[i][0] if i in state.copies else None for i in range(len(names))]
        if not state.broken and copied == names and len(state.copies) == len(names):
            copies = [copy for _, copy in state.copies.values()]
            etags = await asyncio.gather(*copies, return_exceptions=True)
            if not state.broken and all(isinstance(etag, str) for etag in etags):
                parts = [{"PartNumber": index + 1, "ETag": etag}
                         for index, etag in zip(state.copies, etags, strict=True)]  # fmt: skip
                parts.sort(key=lambda part: int(part["PartNumber"]))  # type: ignore[arg-type]
                with contextlib.suppress(Exception):  # gone or failed: complete composes anew
                    await self._store.finish(state.key, state.upload_id, parts)
                    state.upload_id = None
                    return True
        await self.drop_assembly(session_id)
        return False

    async def drop_assembly(self, session_id: uuid.UUID) -> None:
        state = self._sessions.get(session_id)
        if state is not None:
            await self._drop(state)

    async def forget(self, session_id: uuid.UUID) -> None:
        state = self._sessions.pop(session_id, None)
        if state is not None:
            await self._drop(state)

    async def _drop(self, state: _Session) -> None:
        state.broken = True
        for _, copy in state.copies.values():
            copy.cancel()
        upload_id, state.upload_id = state.upload_id, None
        if upload_id is not None:
            with contextlib.suppress(StoreUnavailable):
                await self._store.abort(state.key, upload_id)

    def _drop_later(self, state: _Session) -> None:
        task = asyncio.get_running_loop().create_task(self._drop(state))
        self._dropping.add(task)
        task.add_done_callback(self._dropping.discard)
