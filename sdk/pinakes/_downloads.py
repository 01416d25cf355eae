"""The byte work of downloads, done once for every caller (`download_file`, `download_to`,
pinakes-sync): streaming an answer into a handle while hashing it, what an interrupted download
left, and the framing of a download batch."""

from __future__ import annotations

import glob
import hashlib
import json
import os
from pathlib import Path
from typing import BinaryIO, NamedTuple
from urllib.parse import quote

import httpx

from ._uploads import READ_BLOCK, Progress, hash_into

BATCH_URL = "/api/v1/sync/download-batch"


def file_url(library_path: str) -> str:
    return f"/api/v1/sync/download/{quote(library_path, safe='')}"


class Fetched(NamedTuple):
    """A file of a download batch: its sha256 (checked) and its bytes."""

    content_hash: str
    data: bytes


def stream_into(
    answer: httpx.Response,
    out: BinaryIO,
    hasher: hashlib._Hash,
    have: int,
    size: int,
    progress: Progress | None,
) -> int:
    """The answer's body written to `out` and fed to `hasher`, after `have` bytes already
    there (of `size`); the length reached. Memory stays one block."""
    if progress is not None:
        progress(have, size)
    for block in answer.iter_bytes(READ_BLOCK):
        out.write(block)
        hasher.update(block)
        have += len(block)
        if progress is not None:
            progress(have, size)
    return have


def partial_of(part: Path, size: int) -> tuple[hashlib._Hash, int]:
    """The hash of what an interrupted download left, and its length (nothing usable when
    it is longer than the file)."""
    hasher = hashlib.sha256()
    try:
        with part.open("rb") as handle:
            have = hash_into(hasher, handle)
    except FileNotFoundError:
        return hasher, 0
    if have > size:
        return hashlib.sha256(), 0
    return hasher, have


def drop_older_parts(dest: Path, part: Path) -> None:
    """What interrupted downloads of other versions of `dest` left beside it: that version
    is not the one being fetched, so its bytes will not be resumed."""
    for older in dest.parent.glob(f".{glob.escape(dest.name)}.*.pinakes-part"):
        if older != part and len(older.name) == len(part.name):
            older.unlink(missing_ok=True)


def read_batch(answer: httpx.Response) -> dict[str, Fetched]:
    """A download batch's body (a JSON line naming each file and its size, then their bytes
    back to back): the files that came whole and hash to what the line says, by path."""
    got: dict[str, Fetched] = {}
    pending, files, index = bytearray(), None, 0
    for block in answer.iter_bytes(READ_BLOCK):
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
                got[entry["path"]] = Fetched(entry["content_hash"], data)
            index, start = index + 1, stop
        del pending[:start]
    return got


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
