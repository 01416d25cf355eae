"""The folder as it is now: every regular file's size, mtime and hash (hashing only what moved)."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .state import STATE_DIR, Synced

TEMP_PREFIX = ".pinakes-part-"
BLOCK = 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    content_hash: str
    size: int
    mtime_ns: int


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def library_path(folder: Path, path: Path) -> str:
    return unicodedata.normalize("NFC", path.relative_to(folder).as_posix())


def scan(folder: Path, known: dict[str, Synced]) -> dict[str, LocalFile]:
    found: dict[str, LocalFile] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not (root == str(folder) and d == STATE_DIR))
        for name in names:
            path = Path(root) / name
            if name.startswith(TEMP_PREFIX) or not path.is_file() or path.is_symlink():
                continue
            stat = path.stat()
            key = library_path(folder, path)
            previous = known.get(key)
            if previous and (previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                content_hash = previous.content_hash
            else:
                content_hash = hash_file(path)
            found[key] = LocalFile(content_hash, stat.st_size, stat.st_mtime_ns)
    return found
