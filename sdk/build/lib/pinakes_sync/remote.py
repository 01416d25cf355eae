"""The server, as the sync engine sees it: typed calls through pinakes_client, clear errors."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from io import BytesIO
from typing import Any, BinaryIO, TypeVar
from urllib.parse import quote

import httpx
from pinakes_client import AuthenticatedClient, Client
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
    upload_chunk,
)
from pinakes_client.models import (
    AckRequest,
    AckResult,
    BatchItem,
    BatchManifest,
    BatchResult,
    ChangesPage,
    ChunkReceipt,
    ClientChange,
    Conflict,
    Credentials,
    DeviceCreate,
    DeviceLogin,
    DeviceRegistration,
    DeviceType,
    FilesPage,
    Problem,
    ReportRequest,
    ReportResult,
    Resolution,
    ResolveRequest,
    Token,
    UploadBatchBody,
    UploadCreate,
    UploadResult,
    UploadSession,
)
from pinakes_client.types import UNSET, File, Response

T = TypeVar("T")
CHUNK_SIZE = 8 * 1024 * 1024
# A batch upload: at most this many files, and bytes, in one request (the server's default
# limit is 32 MiB a body; multipart framing adds a little to each file).
BATCH_ITEMS = 1000
BATCH_BYTES = 16 * 1024 * 1024
OCTETS = "application/octet-stream"
DOWNLOAD_BATCH = "/api/v1/sync/download-batch"
TIMEOUT = httpx.Timeout(30.0, read=120.0)


class SyncError(Exception):
    """A failure worth one clear line to the person running pinakes-sync."""


class CursorExpired(SyncError):
    """The feed no longer reaches back to the cursor: list the library again."""


class HashMismatch(SyncError):
    """The bytes sent are not the bytes announced: the file changed while it was sent."""


class Revoked(SyncError):
    """The device token no longer works: the device was deleted, disabled or rotated."""


def _expect(response: Response[Any], wanted: type[T], doing: str) -> T:
    parsed = response.parsed
    if isinstance(parsed, wanted):
        return parsed
    detail = (
        parsed.detail
        if isinstance(parsed, Problem)
        else response.content[:200].decode("utf-8", "replace")
    )
    raise SyncError(f"{doing} failed ({int(response.status_code)}): {detail}")


# A 429 or 503 says when to come back (Retry-After): wait and ask again, a few times.
RETRIES = 3
LONGEST_WAIT_SECONDS = 60


def _retrying(call: Callable[[], Response[Any]]) -> Response[Any]:
    response = call()
    for _ in range(RETRIES):
        raw = response.headers.get("retry-after", "")
        if response.status_code not in (429, 503) or not raw.isdigit():
            break
        time.sleep(min(int(raw), LONGEST_WAIT_SECONDS))
        response = call()
    return response


def _guard(server: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except httpx.TransportError as exc:
        raise SyncError(f"cannot reach the server at {server}: {exc}") from None


def user_login(server: str, username: str, password: str) -> str:
    with Client(base_url=server, timeout=TIMEOUT) as client:
        response = _guard(
            server,
            lambda: login.sync_detailed(
                client=client, body=Credentials(username=username, password=password)
            ),
        )
    if response.status_code == 401:
        raise SyncError("wrong username or password")
    return _expect(response, Token, "logging in").access_token


def register(server: str, user_token: str, name: str) -> DeviceRegistration:
    with AuthenticatedClient(base_url=server, token=user_token, timeout=TIMEOUT) as client:
        body = DeviceCreate(
            name=name, device_type=DeviceType.DESKTOP, client_version="pinakes-sync"
        )
        response = _guard(server, lambda: register_device.sync_detailed(client=client, body=body))
    return _expect(response, DeviceRegistration, "registering this device")


class Remote:
    """One logged-in device."""

    def __init__(self, server: str, device_token: str) -> None:
        self.server = server
        with Client(base_url=server, timeout=TIMEOUT) as client:
            response = _guard(
                server,
                lambda: device_login.sync_detailed(
                    client=client, body=DeviceLogin(device_token=device_token)
                ),
            )
        if response.status_code == 401:
            raise Revoked(
                "this device was removed, disabled or its token regenerated on the server: "
                "run `pinakes-sync init` again"
            )
        token = _expect(response, Token, "logging in the device").access_token
        self.client = AuthenticatedClient(base_url=server, token=token, timeout=TIMEOUT)

    def close(self) -> None:
        self.client.get_httpx_client().close()

    def _call(self, call: Callable[[], Response[Any]], wanted: type[T], doing: str) -> T:
        return self._checked(_guard(self.server, lambda: _retrying(call)), wanted, doing)

    @staticmethod
    def _checked(response: Response[Any], wanted: type[T], doing: str) -> T:
        if response.status_code == 401:
            raise Revoked("this device's access was revoked: run `pinakes-sync init` again")
        return _expect(response, wanted, doing)

    def report(self, changes: list[ClientChange]) -> ReportResult:
        body = ReportRequest(changes=changes)
        return self._call(
            lambda: report_changes.sync_detailed(client=self.client, body=body),
            ReportResult,
            "reporting changes",
        )

    def changes(self, cursor: int, wait: int = 0) -> ChangesPage:
        """A page of the feed; CursorExpired when the server wants the library re-listed."""
        response = _guard(
            self.server,
            lambda: get_changes.sync_detailed(
                client=self.client, cursor=cursor, limit=1000, wait=wait
            ),
        )
        if response.status_code == 410:
            raise CursorExpired("the change feed was compacted past this folder's cursor")
        return self._checked(response, ChangesPage, "reading the change feed")

    def files(self, after: str | None) -> FilesPage:
        return self._call(
            lambda: list_files.sync_detailed(
                client=self.client, after=UNSET if after is None else after, limit=1000
            ),
            FilesPage,
            "listing the library",
        )

    def ack(self, cursor: int) -> None:
        self._call(
            lambda: ack_changes.sync_detailed(client=self.client, body=AckRequest(cursor=cursor)),
            AckResult,
            "acknowledging",
        )

    def conflicts(self) -> list[Conflict]:
        return self._call(
            lambda: list_conflicts.sync_detailed(client=self.client), list, "listing conflicts"
        )

    def resolve(self, conflict_id: uuid.UUID, resolution: str) -> Conflict:
        body = ResolveRequest(resolution=Resolution(resolution))
        return self._call(
            lambda: resolve_conflict.sync_detailed(conflict_id, client=self.client, body=body),
            Conflict,
            "resolving the conflict",
        )

    def new_upload(
        self, path: str, content_hash: str, size: int, base_version: int
    ) -> UploadSession:
        body = UploadCreate(
            target_path=path,
            expected_hash=content_hash,
            expected_size=size,
            chunk_size=CHUNK_SIZE,
            base_version=base_version,
        )
        return self._call(
            lambda: create_upload.sync_detailed(client=self.client, body=body),
            UploadSession,
            f"starting the upload of {path}",
        )

    def upload_batch(self, items: list[tuple[BatchItem, bytes]]) -> BatchResult | None:
        """Small files with their bytes, in one request; None when the server takes batches
        this large from no one (413: send them one by one instead)."""

        def send() -> Response[Any]:  # a retry sends the bytes again: a fresh body each time
            body = UploadBatchBody(
                manifest=BatchManifest(items=[item for item, _ in items]),
                files=[
                    File(payload=BytesIO(data), file_name=f"{i}", mime_type=OCTETS)
                    for i, (_, data) in enumerate(items)
                ],
            )
            return upload_batch.sync_detailed(client=self.client, body=body)

        response = _guard(self.server, lambda: _retrying(send))
        if response.status_code == 413:
            return None
        return self._checked(response, BatchResult, f"uploading {len(items)} small file(s)")

    def upload_status(self, session_id: uuid.UUID) -> UploadSession | None:
        """The session, or None when it can no longer be resumed (expired, gone, closed)."""
        response = _guard(
            self.server, lambda: get_upload.sync_detailed(session_id, client=self.client)
        )
        parsed = response.parsed
        if isinstance(parsed, UploadSession) and parsed.status.value in ("pending", "in_progress"):
            return parsed
        return None

    def send_chunk(self, session: UploadSession, index: int, data: bytes) -> None:
        digest = "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"
        self._call(
            lambda: upload_chunk.sync_detailed(
                session.id,
                index,
                client=self.client,
                body=File(payload=BytesIO(data)),
                content_digest=digest,
            ),
            ChunkReceipt,
            f"uploading {session.target_path}",
        )

    def complete(self, session: UploadSession) -> UploadResult:
        response = _guard(
            self.server,
            lambda: _retrying(
                lambda: complete_upload.sync_detailed(session.id, client=self.client)
            ),
        )
        parsed = response.parsed
        if isinstance(parsed, Problem) and parsed.type_ == "hash-mismatch":
            raise HashMismatch(f"{session.target_path} changed while it was sent")
        return self._checked(response, UploadResult, f"completing {session.target_path}")

    def cancel(self, session: UploadSession) -> None:
        """Best effort: an abandoned session expires by itself anyway."""
        _guard(self.server, lambda: cancel_upload.sync_detailed(session.id, client=self.client))

    def download_batch(self, paths: list[str]) -> dict[str, tuple[str, bytes]]:
        """Many small files in one response: path → (content hash, bytes) for each file that
        came whole and right; the rest (missing, later, a server without batches) are not
        there, to be downloaded one by one."""
        httpx_client = self.client.get_httpx_client()

        def fetch() -> dict[str, tuple[str, bytes]]:
            got: dict[str, tuple[str, bytes]] = {}
            with httpx_client.stream("POST", DOWNLOAD_BATCH, json={"paths": paths}) as response:
                if response.status_code != 200:
                    return got
                pending, files, index = bytearray(), None, 0
                for block in response.iter_bytes(1024 * 1024):
                    pending += block
                    start = 0
                    if files is None:
                        end = pending.find(b"\n")
                        if end < 0:
                            continue
                        files, start = json.loads(pending[:end])["files"], end + 1
                    while index < len(files) and len(pending) - start >= files[index]["size"]:
                        entry, stop = files[index], start + files[index]["size"]
                        data = bytes(pending[start:stop])
                        if hashlib.sha256(data).hexdigest() == entry["content_hash"]:
                            got[entry["path"]] = (entry["content_hash"], data)
                        index, start = index + 1, stop
                    del pending[:start]
            return got

        return _guard(self.server, fetch)

    def download_to(self, path: str, out: BinaryIO, content_hash: str) -> None:
        """Stream a file into `out` (a temp file), verifying its hash as it arrives."""
        digest = hashlib.sha256()
        url = f"/api/v1/sync/download/{quote(path, safe='')}"
        httpx_client = self.client.get_httpx_client()

        def fetch() -> None:
            with httpx_client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise SyncError(f"downloading {path} failed ({response.status_code})")
                for block in response.iter_bytes(1024 * 1024):
                    digest.update(block)
                    out.write(block)

        _guard(self.server, fetch)
        if digest.hexdigest() != content_hash:
            raise SyncError(f"{path} arrived with other bytes than announced; will retry")
