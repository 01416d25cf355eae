"""Resumable chunked uploads: sessions, chunks written in place, verified completion.

Chunks are written straight into one sparse staging file at `index * chunk_size` and recorded
in the database only once fdatasync'd. Requests on one session are serialised by flock on the
staging file: chunk writes share it, complete/cancel/the collector take it exclusively.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .. import metrics
from ..auth import Principal
from ..config import Config
from ..errors import ApiError, NotFound, ValidationFailed
from ..storage.blobs import BlobStore
from ..storage.db import write_transaction
from ..storage.paths import checked_path
from ..storage.tables import Conflict, UploadChunk, UploadSession, UserBlob, utcnow
from . import devices
from .ledger import lock_library
from .records import ChunkReceipt, ConflictRecord, SessionRecord, UploadedFile, UploadResult
from .report import Change, apply_report
from .running_hash import RUNNING
from .units import unit

OPEN = ("pending", "in_progress")
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
HASH_BLOCK = 1024 * 1024
RETRY_AFTER_SECONDS = 60
SWEEP_GRACE_SECONDS = 3600


class UploadLimit(ApiError):
    status, type, title = 429, "upload-limit", "Too many open uploads"


class InsufficientStorage(ApiError):
    status, type, title = 507, "insufficient-storage", "Insufficient storage"


class UploadExpired(ApiError):
    status, type, title = 410, "upload-expired", "Upload session expired"


class UploadClosed(ApiError):
    status, type, title = 409, "upload-closed", "Upload session closed"


class UploadIncomplete(ApiError):
    status, type, title = 400, "upload-incomplete", "Upload incomplete"


class HashMismatch(ApiError):
    status, type, title = 400, "hash-mismatch", "Hash mismatch"


class ChunkTooLarge(ApiError):
    status, type, title = 413, "payload-too-large", "Payload too large"


@dataclass
class Completion:
    result: UploadResult
    user_id: uuid.UUID
    last_seq: int | None = None  # set when completing changed the library


def create(
    config: Config,
    store: BlobStore,
    principal: Principal,
    device_id: uuid.UUID | None,
    target_path: str,
    expected_hash: str,
    expected_size: int,
    chunk_size: int | None,
    mtime: datetime | None,
    base_version: int | None,
) -> SessionRecord:
    device = devices.acting_device(principal, device_id, "body.device_id")
    target_path = checked_path(target_path, "body.target_path")
    if expected_size > config.max_file_size:
        raise ChunkTooLarge(f"files may be at most {config.max_file_size} bytes")
    chunk_size = chunk_size or DEFAULT_CHUNK_SIZE
    now = utcnow()
    with write_transaction():
        open_sessions = list(
            UploadSession.select(UploadSession.expected_size).where(
                (UploadSession.user == device.user_id)
                & UploadSession.status.in_(OPEN)
                & (UploadSession.expires_at > now)
            )
        )
        staged = sum(s.expected_size for s in open_sessions)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if len(open_sessions) >= config.max_open_uploads:
            raise UploadLimit(
                f"at most {config.max_open_uploads} open upload sessions", headers=retry
            )
        if staged + expected_size > config.max_staged_bytes:
            raise UploadLimit(f"at most {config.max_staged_bytes} bytes staged", headers=retry)
        if shutil.disk_usage(store.uploads).free < expected_size:
            raise InsufficientStorage("the server's disk has no room for this file")
        session = UploadSession.create(
            user=device.user_id,
            device=device.id,
            target_path=target_path,
            expected_hash=expected_hash,
            expected_size=expected_size,
            chunk_size=chunk_size,
            chunk_count=-(-expected_size // chunk_size),
            base_version=base_version,
            mtime=mtime,
            expires_at=now + timedelta(seconds=config.upload_ttl_seconds),
        )
        store.create_part(session.id, expected_size)
    return SessionRecord.of(session, [], 0)


def status(principal: Principal, session_id: uuid.UUID) -> SessionRecord:
    return session_record(find(principal, session_id))


def session_record(session: UploadSession) -> SessionRecord:
    return SessionRecord.of(session, *received(session))


def find(principal: Principal, session_id: uuid.UUID) -> UploadSession:
    """The caller's session; 404 for anyone else's, 410 once it has expired."""
    session = UploadSession.get_or_none(
        (UploadSession.id == session_id) & (UploadSession.user == principal.user_id)
    )
    if session is None:
        raise NotFound(f"no upload session {session_id}")
    if session.status in OPEN and session.expires_at <= utcnow():
        UploadSession.update(status="expired").where(UploadSession.id == session.id).execute()
        session.status = "expired"
    if session.status == "expired":
        raise UploadExpired("the upload session expired: start a new one")
    return session


def open_count() -> int:
    """Open upload sessions in the store, all users' (expired ones not yet collected aside)."""
    return (
        UploadSession.select()
        .where(UploadSession.status.in_(OPEN) & (UploadSession.expires_at > utcnow()))
        .count()
    )


def received(session: UploadSession) -> tuple[list[int], int]:
    """Indexes of the stored chunks (ascending) and their total size."""
    rows = list(
        UploadChunk.select(UploadChunk.index, UploadChunk.size)
        .where(UploadChunk.session == session.id)
        .order_by(UploadChunk.index)
    )
    return [r.index for r in rows], sum(r.size for r in rows)


def chunk_length(session: UploadSession, index: int) -> int:
    return min(session.chunk_size, session.expected_size - index * session.chunk_size)


_DIGEST = re.compile(r"(?:^|,)\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):\s*(?:,|$)")


def parse_digest(header: str | None) -> bytes | None:
    """The sha-256 of an RFC 9530 Content-Digest header; other algorithms are ignored."""
    if header is None:
        return None
    match = _DIGEST.search(header)
    if match is None:
        raise ValidationFailed.at("header.Content-Digest", "must carry sha-256=:<base64>:")
    try:
        digest = base64.b64decode(match.group(1), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != 32:
        raise ValidationFailed.at("header.Content-Digest", "sha-256 must be 32 base64 bytes")
    return digest


@contextlib.asynccontextmanager
async def locked(part: Path, exclusive: bool) -> AsyncIterator[int]:
    """flock on the staging file, waited for without blocking the event loop."""
    fd = os.open(part, os.O_RDWR)
    try:
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                await asyncio.sleep(0.01)
        yield fd
    finally:
        os.close(fd)


def _closed(session: UploadSession) -> UploadClosed:
    return UploadClosed(f"the upload session is {session.status}")


def _refresh(session: UploadSession) -> UploadSession:
    return UploadSession.get_by_id(session.id)


async def write_chunk(
    config: Config,
    store: BlobStore,
    principal: Principal,
    session_id: uuid.UUID,
    index: int,
    content_length: int | None,
    digest: bytes | None,
    body: AsyncIterator[bytes],
) -> ChunkReceipt:
    session = await unit(find, principal, session_id)
    if session.status not in OPEN:
        raise _closed(session)
    if index >= session.chunk_count:
        raise ValidationFailed.at(
            "path.index", f"must be below the session's chunk_count ({session.chunk_count})"
        )
    expected = chunk_length(session, index)
    if content_length is not None and content_length > session.chunk_size:
        raise ChunkTooLarge(f"a chunk of this session is at most {session.chunk_size} bytes")
    if content_length is not None and content_length != expected:
        raise ValidationFailed.at("body", f"chunk {index} must be exactly {expected} bytes")
    try:
        async with locked(store.part_path(session.id), exclusive=False) as fd:
            session = await unit(_refresh, session)
            if session.status not in OPEN:
                raise _closed(session)
            RUNNING.starting(store, session.id, index)  # no write begins unrecorded
            try:
                await _write_at(fd, index * session.chunk_size, expected, digest, body)
                await unit(_record_chunk, session, index, expected, config.upload_ttl_seconds)
            except BaseException:
                RUNNING.failed(session.id, index)
                raise
            # Still under the shared lock: complete cannot take the file away meanwhile.
            await RUNNING.landed(store, session.id, index, session.chunk_size)
    except FileNotFoundError:
        raise _closed(await unit(_refresh, session)) from None
    return ChunkReceipt(index, *await unit(received, session))


def _record_chunk(session: UploadSession, index: int, size: int, ttl_seconds: int) -> None:
    with write_transaction():
        UploadChunk.insert(session=session.id, index=index, size=size).on_conflict(
            conflict_target=[UploadChunk.session, UploadChunk.index],
            preserve=[UploadChunk.size],
        ).execute()
        session.status = "in_progress"
        session.expires_at = utcnow() + timedelta(seconds=ttl_seconds)
        session.save()


async def _write_at(
    fd: int, offset: int, expected: int, digest: bytes | None, body: AsyncIterator[bytes]
) -> None:
    # Hashed only against a Content-Digest: sha256 of every chunk would cost as much as
    # hashing the whole file again, on the event loop.
    hasher, written = (hashlib.sha256() if digest is not None else None), 0
    async for data in body:
        if written + len(data) > expected:
            raise ChunkTooLarge(f"the chunk is longer than {expected} bytes")
        os.pwrite(fd, data, offset + written)
        if hasher is not None:
            hasher.update(data)
        written += len(data)
    if written != expected:
        raise ValidationFailed.at("body", f"the chunk must be exactly {expected} bytes")
    if hasher is not None and hasher.digest() != digest:
        raise HashMismatch("the chunk does not match its Content-Digest")
    # Off the event loop: other connections' chunks keep arriving meanwhile.
    await asyncio.get_running_loop().run_in_executor(None, os.fdatasync, fd)
    metrics.UPLOADED.inc(written)


async def cancel(store: BlobStore, principal: Principal, session_id: uuid.UUID) -> None:
    session = await unit(find, principal, session_id)
    if session.status not in OPEN:
        raise _closed(session)
    try:
        async with locked(store.part_path(session.id), exclusive=True):
            session = await unit(_refresh, session)
            if session.status not in OPEN:
                raise _closed(session)
            await unit(_close, store, session, "cancelled")
    except FileNotFoundError:
        raise _closed(await unit(_refresh, session)) from None


@contextlib.contextmanager
def _try_lock(part: Path) -> Iterator[None]:
    """Exclusive, or BlockingIOError at once: the collector never waits for a busy session."""
    try:
        fd = os.open(part, os.O_RDWR)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def _close(store: BlobStore, session: UploadSession, status: str) -> None:
    with write_transaction():
        UploadChunk.delete().where(UploadChunk.session == session.id).execute()
        UploadSession.update(status=status).where(UploadSession.id == session.id).execute()
    store.remove_staged(session.id)
    RUNNING.forget(session.id)


def collect_expired(store: BlobStore) -> int:
    """Expire idle sessions and remove their chunks; sessions busy with a request are skipped."""
    collected = 0
    stale = UploadSession.select().where(
        UploadSession.status.in_(OPEN) & (UploadSession.expires_at <= utcnow())
    )
    for session in list(stale):
        try:
            with _try_lock(store.part_path(session.id)):
                if _refresh(session).status in OPEN:
                    _close(store, session, "expired")
                    collected += 1
        except BlockingIOError:
            continue
    return collected


def orphans(store: BlobStore, grace_seconds: float = SWEEP_GRACE_SECONDS) -> list[Path]:
    """Staging files of no open session, and blobs nobody owns or awaits.

    A blob an open session expects is kept: its owner row may be all a crash left undone.
    Files changed (created, written or renamed) within the grace period are kept too: another
    worker or instance on this data dir may be between writing one and committing its row.
    A staging file of a session that is closed goes at once: nothing writes to it again
    (a kill between closing a session and removing its files leaves such a file).
    """
    settled_before = time.time() - grace_seconds
    open_sessions = {
        s.id for s in UploadSession.select(UploadSession.id).where(UploadSession.status.in_(OPEN))
    }
    staged = [(session_id, path) for session_id, path in store.staged_sessions()
              if session_id not in open_sessions]  # fmt: skip
    closed = _known_sessions({session_id for session_id, _ in staged if session_id is not None})
    found = [
        path
        for session_id, path in staged
        if session_id in closed or _settled(path, settled_before)
    ]
    settled = [(h, path) for h, path in store.stored_hashes() if _settled(path, settled_before)]
    nobodys = set(unwanted([h for h, _ in settled]))
    return found + [path for h, path in settled if h in nobodys]


def unwanted(hashes: list[str]) -> list[str]:
    """Of these blobs, those no user owns and no open upload session awaits (a session stays
    open until its owner row commits, so an upload completing now keeps its blob)."""
    wanted = set()
    for start in range(0, len(hashes), 500):
        batch = hashes[start : start + 500]
        owned = UserBlob.select(UserBlob.content_hash).where(UserBlob.content_hash.in_(batch))
        awaited = UploadSession.select(UploadSession.expected_hash).where(
            UploadSession.expected_hash.in_(batch) & UploadSession.status.in_(OPEN)
        )
        wanted |= {row.content_hash for row in owned}
        wanted |= {row.expected_hash for row in awaited}
    return [h for h in hashes if h not in wanted]


def _known_sessions(session_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these sessions have a row (any status)."""
    if not session_ids:
        return set()
    query = UploadSession.select(UploadSession.id).where(UploadSession.id.in_(list(session_ids)))
    return {session.id for session in query}


def sweep(store: BlobStore, grace_seconds: float = SWEEP_GRACE_SECONDS) -> tuple[int, int]:
    """At start-up: the orphans go. Returns how many staging files and blobs."""
    swept = orphans(store, grace_seconds)
    for path in swept:
        path.unlink(missing_ok=True)
    blobs = sum(1 for path in swept if path.is_relative_to(store.blobs))
    return len(swept) - blobs, blobs


def _settled(path: Path, before: float) -> bool:
    """Unchanged since `before` (and still there: another worker may be sweeping too)."""
    try:
        return path.stat().st_ctime < before
    except FileNotFoundError:
        return False


def _hash_file(path: Path) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


def result_of(session: UploadSession) -> Completion:
    file = None
    if session.result_version is not None:
        file = UploadedFile(session.result_path or session.target_path, session.result_version,
                            session.expected_hash, session.expected_size)  # fmt: skip
    conflict = Conflict.get_or_none(Conflict.id == session.result_conflict)
    record = ConflictRecord.of(conflict) if conflict else None
    return Completion(UploadResult(session_record(session), file, record), session.user_id)


async def complete(store: BlobStore, principal: Principal, session_id: uuid.UUID) -> Completion:
    session = await unit(find, principal, session_id)
    if session.status == "completed":
        return await unit(result_of, session)
    if session.status not in OPEN:
        raise _closed(session)
    indexes, _ = await unit(received, session)
    missing = sorted(set(range(session.chunk_count)) - set(indexes))
    if missing:
        raise UploadIncomplete(f"{len(missing)} chunk(s) missing", missing_chunks=missing[:10_000])
    part = store.part_path(session.id)
    loop = asyncio.get_running_loop()
    try:
        async with locked(part, exclusive=True):
            session = await unit(_refresh, session)
            if session.status == "completed":
                return await unit(result_of, session)
            if session.status not in OPEN:
                raise _closed(session)
            running = await RUNNING.digest(store, session.id, session.chunk_count)
            if running is not None:
                content_hash, size = running, session.expected_size
            else:
                content_hash, size = await loop.run_in_executor(None, _hash_file, part)
            if (content_hash, size) != (session.expected_hash, session.expected_size):
                await unit(_close, store, session, "failed")
                raise HashMismatch(
                    f"the bytes hash to {content_hash} ({size} bytes), not the expected "
                    f"{session.expected_hash} ({session.expected_size} bytes); nothing was stored"
                )
            try:
                await loop.run_in_executor(None, store.promote, part, content_hash)
            except OSError:
                await unit(_restage, session)
                raise
            return await unit(_applied, store, session)
    except FileNotFoundError:
        # Killed between promoting the blob and committing? The bytes are then stored.
        session = await unit(_refresh, session)
        if session.status == "completed":
            return await unit(result_of, session)
        if session.status in OPEN and store.has(session.expected_hash):
            return await unit(_applied, store, session)
        raise _closed(session) from None


def _restage(session: UploadSession) -> None:
    """After a failed fsync (or rename) the staged bytes are not known to be on disk: every
    chunk is asked for again, so a retried `complete` answers which (upload-incomplete)."""
    with write_transaction():
        UploadChunk.delete().where(UploadChunk.session == session.id).execute()
    RUNNING.forget(session.id)


def _applied(store: BlobStore, session: UploadSession) -> Completion:
    """The stored blob's change applied; what is left of the staging goes (the journal)."""
    completion = _apply(session)
    store.remove_staged(session.id)
    RUNNING.forget(session.id)
    return completion


def _apply(session: UploadSession) -> Completion:
    """Own the blob and apply it to the target path like a reported change, in one transaction."""
    with write_transaction():
        lock_library(session.user_id)  # before the blob row too: one lock order everywhere
        UserBlob.insert(
            user=session.user_id, content_hash=session.expected_hash, size=session.expected_size
        ).on_conflict_ignore().execute()
        change = Change(
            path=session.target_path,
            change_type="modified",
            content_hash=session.expected_hash,
            size=session.expected_size,
            mtime=session.mtime,
            base_version=session.base_version or 0,
        )
        outcome = apply_report(session.user_id, session.device_id, [change])
        session.status = "completed"
        if outcome.accepted:
            session.result_version = outcome.accepted[0].version
            session.result_path = outcome.accepted[0].stored_path
        if outcome.conflicts:
            session.result_conflict = outcome.conflicts[0].id
        session.save()
    completion = result_of(session)
    completion.last_seq = outcome.last_seq
    return completion
