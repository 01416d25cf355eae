"""The running upload hash is used only when it provably equals the staged file's hash."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from pathlib import Path

import pytest
from pinakes_server.storage.file_store import FileStore
from pinakes_server.storage.running_hash import RunningHashes

CHUNK = 1024
COUNT = 6


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path)


def staged(store: FileStore) -> uuid.UUID:
    session = uuid.uuid4()
    store.open_session(session, CHUNK * COUNT - 100)  # the last chunk is short
    return session


def chunk(index: int, fill: int | None = None) -> bytes:
    length = CHUNK if index < COUNT - 1 else CHUNK - 100
    return bytes([index if fill is None else fill]) * length


async def write(
    hashes: RunningHashes, store: FileStore, session: uuid.UUID, index: int, data: bytes
) -> None:
    """What write_chunk does: journal, bytes, (record), then feed."""
    hashes.starting(store, session, index)
    fd = os.open(store.part_path(session), os.O_WRONLY)
    try:
        os.pwrite(fd, data, index * CHUNK)
    finally:
        os.close(fd)
    await hashes.landed(store, session, index, CHUNK)


def file_hash(store: FileStore, session: uuid.UUID) -> str:
    return hashlib.sha256(store.part_path(session).read_bytes()).hexdigest()


@pytest.mark.parametrize("order", [range(COUNT), reversed(range(COUNT)), [2, 0, 5, 1, 4, 3]])
def test_chunks_in_any_order_give_the_files_hash(store: FileStore, order: range) -> None:
    async def run() -> str | None:
        hashes, session = RunningHashes(), staged(store)
        for index in order:
            await write(hashes, store, session, index, chunk(index))
        assert await hashes.digest(store, session, COUNT - 1) is None  # not all counted
        found = await hashes.digest(store, session, COUNT)
        assert found == file_hash(store, session)
        return found

    assert asyncio.run(run()) is not None


def test_a_resent_chunk_means_hashing_the_file(store: FileStore) -> None:
    async def run() -> str | None:
        hashes, session = RunningHashes(), staged(store)
        for index in range(COUNT):
            await write(hashes, store, session, index, chunk(index))
        await write(hashes, store, session, 2, chunk(2, fill=99))
        return await hashes.digest(store, session, COUNT)

    assert asyncio.run(run()) is None


def test_a_write_begun_by_another_process_means_hashing_the_file(store: FileStore) -> None:
    async def run() -> str | None:
        ours, theirs, session = RunningHashes(), RunningHashes(), staged(store)
        for index in range(COUNT):
            await write(ours, store, session, index, chunk(index))
        theirs.starting(store, session, 3)  # then killed before it recorded anything
        return await ours.digest(store, session, COUNT)

    assert asyncio.run(run()) is None


def test_a_broken_off_write_and_its_retry_keep_the_running_hash(store: FileStore) -> None:
    async def run() -> tuple[str | None, str]:
        hashes, session = RunningHashes(), staged(store)
        hashes.starting(store, session, 0)
        hashes.failed(session, 0)  # the connection dropped mid-chunk: nothing recorded
        for index in range(COUNT):
            await write(hashes, store, session, index, chunk(index))
        return await hashes.digest(store, session, COUNT), file_hash(store, session)

    found, expected = asyncio.run(run())
    assert found == expected


def test_a_session_this_process_did_not_see_throughout_is_hashed_in_full(
    store: FileStore,
) -> None:
    async def run() -> tuple[str | None, str | None]:
        before, after, session = RunningHashes(), RunningHashes(), staged(store)
        await write(before, store, session, 0, chunk(0))  # then the server restarted
        for index in range(1, COUNT):
            await write(after, store, session, index, chunk(index))
        unknown = await after.digest(store, uuid.uuid4(), COUNT)
        return await after.digest(store, session, COUNT), unknown

    assert asyncio.run(run()) == (None, None)


def test_a_failed_read_gives_up_the_running_hash_not_the_chunk(store: FileStore) -> None:
    async def run() -> str | None:
        hashes, session = RunningHashes(), staged(store)
        hashes.starting(store, session, 0)
        store.part_path(session).unlink()  # the read-back fails
        await hashes.landed(store, session, 0, CHUNK)  # and does not raise
        return await hashes.digest(store, session, 1)

    assert asyncio.run(run()) is None
