"""`Pinakes.login` / `Pinakes.device`: a signed-in session, and what developers do with one:
upload and download whole files (resumably), follow the change feed, list the library,
acknowledge, and resolve conflicts. Every problem the server answers is raised
(`pinakes.errors`); the generated `pinakes_client` is underneath for anything else."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from pinakes_client import AuthenticatedClient
from pinakes_client.api.auth import device_login, login
from pinakes_client.api.conflicts import list_conflicts, resolve_conflict
from pinakes_client.api.devices import register_device
from pinakes_client.api.sync import ack_changes, get_changes, list_files, report_changes
from pinakes_client.api.uploads import complete_upload, create_upload, get_upload, upload_chunk
from pinakes_client.models import (
    AckRequest,
    AckResult,
    Change,
    ChangesPage,
    ChangeType,
    ChunkReceipt,
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
from pinakes_client.types import UNSET, File

from ._calls import Caller, Retries, anonymous, guarded
from ._resume import Resumes, default_directory
from .errors import ConnectionFailed, HashMismatch, PinakesError, problem_of

Progress = Callable[[int, int], None]
"""`progress(done_bytes, total_bytes)`, called as a transfer goes (never going back)."""

CHUNK_SIZE = 8 * 1024 * 1024
READ_BLOCK = 1024 * 1024
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
        self, name: str, device_type: DeviceType | str = DeviceType.OTHER
    ) -> tuple[Device, str]:
        """A new device of this user, and its device token (shown only now: keep it)."""
        body = DeviceCreate(name=name, device_type=DeviceType(device_type))
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
        local_path: str | os.PathLike[str],
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
        HashMismatch when the file changed while it was sent. A change that conflicts is
        uploaded all the same (so that keeping this side is possible) and comes back as
        `conflict`."""
        local = Path(local_path)
        content_hash, size = _sha256_of(local)
        key = self._resumes.key(library_path, content_hash, size)
        session = self._resumable(key)
        if session is None:
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
                return Uploaded(stored, None, None, 0)
            body = UploadCreate(
                target_path=library_path, expected_hash=content_hash, expected_size=size,
                chunk_size=chunk_size or CHUNK_SIZE, base_version=base_version or 0,
            )  # fmt: skip
            session = self._caller.call(
                lambda client: create_upload.sync_detailed(client=client, body=body),
                UploadSession,
            )
            self._resumes.put(key, session.id)
        sent = self._send_chunks(local, session, parallel, progress)
        try:
            result = self._caller.call(
                lambda client: complete_upload.sync_detailed(session.id, client=client),
                UploadResult,
            )
        except HashMismatch:
            self._resumes.drop(key)
            raise
        self._resumes.drop(key)
        return Uploaded(result.file, result.conflict, result.session, sent)

    def _resumable(self, key: str) -> UploadSession | None:
        """The open session an earlier call left for these bytes, if any."""
        session_id = self._resumes.get(key)
        if session_id is None:
            return None
        answer = self._caller.send(
            lambda client: get_upload.sync_detailed(session_id, client=client)
        )
        parsed = answer.parsed
        if isinstance(parsed, UploadSession) and parsed.status.value in ("pending", "in_progress"):
            return parsed
        self._resumes.drop(key)  # completed, expired, cancelled or gone: start afresh
        return None

    def _send_chunks(
        self, local: Path, session: UploadSession, parallel: int, progress: Progress | None
    ) -> int:
        """The chunks the session lacks, `parallel` at a time, each with its Content-Digest;
        bytes sent."""
        missing = sorted(set(range(session.chunk_count)) - set(session.received_chunks))
        done, sent, lock = session.bytes_received, 0, threading.Lock()
        if progress is not None:
            progress(done, session.expected_size)

        def send(index: int) -> None:
            nonlocal done, sent
            with local.open("rb") as handle:
                handle.seek(index * session.chunk_size)
                data = handle.read(session.chunk_size)
            digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
            self._caller.call(
                lambda client: upload_chunk.sync_detailed(
                    session.id, index, client=client, body=File(payload=BytesIO(data)),
                    content_digest=f"sha-256=:{digest}:",
                ),
                ChunkReceipt,
            )  # fmt: skip
            with lock:
                done, sent = done + len(data), sent + len(data)
                if progress is not None:
                    progress(done, session.expected_size)

        with ThreadPoolExecutor(max(1, parallel)) as pool:
            list(pool.map(send, missing))  # the first failure is raised here
        return sent

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
        url = f"/api/v1/sync/download/{quote(library_path, safe='')}"
        head = self._caller.send(lambda client: client.get_httpx_client().head(url))
        if head.status_code != 200:
            raise problem_of(head.status_code, head.content, head.headers)
        content_hash, size = head.headers["etag"].strip('"'), int(head.headers["content-length"])
        dest = Path(dest_path)
        part = dest.with_name(f".{dest.name}.{content_hash[:16]}.pinakes-part")
        hasher, have = _partial(part, size)
        if have < size or size == 0:
            ranged = {"Range": f"bytes={have}-", "If-Range": f'"{content_hash}"'} if have else {}
            hasher, have = self._fetch(url, part, ranged, hasher, have, size, progress)
        if hasher.hexdigest() != content_hash:
            part.unlink(missing_ok=True)
            raise PinakesError(f"{library_path} arrived with other bytes than announced")
        os.replace(part, dest)
        _fsync_dir(dest.parent)
        return content_hash

    def _fetch(
        self,
        url: str,
        part: Path,
        headers: dict[str, str],
        hasher: hashlib._Hash,
        have: int,
        size: int,
        progress: Progress | None,
    ) -> tuple[hashlib._Hash, int]:
        """The rest of the file appended to `part` (all of it, when the server answers 200:
        the file changed since the part was written); the hash of the whole and its length."""
        http = self._caller.client.get_httpx_client()
        request = http.build_request("GET", url, headers=headers)
        r = guarded(self._caller.base_url, lambda: http.send(request, stream=True))
        try:
            if r.status_code == 200 and have:  # changed meanwhile (If-Range): from the start
                hasher, have = hashlib.sha256(), 0
            elif r.status_code not in (200, 206):
                raise problem_of(r.status_code, r.read(), r.headers)
            with part.open("r+b" if have else "wb") as out:
                out.seek(have)
                out.truncate()
                if progress is not None:
                    progress(have, size)
                for block in r.iter_bytes(READ_BLOCK):
                    out.write(block)
                    hasher.update(block)
                    have += len(block)
                    if progress is not None:
                        progress(have, size)
                out.flush()
                os.fsync(out.fileno())
        except httpx.TransportError as exc:  # broken off: what arrived stays for a resume
            where = self._caller.base_url
            raise ConnectionFailed(f"the download from {where} broke off: {exc}") from None
        finally:
            r.close()
        return hasher, have

    # The feed and the library
    def changes(self, cursor: int = 0) -> ChangeFeed:
        """Every change after `cursor`, page after page until caught up; the feed's `cursor`
        is then where to read (or acknowledge) from next. CursorExpired when the feed was
        compacted past `cursor`."""
        return ChangeFeed(self, cursor)

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
        after: str | None = None
        while True:
            page = self._caller.call(self._files_after(after), FilesPage)
            yield from page.files
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

    def __init__(self, session: Session, cursor: int) -> None:
        self._session, self.cursor = session, cursor
        self._page: list[Change] = []
        self._more = True

    def __iter__(self) -> ChangeFeed:
        return self

    def __next__(self) -> Change:
        while not self._page:
            if not self._more:
                raise StopIteration
            page = self._session.changes_page(self.cursor)
            self._page, self._more, self.cursor = list(page.changes), page.has_more, page.cursor
        return self._page.pop(0)


def _sha256_of(path: Path) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


def _partial(part: Path, size: int) -> tuple[hashlib._Hash, int]:
    """The hash of what an interrupted download left, and its length (nothing usable when
    it is longer than the file)."""
    hasher, have = hashlib.sha256(), 0
    try:
        with part.open("rb") as handle:
            while block := handle.read(READ_BLOCK):
                hasher.update(block)
                have += len(block)
    except FileNotFoundError:
        return hasher, 0
    if have > size:
        return hashlib.sha256(), 0
    return hasher, have


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
