"""`AsyncPinakes`: the same sessions for asyncio. Every call runs the blocking one on a worker
thread (`asyncio.to_thread`), so an event loop never waits on the network and both faces
behave alike, retries, resumes and errors included. Progress callbacks are called on those
worker threads."""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, TypeVar

from pinakes_client import AuthenticatedClient
from pinakes_client.models import (
    AckResult,
    BatchItem,
    BatchResult,
    Change,
    ChangesPage,
    ClientChange,
    Conflict,
    Device,
    DeviceType,
    FileEntry,
    FilesPage,
    ReportResult,
    Resolution,
    UploadResult,
    UploadSession,
)

from ._calls import Retries
from ._downloads import Fetched
from ._uploads import Progress, Source
from .session import ChangeFeed, Pinakes, Session, Uploaded

T = TypeVar("T")


class AsyncPinakes:
    """Where asyncio sessions come from (see `Pinakes`)."""

    @staticmethod
    async def login(
        base_url: str,
        username: str,
        password: str,
        *,
        retries: Retries | None = None,
        resume_dir: Path | None = None,
    ) -> AsyncSession:
        session = await asyncio.to_thread(
            Pinakes.login, base_url, username, password, retries=retries, resume_dir=resume_dir
        )
        return AsyncSession(session)

    @staticmethod
    async def device(
        base_url: str,
        device_token: str,
        *,
        retries: Retries | None = None,
        resume_dir: Path | None = None,
    ) -> AsyncSession:
        session = await asyncio.to_thread(
            Pinakes.device, base_url, device_token, retries=retries, resume_dir=resume_dir
        )
        return AsyncSession(session)


class AsyncSession:
    """A signed-in user or device, awaitable; `async with` closes it."""

    def __init__(self, session: Session) -> None:
        self.session = session  # the blocking face, for code that runs on a thread anyway

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await asyncio.to_thread(self.session.close)

    @property
    def base_url(self) -> str:
        return self.session.base_url

    @property
    def client(self) -> AuthenticatedClient:
        """The generated client (its `asyncio_detailed` functions work with it too)."""
        return self.session.client

    async def register_device(
        self,
        name: str,
        device_type: DeviceType | str = DeviceType.OTHER,
        *,
        client_version: str | None = None,
    ) -> tuple[Device, str]:
        return await asyncio.to_thread(
            self.session.register_device, name, device_type, client_version=client_version
        )

    async def report(self, changes: list[ClientChange]) -> ReportResult:
        return await asyncio.to_thread(self.session.report, changes)

    async def upload_file(
        self,
        local_path: Source,
        library_path: str,
        *,
        base_version: int | None = None,
        chunk_size: int | None = None,
        parallel: int = 3,
        progress: Progress | None = None,
    ) -> Uploaded:
        return await asyncio.to_thread(
            self.session.upload_file, local_path, library_path, base_version=base_version,
            chunk_size=chunk_size, parallel=parallel, progress=progress,
        )  # fmt: skip

    async def start_upload(
        self,
        library_path: str,
        content_hash: str,
        size: int,
        *,
        base_version: int = 0,
        chunk_size: int | None = None,
        resume: uuid.UUID | None = None,
    ) -> UploadSession:
        return await asyncio.to_thread(
            self.session.start_upload, library_path, content_hash, size,
            base_version=base_version, chunk_size=chunk_size, resume=resume,
        )  # fmt: skip

    async def upload_status(self, upload_id: uuid.UUID) -> UploadSession:
        return await asyncio.to_thread(self.session.upload_status, upload_id)

    async def send_chunks(
        self,
        upload: UploadSession,
        source: Source,
        *,
        parallel: int = 3,
        progress: Progress | None = None,
    ) -> int:
        return await asyncio.to_thread(
            self.session.send_chunks, upload, source, parallel=parallel, progress=progress
        )

    async def complete_upload(self, upload: UploadSession) -> UploadResult:
        return await asyncio.to_thread(self.session.complete_upload, upload)

    async def cancel_upload(self, upload: UploadSession) -> None:
        await asyncio.to_thread(self.session.cancel_upload, upload)

    async def upload_batch(self, items: Sequence[tuple[BatchItem, bytes]]) -> BatchResult:
        return await asyncio.to_thread(self.session.upload_batch, items)

    async def download_file(
        self,
        library_path: str,
        dest_path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
    ) -> str:
        return await asyncio.to_thread(
            self.session.download_file, library_path, dest_path, progress=progress
        )

    async def download_to(
        self,
        library_path: str,
        out: BinaryIO,
        *,
        expected_hash: str | None = None,
        progress: Progress | None = None,
    ) -> str:
        return await asyncio.to_thread(
            self.session.download_to, library_path, out, expected_hash=expected_hash,
            progress=progress,
        )  # fmt: skip

    async def download_batch(self, paths: Sequence[str]) -> dict[str, Fetched]:
        return await asyncio.to_thread(self.session.download_batch, paths)

    def changes(self, cursor: int | None = None) -> AsyncChangeFeed:
        return AsyncChangeFeed(self.session.changes(cursor))

    def change_pages(self, cursor: int = 0) -> AsyncIterator[ChangesPage]:
        return _on_threads(self.session.change_pages(cursor))

    async def changes_page(self, cursor: int, wait: int = 0) -> ChangesPage:
        return await asyncio.to_thread(self.session.changes_page, cursor, wait)

    async def wait_for_changes(self, cursor: int, timeout: int = 30) -> ChangesPage:
        return await asyncio.to_thread(self.session.wait_for_changes, cursor, timeout)

    async def ack(self, cursor: int) -> AckResult:
        return await asyncio.to_thread(self.session.ack, cursor)

    def files(self) -> AsyncIterator[FileEntry]:
        return _on_threads(self.session.files())

    def file_pages(self) -> AsyncIterator[FilesPage]:
        return _on_threads(self.session.file_pages())

    async def conflicts(self) -> list[Conflict]:
        return await asyncio.to_thread(self.session.conflicts)

    async def resolve(self, conflict_id: uuid.UUID | str, resolution: Resolution | str) -> Conflict:
        return await asyncio.to_thread(self.session.resolve, conflict_id, resolution)


class AsyncChangeFeed:
    """`async for change in session.changes(cursor)`; `cursor` is where it has got to."""

    def __init__(self, feed: ChangeFeed) -> None:
        self._feed = feed

    @property
    def cursor(self) -> int:
        return self._feed.cursor

    def __aiter__(self) -> AsyncChangeFeed:
        return self

    async def __anext__(self) -> Change:
        change = await asyncio.to_thread(next, self._feed, None)
        if change is None:
            raise StopAsyncIteration
        return change


async def _on_threads(items: Iterator[T]) -> AsyncIterator[T]:
    """A blocking iterator whose every step (a page fetched, maybe) runs on a worker thread."""
    while step := await asyncio.to_thread(_step, items):
        yield step[0]


def _step(items: Iterator[T]) -> list[T]:
    """The next item, or nothing when there is none (StopIteration cannot cross threads)."""
    return list(itertools.islice(items, 1))
