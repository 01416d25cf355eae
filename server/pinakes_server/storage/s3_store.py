"""The blob store in an S3-compatible bucket, shared by every instance (aiobotocore).

Layout under `s3://BUCKET/PREFIX/`: `blobs/<sha256>`, and `uploads/<session>/<index>.<write>`
for staged chunks: every write of a chunk is an object of its own, never overwritten, named in
the chunk's database row. So any instance may take any chunk, and `complete` composes exactly
the objects it hashed. Composing is server-side (UploadPartCopy, a part per chunk) when the
chunks are big enough to be parts (≥ 5 MiB, ≤ 10,000 of them); smaller ones are read back and
sent again as parts. The blob becomes visible only when its multipart upload completes, after
its hash was checked: by the running hash when this process fed every current chunk to it, else
by reading the chunks back. Every call to the store has a deadline (PINAKES_S3_TIMEOUT_SECONDS):
a store that is down or hangs makes the request a 503 with Retry-After, never a hung one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .. import metrics
from ..config import Config
from .blob_store import (
    READ_BLOCK,
    BlobMissing,
    BlobStore,
    ChunkWrite,
    SessionBusy,
    Staging,
    StoreBroken,
    Stored,
    StoreUnavailable,
)
from .s3_sessions import MAX_PARTS, Reader, S3Chunk, SessionsHere, composable, hash_block

T = TypeVar("T")
log = logging.getLogger("pinakes.storage")

SEND_PART = 8 * 1024 * 1024  # parts sent when chunks are too small to be copied as parts
COPIES_AT_ONCE = 8
PUTS_AT_ONCE = 8
_ABSENT = {"NoSuchKey", "404", "NotFound", "NoSuchUpload"}
_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}


class _Absent(Exception):
    """The object (or multipart upload) is not there."""


class S3Store(BlobStore):
    def __init__(self, config: Config) -> None:
        super().__init__(config.data_dir)
        self.bucket, _, prefix = config.blob_store.removeprefix("s3://").partition("/")
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self._endpoint = config.s3_endpoint_url
        self._region = config.s3_region
        self._timeout = config.s3_timeout_seconds
        self._client: Any = None
        self._context: Any = None
        self._making: asyncio.Lock | None = None  # made in the loop that uses it
        self.here = SessionsHere(self)
        self._finishing: dict[uuid.UUID, list[Any]] = {}  # a lock, and how many use it

    # Plumbing
    def _where(self) -> str:
        return f"s3://{self.bucket} at {self._endpoint or 'AWS'}"

    async def _s3(self) -> Any:
        """The client, made at first use (in the process, and the loop, that uses it), once
        even when the first calls come together."""
        if self._client is not None:
            return self._client
        self._making = self._making or asyncio.Lock()
        async with self._making:
            if self._client is not None:
                return self._client
            config = AioConfig(
                connect_timeout=self._timeout,
                read_timeout=self._timeout,
                retries={"max_attempts": 2, "mode": "standard"},
                # Integrity is ours to check (sha256 of every blob); a CRC32 of every
                # request and response on top costs CPU and proves nothing more.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                max_pool_connections=64,
                s3={"addressing_style": "path"},
            )
            context = get_session().create_client(
                "s3", endpoint_url=self._endpoint, region_name=self._region, config=config
            )
            self._client = await context.__aenter__()
            self._context = context
            return self._client

    async def _call(self, what: str, method: str, **params: Any) -> Any:
        """One call to the bucket (`method` of the S3 client) within the deadline."""

        async def call() -> Any:
            return await getattr(await self._s3(), method)(Bucket=self.bucket, **params)

        return await self._guarded(what, call())

    async def _guarded(self, what: str, call: Awaitable[T]) -> T:
        """`call` within the deadline. _Absent for a missing object; any other failure is
        StoreUnavailable (logged and counted)."""
        try:
            async with asyncio.timeout(self._timeout):
                return await call
        except ClientError as exc:
            if _code(exc) in _ABSENT:
                raise _Absent(what) from None
            raise self._unavailable(what, f"{_code(exc)}: {_message(exc)}") from None
        except TimeoutError:
            raise self._unavailable(what, f"no answer within {self._timeout} s") from None
        except (BotoCoreError, aiohttp.ClientError, OSError) as exc:
            raise self._unavailable(what, str(exc) or type(exc).__name__) from None

    def _unavailable(self, what: str, why: str) -> StoreUnavailable:
        log.error("storage failed: the blob store (%s) failed to %s: %s", self._where(), what, why)
        metrics.STORAGE_FAILURES.labels("unavailable").inc()
        return StoreUnavailable(f"the blob store failed to {what}")

    def blob_key(self, content_hash: str) -> str:
        return f"{self.prefix}blobs/{content_hash}"

    def staged_prefix(self, session_id: uuid.UUID) -> str:
        return f"{self.prefix}uploads/{session_id}/"

    async def check(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                s3 = await self._s3()
                await s3.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        except ClientError as exc:
            code = _code(exc)
            if code == "NoSuchBucket":
                raise StoreBroken(
                    f"the bucket of PINAKES_BLOB_STORE does not exist: {self._where()}"
                ) from None
            if code in _REFUSED:
                raise StoreBroken(
                    f"the S3 store refused the credentials ({code}): check AWS_ACCESS_KEY_ID "
                    f"and AWS_SECRET_ACCESS_KEY for {self._where()}"
                ) from None
            raise StoreBroken(f"cannot use {self._where()}: {code}: {_message(exc)}") from None
        except NoCredentialsError:
            raise StoreBroken(
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ) from None
        except (TimeoutError, BotoCoreError, aiohttp.ClientError, OSError) as exc:
            why = str(exc) or f"no answer within {self._timeout} s"
            raise StoreBroken(f"cannot reach the S3 store {self._where()}: {why}") from None

    async def close(self) -> None:
        if self._context is not None:
            context, self._context, self._client = self._context, None, None
            await context.__aexit__(None, None, None)

    def describe(self, content_hash: str) -> str:
        return f"s3://{self.bucket}/{self.blob_key(content_hash)}"

    # Blobs
    async def has(self, content_hash: str) -> bool:
        try:
            key = self.blob_key(content_hash)
            await self._call("look up a blob", "head_object", Key=key)
        except _Absent:
            return False
        return True

    async def read(self, content_hash: str, start: int, length: int) -> bytes:
        data = b"".join([block async for block in self.stream(content_hash, start, length)])
        return data

    async def stream(
        self, content_hash: str, start: int, length: int
    ) -> AsyncGenerator[bytes, None]:
        async for block in self.read_object(self.blob_key(content_hash), start, length):
            yield block

    async def read_object(
        self, key: str, start: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        """A range of an object (`None`: all of it) in blocks of at most READ_BLOCK;
        BlobMissing before the first when the object is not there, or after the last when it
        is shorter than the range."""
        if length == 0:
            if not await self._exists(key):
                raise BlobMissing(key)
            return
        ranged = {} if length is None else {"Range": f"bytes={start}-{start + length - 1}"}
        try:
            answer = await self._call("read a blob", "get_object", Key=key, **ranged)
        except _Absent:
            raise BlobMissing(key) from None
        body, received = answer["Body"], 0
        try:
            while length is None or received < length:
                block = await self._guarded("read a blob", body.read(READ_BLOCK))
                if not block:
                    if length is None:
                        return
                    raise BlobMissing(f"{key} is shorter than its recorded size")
                received += len(block)
                yield block
        finally:
            body.close()

    async def _exists(self, key: str) -> bool:
        try:
            await self._call("look up an object", "head_object", Key=key)
        except _Absent:
            return False
        return True

    async def put(self, key: str, data: bytes | bytearray, sha256: str | None = None) -> None:
        """As a stream: sent in pieces as the socket drains, never copied whole (into the
        transport's buffer, or by a BytesIO of a bytearray).

        A blob's PUT carries its sha256 (its name) for the store to check: SeaweedFS was seen
        to keep an *empty* object when a PUT it was too slow to answer was given up on, and a
        blob must never exist with other bytes than its name says. (A chunk's object may be
        cut short that way too: it is then never recorded, and goes with its session.)"""
        checked = {} if sha256 is None else {
            "ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256)).decode()
        }  # fmt: skip
        await self._call("store an object", "put_object", Key=key, Body=Reader(data), **checked)

    async def store_files(self, files: list[tuple[Path, str]]) -> None:
        """Each a PUT (durable once answered), a few at once."""
        limit = asyncio.Semaphore(PUTS_AT_ONCE)

        async def put_file(path: Path, content_hash: str) -> None:
            async with limit:
                data = await asyncio.to_thread(path.read_bytes)
                await self.put(self.blob_key(content_hash), data, sha256=content_hash)
            path.unlink(missing_ok=True)

        puts = [asyncio.ensure_future(put_file(path, h)) for path, h in files]
        try:
            await asyncio.gather(*puts)  # the first failure as itself (503), not as a group
        except BaseException:
            for put in puts:
                put.cancel()
            raise

    async def remove_blobs(self, hashes: list[str]) -> int:
        there = [h for h in hashes if await self.has(h)]
        await self.delete([self.blob_key(h) for h in there])
        return len(there)

    async def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = {"Objects": [{"Key": key} for key in keys[start : start + 1000]], "Quiet": True}
            await self._call("remove objects", "delete_objects", Delete=batch)

    # Upload sessions
    @contextlib.asynccontextmanager
    async def writing(self, session: Staging, index: int) -> AsyncIterator[ChunkWrite]:
        yield S3Chunk(self, session, index)

    @contextlib.asynccontextmanager
    async def finishing(self, session_id: uuid.UUID, wait: bool = True) -> AsyncIterator[None]:
        """Within this process only, so that two completes here do not both compose: across
        instances nothing needs holding (chunk objects are never overwritten, every decision
        is re-checked on the session's row, and a second assembly of a blob gives way)."""
        held = self._finishing.get(session_id)
        if held is None:
            held = self._finishing[session_id] = [asyncio.Lock(), 0]
        elif not wait and held[0].locked():
            raise SessionBusy(str(session_id))
        held[1] += 1
        try:
            async with held[0]:
                yield
        finally:
            held[1] -= 1
            if held[1] == 0:
                del self._finishing[session_id]

    async def assemble(self, session: Staging) -> tuple[str, int]:
        keys = [key for key in session.objects if key is not None]
        if len(keys) != session.chunk_count:  # staged before the store was S3
            raise OSError("the session's chunks are not in the bucket")
        running = self.here.digest(session.id, keys)
        stored = await self.has(session.expected_hash)
        if stored or (running is not None and running != session.expected_hash):
            await self.here.drop_assembly(session.id)
            found = running or await self._hash_objects(keys)
            return found, session.expected_size
        if running is not None and await self.here.finish_assembly(session.id, keys):
            await self._abandoned(self.blob_key(session.expected_hash))
            return running, session.expected_size
        found = await self._compose(session, keys, check=running is None)
        return found, session.expected_size

    async def _hash_objects(self, keys: list[str]) -> str:
        hasher = hashlib.sha256()
        for key in keys:
            async for block in self.read_object(key):
                await hash_block(hasher, block)
        return hasher.hexdigest()

    async def _compose(self, session: Staging, keys: list[str], check: bool) -> str:
        """The blob made from the chunk objects as one multipart upload, completed only when
        the bytes hash to the expected sha256 (hashed on the way when `check`)."""
        key = self.blob_key(session.expected_hash)
        if session.chunk_count == 0:
            found = hashlib.sha256(b"").hexdigest()
            if found == session.expected_hash:
                await self.put(key, b"", sha256=found)
            return found
        upload_id = await self.begin(key)
        try:
            if composable(session):
                copying = self._copy_parts(key, upload_id, keys)
                if check:
                    parts, found = await asyncio.gather(copying, self._hash_objects(keys))
                else:
                    parts, found = await copying, session.expected_hash
            else:
                parts, found = await self._send_parts(key, upload_id, keys, session.expected_size)
            if found != session.expected_hash:
                await self.abort(key, upload_id)
                return found
            await self.finish(key, upload_id, parts)
        except _Absent:  # another assembly of this blob finished first and cleared this one
            if not await self.has(session.expected_hash):
                raise self._unavailable("compose a blob", "its assembly was abandoned") from None
            return session.expected_hash if not check else await self._hash_objects(keys)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.abort(key, upload_id))
            raise
        await self._abandoned(key)
        return found

    async def _abandoned(self, key: str) -> None:
        """Earlier assemblies of this blob, which a killed instance left unfinished: the blob
        is whole now, so they go (one that is still running then fails, and its retry finds
        the blob stored)."""
        page = await self._call("list unfinished blobs", "list_multipart_uploads", Prefix=key)
        for upload in page.get("Uploads", []):
            if upload["Key"] == key:
                await self.abort(key, upload["UploadId"])

    async def begin(self, key: str) -> str:
        """A multipart upload of the blob `key`: its id."""
        upload = await self._call("begin a blob", "create_multipart_upload", Key=key)
        return str(upload["UploadId"])

    async def copy_part(self, key: str, upload_id: str, number: int, source: str) -> str:
        """Part `number` copied from the object `source`, inside the store: its ETag."""
        answer = await self._call(
            "compose a blob", "upload_part_copy", Key=key, UploadId=upload_id,
            PartNumber=number, CopySource={"Bucket": self.bucket, "Key": source},
        )  # fmt: skip
        return str(answer["CopyPartResult"]["ETag"])

    async def finish(self, key: str, upload_id: str, parts: list[dict]) -> None:
        """The blob made visible, whole."""
        await self._call("complete a blob", "complete_multipart_upload", Key=key,
                         UploadId=upload_id, MultipartUpload={"Parts": parts})  # fmt: skip

    async def _copy_parts(self, key: str, upload_id: str, sources: list[str]) -> list[dict]:
        limit = asyncio.Semaphore(COPIES_AT_ONCE)

        async def copy(number: int, source: str) -> dict:
            async with limit:
                return {"PartNumber": number,
                        "ETag": await self.copy_part(key, upload_id, number, source)}  # fmt: skip

        return list(await asyncio.gather(*(copy(n, s) for n, s in enumerate(sources, 1))))

    async def _send_parts(
        self, key: str, upload_id: str, sources: list[str], size: int
    ) -> tuple[list[dict], str]:
        """Chunks too small to be parts: read back in order, hashed, sent as parts."""
        part_size = max(SEND_PART, -(-size // MAX_PARTS))
        hasher, pending = hashlib.sha256(), bytearray()
        parts: list[dict] = []

        async def send(data: bytes) -> None:
            number = len(parts) + 1
            answer = await self._call(
                "compose a blob",
                "upload_part",
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=data,
            )
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})

        for source in sources:
            async for block in self.read_object(source):
                await hash_block(hasher, block)
                pending += block
                if len(pending) >= part_size:
                    await send(bytes(pending[:part_size]))
                    del pending[:part_size]
        if pending or not parts:
            await send(bytes(pending))
        return parts, hasher.hexdigest()

    async def abort(self, key: str, upload_id: str) -> None:
        with contextlib.suppress(_Absent):
            await self._call(
                "abandon a blob", "abort_multipart_upload", Key=key, UploadId=upload_id
            )

    async def remove_staged(self, session_ids: list[uuid.UUID]) -> None:
        for session_id in session_ids:
            await self.here.forget(session_id)
            found = await self._list(self.staged_prefix(session_id))
            await self.delete([key for key, _ in found])

    # What is there
    async def _list(self, prefix: str) -> list[tuple[str, datetime]]:
        found: list[tuple[str, datetime]] = []
        token: dict[str, str] = {}
        while True:
            page = await self._call("list objects", "list_objects_v2", Prefix=prefix, **token)
            found += [(item["Key"], item["LastModified"]) for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return found
            token = {"ContinuationToken": page["NextContinuationToken"]}

    async def listing(self) -> list[Stored]:
        now, found = time.time(), self._spool_listing()
        for key, modified in await self._list(self.prefix):
            age = now - modified.timestamp()
            name = key.removeprefix(self.prefix)
            if name.startswith("blobs/"):
                found.append(Stored(key, age, content_hash=name.removeprefix("blobs/")))
            else:
                found.append(Stored(key, age, session_id=_session_of(name)))
        marker: dict[str, str] = {}
        while True:  # assemblies a killed instance left unfinished
            page = await self._call(
                "list unfinished blobs", "list_multipart_uploads", Prefix=self.prefix, **marker
            )
            for upload in page.get("Uploads", []):
                age = now - upload["Initiated"].timestamp()
                found.append(Stored(upload["Key"], age, upload_id=upload["UploadId"]))
            if not page.get("IsTruncated"):
                return found
            marker = {
                "KeyMarker": page["NextKeyMarker"],
                "UploadIdMarker": page["NextUploadIdMarker"],
            }

    async def remove(self, found: list[Stored]) -> None:
        await self._remove_spooled(found)
        for stored in found:
            if stored.upload_id is not None:
                await self.abort(stored.name, stored.upload_id)
        await self.delete([s.name for s in found if not s.local and s.upload_id is None])

    async def hash_blob(self, content_hash: str) -> str:
        return await self._hash_objects([self.blob_key(content_hash)])


def _session_of(name: str) -> uuid.UUID | None:
    """The session a staged object's name holds (`uploads/<session>/…`), else None."""
    folder, _, rest = name.removeprefix("uploads/").partition("/")
    if not name.startswith("uploads/") or not rest:
        return None
    try:
        return uuid.UUID(folder)
    except ValueError:
        return None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
