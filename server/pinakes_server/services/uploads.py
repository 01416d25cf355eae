"""Resumable chunked uploads: sessions, chunks staged in the blob store, verified completion.

A chunk is recorded in the database only once its bytes are stored durably (how, and how
requests on one session are kept apart, is the blob store's: a sparse file under flock, or an
object per chunk in a bucket). Whatever the store, every decision is re-checked on the
session's row inside the transaction that records it: a chunk is never recorded on a closed
session, and a session completes exactly once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import metrics
from ..auth import Principal
from ..config import Config
from ..errors import ApiError, NotFound, ValidationFailed
from ..storage.blob_store import BlobStore, SessionBusy, Staging, Stored
from ..storage.db import write_transaction
from ..storage.paths import checked_path, refuse_unportable
from ..storage.portable import unportable
from ..storage.tables import Conflict, FileState, UploadChunk, UploadSession, UserBlob, utcnow
from . import devices
from .ledger import lock_library
from .records import ChunkReceipt, ConflictRecord, SessionRecord, UploadedFile, UploadResult
from .report import Change, apply_report
from .units import unit, write_unit

OPEN = ("pending", "in_progress")
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
RETRY_AFTER_SECONDS = 60
SWEEP_GRACE_SECONDS = 3600


class UploadLimit(ApiError):
    status, type, title = 429, "upload-limit", "Too many open uploads"


class InsufficientStorage(ApiError):
    status, type, title = 507, "insufficient-storage", "Insufficient storage"


class UploadExpired(ApiError):
    status, type, title = 410, "upload-expired", "Upload session expired"


class UploadCancelled(ApiError):
    """GET of a cancelled session: it is gone, as tus answers after termination."""

    status, type, title = 410, "upload-cancelled", "Upload session cancelled"


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
    # A new path must be portable (asked early; completing the upload applies the same rule).
    if unportable(target_path) and not _live(device.user_id, target_path):
        refuse_unportable(target_path, "body.target_path")
    if expected_size > config.max_file_size:
        raise ChunkTooLarge(f"files may be at most {config.max_file_size} bytes")
    chunk_size = chunk_size or DEFAULT_CHUNK_SIZE
    if not store.has_room(expected_size):
        raise InsufficientStorage("the server's disk has no room for this file")
    session = UploadSession(
        id=uuid.uuid4(),
        user=device.user_id,
        device=device.id,
        target_path=target_path,
        expected_hash=expected_hash,
        expected_size=expected_size,
        chunk_size=chunk_size,
        chunk_count=-(-expected_size // chunk_size),
        base_version=base_version,
        mtime=mtime,
        expires_at=utcnow() + timedelta(seconds=config.upload_ttl_seconds),
    )
    # Staged before its row commits, outside the transaction: the write lock is held for the
    # statements only, and a session's row never lacks its staging.
    store.open_session(session.id, expected_size)
    try:
        _insert_within_limits(config, session)
    except BaseException:
        store.abandon_session(session.id)
        raise
    return SessionRecord.of(session, [], 0)


def _insert_within_limits(config: Config, session: UploadSession) -> None:
    """The new session's row, if the user's open sessions leave room for it (429 if not)."""
    with write_transaction():
        open_sessions = list(
            UploadSession.select(UploadSession.expected_size).where(
                (UploadSession.user == session.user_id)
                & UploadSession.status.in_(OPEN)
                & (UploadSession.expires_at > utcnow())
            )
        )
        staged = sum(s.expected_size for s in open_sessions)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if len(open_sessions) >= config.max_open_uploads:
            raise UploadLimit(
                f"at most {config.max_open_uploads} open upload sessions", headers=retry
            )
        if staged + session.expected_size > config.max_staged_bytes:
            raise UploadLimit(f"at most {config.max_staged_bytes} bytes staged", headers=retry)
        session.save(force_insert=True)


def _live(user_id: uuid.UUID, path: str) -> bool:
    return (
        FileState.select()
        .where((FileState.user == user_id) & (FileState.path == path) & ~FileState.deleted)
        .exists()
    )


def status(principal: Principal, session_id: uuid.UUID) -> SessionRecord:
    session = find(principal, session_id)
    if session.status == "cancelled":
        raise UploadCancelled("the upload session was cancelled: start a new one")
    return session_record(session)


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


def _closed(session: UploadSession) -> UploadClosed:
    return UploadClosed(f"the upload session is {session.status}")


def _refresh(session: UploadSession) -> UploadSession:
    return UploadSession.get_by_id(session.id)


def _locked_session(session_id: uuid.UUID) -> UploadSession:
    """The session's row, locked until the caller's transaction ends (on SQLite the write
    transaction holds the database already)."""
    UploadSession.update(status=UploadSession.status).where(
        UploadSession.id == session_id
    ).execute()
    return UploadSession.get_by_id(session_id)


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
        async with store.writing(staging_of(session), index) as chunk:
            session = await unit(_refresh, session)
            if session.status not in OPEN:
                raise _closed(session)
            try:
                await chunk.write(_checked(body, expected, digest))
                await write_unit(
                    _record_chunk, session.id, index, expected, chunk.object,
                    config.upload_ttl_seconds,
                )  # fmt: skip
            except BaseException:
                await chunk.failed()
                raise
            await chunk.landed()
    except FileNotFoundError:
        raise _closed(await unit(_refresh, session)) from None
    metrics.UPLOADED.inc(expected)
    return ChunkReceipt(index, *await unit(received, session))


async def _checked(
    body: AsyncIterator[bytes], expected: int, digest: bytes | None
) -> AsyncIterator[bytes]:
    """The body, raising before its end when it is not exactly the chunk (its length, its
    Content-Digest): a store keeps nothing of a chunk whose iterator raised."""
    # Hashed only against a Content-Digest: sha256 of every chunk would cost as much as
    # hashing the whole file again, on the event loop.
    hasher, received = (hashlib.sha256() if digest is not None else None), 0
    async for data in body:
        if received + len(data) > expected:
            raise ChunkTooLarge(f"the chunk is longer than {expected} bytes")
        if hasher is not None:
            hasher.update(data)
        received += len(data)
        if received < expected or hasher is None:
            yield data
            continue
        if hasher.digest() != digest:
            raise HashMismatch("the chunk does not match its Content-Digest")
        yield data
    if received != expected:
        raise ValidationFailed.at("body", f"the chunk must be exactly {expected} bytes")


def _record_chunk(
    session_id: uuid.UUID, index: int, size: int, name: str | None, ttl_seconds: int
) -> None:
    with write_transaction():
        session = _locked_session(session_id)
        if session.status not in OPEN:  # closed while the bytes were on their way
            raise _closed(session)
        UploadChunk.insert(session=session.id, index=index, size=size, object=name).on_conflict(
            conflict_target=[UploadChunk.session, UploadChunk.index],
            preserve=[UploadChunk.size, UploadChunk.object],
        ).execute()
        session.status = "in_progress"
        session.expires_at = utcnow() + timedelta(seconds=ttl_seconds)
        session.save()


async def cancel(store: BlobStore, principal: Principal, session_id: uuid.UUID) -> None:
    session = await unit(find, principal, session_id)
    if session.status not in OPEN:
        raise _closed(session)
    try:
        async with store.finishing(session.id):
            await write_unit(_close, session.id, "cancelled")
    except FileNotFoundError:
        raise _closed(await unit(_refresh, session)) from None
    await store.remove_staged([session.id])


def _close(session_id: uuid.UUID, status: str) -> None:
    """An open session closed with `status` (409 if it is closed already); its staged bytes
    are the caller's to remove, after."""
    with write_transaction():
        session = _locked_session(session_id)
        if session.status not in OPEN:
            raise _closed(session)
        UploadChunk.delete().where(UploadChunk.session == session.id).execute()
        UploadSession.update(status=status).where(UploadSession.id == session.id).execute()


def _stale() -> list[uuid.UUID]:
    query = UploadSession.select(UploadSession.id).where(
        UploadSession.status.in_(OPEN) & (UploadSession.expires_at <= utcnow())
    )
    return [session.id for session in query]


async def collect_expired(store: BlobStore) -> int:
    """Expire idle sessions and remove their chunks; sessions busy with a request are skipped."""
    collected = 0
    for session_id in await unit(_stale):
        try:
            async with store.finishing(session_id, wait=False):
                await write_unit(_close, session_id, "expired")
        except (SessionBusy, UploadClosed):
            continue
        await store.remove_staged([session_id])
        collected += 1
    return collected


async def orphans(store: BlobStore, grace_seconds: float = SWEEP_GRACE_SECONDS) -> list[Stored]:
    """Staging of no open session, and blobs nobody owns or awaits.

    A blob an open session expects is kept: its owner row may be all a crash left undone.
    What was written within the grace period is kept too: another worker or instance may be
    between writing it and committing its row. Staging of a session that is closed goes at
    once: nothing writes to it again (a kill between closing a session and removing its
    staged bytes leaves them).
    """
    found = await store.listing()
    return await unit(_orphans, found, grace_seconds)


def _orphans(found: list[Stored], grace_seconds: float) -> list[Stored]:
    open_sessions = {
        s.id for s in UploadSession.select(UploadSession.id).where(UploadSession.status.in_(OPEN))
    }
    staged = [s for s in found if s.content_hash is None and s.session_id not in open_sessions]
    closed = _known_sessions({s.session_id for s in staged if s.session_id is not None})
    settled = [s for s in found if s.content_hash is not None and s.age_seconds > grace_seconds]
    nobodys = set(unwanted([s.content_hash for s in settled if s.content_hash]))
    return [
        *(s for s in staged if s.session_id in closed or s.age_seconds > grace_seconds),
        *(s for s in settled if s.content_hash in nobodys),
    ]


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


async def sweep(store: BlobStore, grace_seconds: float = SWEEP_GRACE_SECONDS) -> tuple[int, int]:
    """At start-up: the orphans go. Returns how many staged objects and blobs."""
    swept = await orphans(store, grace_seconds)
    await store.remove(swept)
    blobs = sum(1 for stored in swept if stored.content_hash is not None)
    return len(swept) - blobs, blobs


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
    try:
        async with store.finishing(session.id):
            session = await unit(_refresh, session)
            if session.status == "completed":
                return await unit(result_of, session)
            if session.status not in OPEN:
                raise _closed(session)
            completion = await _assemble(store, session)
    except FileNotFoundError:
        # Killed between promoting the blob and committing? The bytes are then stored.
        session = await unit(_refresh, session)
        if session.status == "completed":
            return await unit(result_of, session)
        if not (session.status in OPEN and await store.has(session.expected_hash)):
            raise _closed(session) from None
        completion = await write_unit(_apply, session.id)
    await store.remove_staged([session.id])
    return completion


async def _assemble(store: BlobStore, session: UploadSession) -> Completion:
    """The staged bytes verified and stored as the blob, then applied."""
    staging = staging_of(session, await unit(_chunk_objects, session.id))
    try:
        content_hash, size = await store.assemble(staging)
    except OSError:
        await write_unit(_restage, session)
        raise
    if (content_hash, size) != (session.expected_hash, session.expected_size):
        await write_unit(_close, session.id, "failed")
        await store.remove_staged([session.id])
        raise HashMismatch(
            f"the bytes hash to {content_hash} ({size} bytes), not the expected "
            f"{session.expected_hash} ({session.expected_size} bytes); nothing was stored"
        )
    return await write_unit(_apply, session.id)


def staging_of(session: UploadSession, objects: list[str | None] | None = None) -> Staging:
    return Staging(session.id, session.chunk_size, session.chunk_count,
                   session.expected_hash, session.expected_size, objects or [])  # fmt: skip


def _chunk_objects(session_id: uuid.UUID) -> list[str | None]:
    query = UploadChunk.select(UploadChunk.object).where(UploadChunk.session == session_id)
    return [row.object for row in query.order_by(UploadChunk.index)]


def _restage(session: UploadSession) -> None:
    """After a failed fsync (or rename) the staged bytes are not known to be on disk: every
    chunk is asked for again, so a retried `complete` answers which (upload-incomplete)."""
    with write_transaction():
        UploadChunk.delete().where(UploadChunk.session == session.id).execute()


def _apply(session_id: uuid.UUID) -> Completion:
    """Own the blob and apply it to the target path like a reported change, in one
    transaction, once: a second `complete` racing this one gets the first one's result."""
    with write_transaction():
        session = UploadSession.get_by_id(session_id)
        lock_library(session.user_id)  # before the blob row too: one lock order everywhere
        session = _locked_session(session_id)
        if session.status == "completed":
            return result_of(session)
        if session.status not in OPEN:
            raise _closed(session)
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
            path_location="target_path",
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
