"""The bytes of live files, for the download handlers: a range as one block or as a stream,
and a batch's blobs checked before its answer starts. A blob the database points at but the
store lacks is a loss (500), said before any byte is sent, never as a cut body."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from ..errors import ApiError
from ..storage.blob_store import READ_BLOCK, BlobMissing, BlobStore
from .feed import LiveFile

SEND_BLOCK = READ_BLOCK  # what a streamed answer sends at a time


def missing(row: LiveFile) -> ApiError:
    return ApiError(f"the bytes of {row.path!r} are missing from the blob store")


async def ranged(
    store: BlobStore, row: LiveFile, start: int, length: int
) -> bytes | AsyncIterator[bytes]:
    """Up to one block as bytes (one plain response); more as blocks, the first one already
    read (so a missing blob is found before the answer starts)."""
    try:
        if length <= READ_BLOCK:
            return await store.read(row.content_hash, start, length)
        blocks = store.stream(row.content_hash, start, length)
        first = await anext(blocks)
    except BlobMissing:
        raise missing(row) from None
    return _after(first, blocks)


async def _after(first: bytes, rest: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    try:
        yield first
        async for block in rest:
            yield block
    finally:
        await rest.aclose()


async def all_stored(store: BlobStore, rows: list[LiveFile]) -> None:
    for row in rows:
        if not await store.has(row.content_hash):
            raise missing(row)


def whole(store: BlobStore, row: LiveFile) -> AsyncIterator[bytes]:
    return store.stream(row.content_hash, 0, row.size)
