"""`Pinakes.login` / `Pinakes.device`: a signed-in session, and what developers do with one:
upload and download whole files (resumably), follow the change feed, list the library,
acknowledge, and resolve conflicts; and the steps those are made of, for a client that keeps
its own records (pinakes-sync). Every problem the server answers is raised
(`pinakes.errors`); the generated `pinakes_client` is underneath for anything else."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import httpx
from pinakes_client import AuthenticatedClient
from pinakes_client.api.auth import device_login, login
from pinakes_client.api.conflicts import list_conflicts, resolve_conflict
from pinakes_client.api.devices import register_device
from pinakes_client.api.sync import ack_changes, get_changes, list_files, report_changes
from pinakes_client.api.uploads import (
    cancel_upload,
    complete_upload,
    create_upload,
    get_upload,
    upload_batch,
)
from pinakes_client.models import (
    AckRequest,
    AckResult,
    BatchItem,
    BatchResult,
    Change,
    ChangesPage,
    ChangeType,
    ClientChange,
    Conflict,
    Credentials,
    Device,
    DeviceCreate,
    DeviceLogin,
    DeviceRegistration,
    DeviceType,
    FileEntry,
    FilesPage,
    ReportRequest,
    ReportResult,
    Resolution,
    ResolveRequest,
    Token,
    UploadCreate,
    UploadedFile,
    UploadResult,
    UploadSession,
)
from pinakes_client.types import UNSET

from ._calls import Caller, Retries, anonymous
from ._downloads import (
    BATCH_URL,
    Fetched,
    drop_older_parts,
    file_url,
    fsync_dir,
    partial_of,
    read_batch,
    stream_into,
)
from ._resume import Resumes, default_directory
from ._uploads import Progress, Source, batch_body, opener_of, send_chunks, sha256_of
from .errors import (
    ConnectionFailed,
    FileChanged,
    Gone,
    HashMismatch,
    NotFound,
    PinakesError,
    problem_of,
)

CHUNK_SIZE = 8 * 1024 * 1024
PAGE = 1000


@dataclass(frozen=True)
class Uploaded:
    """What `upload_file` did: the file's new version (`file`) or the conflict it made
    (`conflict`); the upload session (None when the server had the bytes already, so none
    were sent); how many bytes this call sent."""

    file: UploadedFile | None
    conflict: Conflict | None
    session: UploadSession | None
    sent_bytes: int


class Pinakes:
    """Where sessions come from."""

    @staticmethod
    def login(
        base_url: str,
        username: str,
        password: str,
        *,
        retries: Retries | None = None,
        resume_dir: Path | None = None,
    ) -> Session:
        """A user's session (for registering devices, and everything a device can do)."""
        retries = retries or Retries()
        token = anonymous(
            base_url, retries,
            lambda client: login.sync_detailed(
                client=client, body=Credentials(username=username, password=password)
            ),
            Token,
        )  # fmt: skip
        caller = Caller(base_url, token.access_token, retries)
        return Session(caller, Resumes(resume_dir or default_directory(), f"{base_url} {username}"))

    @staticmethod
    def device(
        base_url: str,
        device_token: str,
        *,
        retries: Retries | None = None,
        resume_dir: Path | None = None,
    ) -> Session:
        """A device's session; it signs in again by itself when its JWT expires."""
        retries = retries or Retries()

        def sign_in() -> str:
            return anonymous(
                base_url, retries,
                lambda client: device_login.sync_detailed(
                    client=client, body=DeviceLogin(device_token=device_token)
                ),
                Token,
            ).access_token  # fmt: skip

        caller = Caller(base_url, sign_in(), retries, sign_in_again=sign_in)
        identity = hashlib.sha256(device_token.encode()).hexdigest()[:32]
        return Session(caller, Resumes(resume_dir or default_directory(), f"{base_url} {identity}"))


class Session:
    """A signed-in user or device. Close it (or use it in a `with` block) when done."""

    def __init__(self, caller: Caller, resumes: Resumes) -> None:
        self._caller, self._resumes = caller, resumes

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._caller.close()

    @property
    def base_url(self) -> str:
        return self._caller.base_url

    @property
    def client(self) -> AuthenticatedClient:
        """The generated client, signed in, for anything this class does not cover."""
        return self._caller.client

    # Devices
    def register_device(
        self,
        name: str,
        device_type: DeviceType | str = DeviceType.OTHER,
        *,
        client_version: str | None = None,
    ) -> tuple[Device, str]:
        """A new device of this user, and its device token (shown only now: keep it).
        `client_version`: what the device runs, as its owner will see it listed."""
        version = UNSET if client_version is None else client_version
        body = DeviceCreate(name=name, device_type=DeviceType(device_type), client_version=version)
        registration = self._caller.call(
            lambda client: register_device.sync_detailed(client=client, body=body),
            DeviceRegistration,
        )
        return registration.device, registration.device_token

    # Uploads
    def report(self, changes: list[ClientChange]) -> ReportResult:
        """Changes made here, in one transaction (the lower-level step `upload_file` uses)."""
        body = ReportRequest(changes=changes)
        return self._caller.call(
            lambda client: report_changes.sync_detailed(client=client, body=body), ReportResult
        )

    def upload_file(
        self,
        local_path: Source,
        library_path: str,
        *,
        base_version: int | None = None,
        chunk_size: int | None = None,
        parallel: int = 3,
        progress: Progress | None = None,
    ) -> Uploaded:
        """Put a local file at `library_path`: a new file (`base_version` None or 0), or a new
        version of the one at `base_version`. Sends no bytes the server has already; resumes
        an upload of the same bytes that was interrupted (even by a killed program);
        HashMismatch (or FileChanged) when the file changed while it was sent. A change that
        conflicts is uploaded all the same (so that keeping this side is possible) and comes
        back as `conflict`. `local_path` may also be an `Opener` of the bytes."""
        source = opener_of(local_path)
        content_hash, size = sha256_of(source)
        key = self._resumes.key(library_path, content_hash, size)
        resume = self._resumes.get(key)
        upload = None if resume is None else self._resumable(resume, library_path,
                                                             content_hash, size)  # fmt: skip
        if upload is None:
            outcome = self.report([ClientChange(
                path=library_path,
                change_type=ChangeType.MODIFIED if base_version else ChangeType.CREATED,
                content_hash=content_hash, size=size, base_version=base_version or 0,
            )])  # fmt: skip
            # A conflict is sent on like a change that needs its bytes: once they are stored,
            # every resolution (keep_local too) can be made; it stays the same conflict.
            if outcome.accepted:  # the server had the bytes
                accepted = outcome.accepted[0]
                if progress is not None:
                    progress(size, size)
                stored = UploadedFile(path=accepted.stored_path, version=accepted.version,
                                      content_hash=content_hash, size=size)  # fmt: skip
                self._resumes.drop(key)  # (a record of a session that is no more)
                return Uploaded(stored, None, None, 0)
            upload = self.start_upload(library_path, content_hash, size,
                                       base_version=base_version or 0,
                                       chunk_size=chunk_size)  # fmt: skip
            self._resumes.put(key, upload.id)
        try:
            sent = self.send_chunks(upload, source, parallel=parallel, progress=progress)
            result = self.complete_upload(upload)
        except (HashMismatch, FileChanged):
            self._resumes.drop(key)
            raise
        self._resumes.drop(key)
        return Uploaded(result.file, result.conflict, result.session, sent)

    def start_upload(
        self,
        library_path: str,
        content_hash: str,
        size: int,
        *,
        base_version: int = 0,
        chunk_size: int | None = None,
        resume: uuid.UUID | None = None,
    ) -> UploadSession:
        """An upload session for these bytes (reported already, and asked for): the one
        `resume` names when it is still open for the same path and bytes, else a new one.
        Keep its `id` to resume with after an interruption."""
        if resume is not None:
            found = self._resumable(resume, library_path, content_hash, size)
            if found is not None:
                return found
        body = UploadCreate(
            target_path=library_path, expected_hash=content_hash, expected_size=size,
            chunk_size=chunk_size or CHUNK_SIZE, base_version=base_version,
        )  # fmt: skip
        return self._caller.call(
            lambda client: create_upload.sync_detailed(client=client, body=body), UploadSession
        )

    def upload_status(self, upload_id: uuid.UUID) -> UploadSession:
        """An upload session as the server has it now (which chunks it holds, its status)."""
        return self._caller.call(
            lambda client: get_upload.sync_detailed(upload_id, client=client), UploadSession
        )

    def _resumable(
        self, upload_id: uuid.UUID, library_path: str, content_hash: str, size: int
    ) -> UploadSession | None:
        """The session, if it is still open and for these bytes at this path."""
        try:
            found = self.upload_status(upload_id)
        except (NotFound, Gone):
            return None
        wanted = (library_path, content_hash, size)
        if (found.target_path, found.expected_hash, found.expected_size) != wanted:
            return None
        return found if found.status.value in ("pending", "in_progress") else None

    def send_chunks(
        self,
        upload: UploadSession,
        source: Source,
        *,
        parallel: int = 3,
        progress: Progress | None = None,
    ) -> int:
        """The chunks `upload` lacks (as it was fetched), read from `source`, `parallel` at a
        time, each with its `Content-Digest`; returns the bytes sent. FileChanged when the
        file reads shorter or longer than the session expects."""
        return send_chunks(self._caller, upload, opener_of(source), parallel, progress)

    def complete_upload(self, upload: UploadSession) -> UploadResult:
        """The new version (`.file`) or the conflict it made (`.conflict`), once the server
        checked the whole file's sha256; HashMismatch when it is not the announced one."""
        return self._caller.call(
            lambda client: complete_upload.sync_detailed(upload.id, client=client), UploadResult
        )

    def cancel_upload(self, upload: UploadSession) -> None:
        """Give an upload up: the server drops its chunks (one left alone expires anyway)."""
        answer = self._caller.send(
            lambda client: cancel_upload.sync_detailed(upload.id, client=client)
        )
        if int(answer.status_code) != 204:
            raise problem_of(int(answer.status_code), answer.content, answer.headers)

    def upload_batch(self, items: Sequence[tuple[BatchItem, bytes]]) -> BatchResult:
        """Small files with their bytes in one request, each applied like a report of its
        own; `.items` says, in order, what became of each. A `ProblemError` with status 413
        when the server takes batches this large from no one: send fewer, or one by one."""
        return self._caller.call(
            lambda client: upload_batch.sync_detailed(client=client, body=batch_body(items)),
            BatchResult,
        )

    # Downloads
    def download_file(
        self,
        library_path: str,
        dest_path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
    ) -> str:
        """The current version of `library_path` written to `dest_path`: streamed into a
        temp file beside it (kept, and resumed with Range + If-Range, when a download was
        interrupted), its sha256 checked, then renamed into place. Returns the sha256."""
        url = file_url(library_path)
        head = self._caller.send(lambda client: client.get_httpx_client().head(url))
        if head.status_code != 200:
            raise problem_of(head.status_code, head.content, head.headers)
        content_hash, size = head.headers["etag"].strip('"'), int(head.headers["content-length"])
        dest = Path(dest_path)
        part = dest.with_name(f".{dest.name}.{content_hash[:16]}.pinakes-part")
        drop_older_parts(dest, part)
        hasher, have = partial_of(part, size)
        if have < size or size == 0:
            ranged = {"Range": f"bytes={have}-", "If-Range": f'"{content_hash}"'} if have else {}
            with self._streaming("GET", url, headers=ranged) as answer:
                if answer.status_code == 200 and have:  # changed meanwhile: from the start
                    hasher, have = hashlib.sha256(), 0
                elif answer.status_code not in (200, 206):
                    raise problem_of(answer.status_code, answer.read(), answer.headers)
                with part.open("r+b" if have else "wb") as out:
                    out.seek(have)
                    out.truncate()
                    try:
                        stream_into(answer, out, hasher, have, size, progress)
                    finally:  # what arrived stays, for a resume
                        out.flush()
                        os.fsync(out.fileno())
        if hasher.hexdigest() != content_hash:
            part.unlink(missing_ok=True)
            raise PinakesError(f"{library_path} arrived with other bytes than announced")
        os.replace(part, dest)
        fsync_dir(dest.parent)
        return content_hash

    def download_to(
        self,
        library_path: str,
        out: BinaryIO,
        *,
        expected_hash: str | None = None,
        progress: Progress | None = None,
    ) -> str:
        """The current version of `library_path` streamed into `out` (an open handle: yours
        to place, close and make durable); returns its sha256, checked as it arrived.
        FileChanged, before anything is written, when `expected_hash` is given and the file
        is another version now; PinakesError after, when the bytes that came are not the
        version announced (damaged on the way: ask again)."""
        with self._streaming("GET", file_url(library_path)) as answer:
            if answer.status_code != 200:
                raise problem_of(answer.status_code, answer.read(), answer.headers)
            content_hash = str(answer.headers.get("etag", "")).strip('"')
            if expected_hash is not None and content_hash != expected_hash:
                raise FileChanged(f"{library_path} is another version now")
            size, hasher = int(answer.headers.get("content-length", 0)), hashlib.sha256()
            stream_into(answer, out, hasher, 0, size, progress)
        if hasher.hexdigest() != content_hash:  # damaged on the way: ask again
            raise PinakesError(f"{library_path} arrived with other bytes than announced")
        return content_hash

    def download_batch(self, paths: Sequence[str]) -> dict[str, Fetched]:
        """Many small files in one answer: path → `Fetched` for each that came whole and
        hashes right (a file that is missing, or larger than the server batches, is not
        there: download it with `download_file` or `download_to`)."""
        with self._streaming("POST", BATCH_URL, json={"paths": list(paths)}) as answer:
            if answer.status_code != 200:
                raise problem_of(answer.status_code, answer.read(), answer.headers)
            return read_batch(answer)

    @contextlib.contextmanager
    def _streaming(self, method: str, url: str, **request: Any) -> Iterator[httpx.Response]:
        """An answer whose body is read as it comes; a connection that breaks off meanwhile
        is ConnectionFailed."""
        with self._caller.stream(method, url, **request) as answer:
            try:
                yield answer
            except httpx.TransportError as exc:
                where = self._caller.base_url
                raise ConnectionFailed(f"the download from {where} broke off: {exc}") from None

    # The feed and the library
    def changes(self, cursor: int | None = None) -> ChangeFeed:
        """Every change after `cursor` (None: from the beginning), page after page until
        caught up; the feed's `cursor` is then where to read (or acknowledge) from next.
        CursorExpired when the feed was compacted past `cursor`."""
        start = cursor or 0
        return ChangeFeed(self.change_pages(start), start)

    def change_pages(self, cursor: int = 0, *, limit: int = PAGE) -> Iterator[ChangesPage]:
        """The feed after `cursor` a page at a time, following `has_more` until caught up:
        for a caller that records its progress (or acknowledges) page by page."""
        while True:
            page = self.changes_page(cursor, limit=limit)
            yield page
            if not page.has_more:
                return
            cursor = page.cursor

    def changes_page(self, cursor: int, wait: int = 0, limit: int = PAGE) -> ChangesPage:
        """One page of the feed after `cursor` (`wait`: long-poll up to that many seconds
        for a change when there is none yet)."""
        return self._caller.call(
            lambda client: get_changes.sync_detailed(
                client=client, cursor=cursor, limit=limit, wait=wait
            ),
            ChangesPage,
        )

    def wait_for_changes(self, cursor: int, timeout: int = 30) -> ChangesPage:
        """One long-poll: the changes after `cursor` as soon as there are any, or an empty
        page after `timeout` seconds (the server may hold it for less)."""
        return self.changes_page(cursor, wait=timeout)

    def ack(self, cursor: int) -> AckResult:
        """This device has applied everything up to `cursor` (a device session only)."""
        return self._caller.call(
            lambda client: ack_changes.sync_detailed(client=client, body=AckRequest(cursor=cursor)),
            AckResult,
        )

    def files(self) -> Iterator[FileEntry]:
        """Every live file, across pages, in bytewise path order."""
        for page in self.file_pages():
            yield from page.files

    def file_pages(self) -> Iterator[FilesPage]:
        """The live files a page at a time; the first page's `cursor` is where to follow the
        feed from once they are all read."""
        after: str | None = None
        while True:
            page = self._caller.call(self._files_after(after), FilesPage)
            yield page
            if page.next_after is None:
                return
            after = page.next_after

    @staticmethod
    def _files_after(after: str | None) -> Callable[[AuthenticatedClient], Any]:
        return lambda client: list_files.sync_detailed(
            client=client, after=UNSET if after is None else after, limit=PAGE
        )

    def conflicts(self) -> list[Conflict]:
        return self._caller.call(lambda client: list_conflicts.sync_detailed(client=client), list)

    def resolve(self, conflict_id: uuid.UUID | str, resolution: Resolution | str) -> Conflict:
        """`keep_local`, `keep_remote` or `keep_both`."""
        body = ResolveRequest(resolution=Resolution(resolution))
        target = uuid.UUID(str(conflict_id))
        return self._caller.call(
            lambda client: resolve_conflict.sync_detailed(target, client=client, body=body),
            Conflict,
        )


class ChangeFeed(Iterator[Change]):
    """The changes after a cursor, read a page at a time; `cursor` is where it has got to."""

    def __init__(self, pages: Iterator[ChangesPage], cursor: int) -> None:
        self._pages, self._page, self.cursor = pages, deque[Change](), cursor

    def __iter__(self) -> ChangeFeed:
        return self

    def __next__(self) -> Change:
        while not self._page:
            page = next(self._pages)  # StopIteration when caught up
            self._page, self.cursor = deque(page.changes), page.cursor
        return self._page.popleft()
