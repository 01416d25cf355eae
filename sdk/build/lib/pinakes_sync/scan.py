"""The folder as it is now: every regular file's size, mtime and hash (hashing only what moved),
and what was there but not looked into, so that it is never taken for a deletion."""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field

from .ignore import Ignore
from .local import TEMP_PREFIX, WALK_FLAGS, LocalFile, LocalFolder, Obstacle
from .state import STATE_DIR, Synced


@dataclass
class Scan:
    found: dict[str, LocalFile] = field(default_factory=dict)
    # Entries that exist but were not read: symlinks, special files, folders that could not
    # be opened, ignored paths. Nothing at or below them counts as deleted.
    unseen: set[str] = field(default_factory=set)

    def hides(self, path: str) -> bool:
        """Something at `path` or one of its folders was there but not looked into."""
        segments = path.split("/")
        return any(
            "/".join(segments[:depth]) in self.unseen for depth in range(1, len(segments) + 1)
        )


def scan(local: LocalFolder, known: dict[str, Synced], ignore: Ignore) -> Scan:
    """Walks the folder through descriptors (never following a symlink)."""
    result = Scan()
    root = local.open_root()
    try:
        _walk(local, root, "", known, ignore, result)
    finally:
        os.close(root)
    return result


def _walk(
    local: LocalFolder, fd: int, prefix: str, known: dict[str, Synced], ignore: Ignore, out: Scan
) -> None:
    with os.scandir(fd) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        if name.startswith(TEMP_PREFIX) or (not prefix and name == STATE_DIR):
            continue
        path = unicodedata.normalize("NFC", prefix + name)
        mode = entry.stat(follow_symlinks=False).st_mode
        if ignore.ignored(path, is_dir=stat.S_ISDIR(mode)):
            out.unseen.add(path)
        elif stat.S_ISDIR(mode):
            try:
                inner = os.open(name, WALK_FLAGS, dir_fd=fd)
            except OSError:
                out.unseen.add(path)
                continue
            try:
                _walk(local, inner, f"{path}/", known, ignore, out)
            finally:
                os.close(inner)
        elif stat.S_ISREG(mode):
            found = entry.stat(follow_symlinks=False)
            previous = known.get(path)
            if previous and (previous.size, previous.mtime_ns) == (
                found.st_size,
                found.st_mtime_ns,
            ):
                out.found[path] = LocalFile(previous.content_hash, found.st_size, found.st_mtime_ns)
                continue
            try:
                out.found[path] = local.hash(path)
            except (OSError, Obstacle):  # unreadable, or swapped for something else meanwhile
                out.unseen.add(path)
        else:
            out.unseen.add(path)  # a symlink, FIFO, socket or device: never read, never sent
