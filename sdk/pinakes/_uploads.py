"""The byte work of uploads, done once for every caller (`upload_file`, pinakes-sync): hashing a
source, cutting it into a session's chunks, each sent with its `Content-Digest`, and the body
of a batch of small files."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from pinakes_client.api.uploads import upload_chunk
from pinakes_client.models import (
    BatchItem,
    BatchManifest,
    ChunkReceipt,
    UploadBatchBody,
    UploadSession,
)
from pinakes_client.types import File

from ._calls import Caller
from .errors import FileChanged

Opener = Callable[[], AbstractContextManager[BinaryIO]]
"""Opens the bytes to send, afresh each time it is called (a chunk is read through its own
handle, so chunks can go in parallel): `open(path, "rb")`, or a descriptor-safe opener."""

Source = str | os.PathLike[str] | Opener
"""A local file's path, or an `Opener` of its bytes."""

Progress = Callable[[int, int], None]
"""`progress(done_bytes, total_bytes)`, called as a transfer goes (never going back)."""

READ_BLOCK = 1024 * 1024
OCTETS = "application/octet-stream"


def opener_of(source: Source) -> Opener:
    """A path as the opener of its bytes (an opener as itself)."""
    if callable(source):
        return source
    path = Path(source)
    return lambda: path.open("rb")


def sha256_of(source: Source) -> tuple[str, int]:
    """The sha256 (hex, what the server calls a content hash) and the length of a file, or
    of what an opener opens (read a block at a time)."""
    hasher = hashlib.sha256()
    with opener_of(source)() as handle:
        size = hash_into(hasher, handle)
    return hasher.hexdigest(), size


def hash_into(hasher: hashlib._Hash, handle: BinaryIO) -> int:
    """The rest of `handle` fed to `hasher` a block at a time; how many bytes that was."""
    size = 0
    while block := handle.read(READ_BLOCK):
        hasher.update(block)
        size += len(block)
    return size


def content_digest(data: bytes) -> str:
    """RFC 9530 `Content-Digest` of a body."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"


def send_chunks(
    caller: Caller,
    upload: UploadSession,
    source: Opener,
    parallel: int,
    progress: Progress | None,
) -> int:
    """The chunks `upload` lacks, read from `source`, `parallel` at a time; the bytes sent.
    FileChanged when a chunk reads shorter or longer than the session says (the file is
    no longer the size it was announced at)."""
    missing = sorted(set(range(upload.chunk_count)) - set(upload.received_chunks))
    done, sent, lock = upload.bytes_received, 0, threading.Lock()
    if progress is not None:
        progress(done, upload.expected_size)

    def send(index: int) -> None:
        nonlocal done, sent
        start = index * upload.chunk_size
        with source() as handle:
            handle.seek(start)
            data = handle.read(upload.chunk_size)
        if len(data) != min(upload.chunk_size, upload.expected_size - start):
            raise FileChanged(f"{upload.target_path}: the local file changed while it was sent")
        caller.call(
            lambda client: upload_chunk.sync_detailed(
                upload.id, index, client=client, body=File(payload=BytesIO(data)),
                content_digest=content_digest(data),
            ),
            ChunkReceipt,
        )  # fmt: skip
        with lock:
            done, sent = done + len(data), sent + len(data)
            if progress is not None:
                progress(done, upload.expected_size)

    if parallel <= 1:
        for index in missing:
            send(index)
    else:
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(send, missing))  # the first failure is raised here
    return sent


def batch_body(items: Sequence[tuple[BatchItem, bytes]]) -> UploadBatchBody:
    """A batch upload's multipart body: the manifest, then each file's bytes in its order
    (made afresh for every attempt: a retry sends the bytes again)."""
    return UploadBatchBody(
        manifest=BatchManifest(items=[item for item, _ in items]),
        files=[
            File(payload=BytesIO(data), file_name=str(i), mime_type=OCTETS)
            for i, (_, data) in enumerate(items)
        ],
    )
