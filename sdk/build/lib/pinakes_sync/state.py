"""What a synced folder remembers in FOLDER/.pinakes/: its device, cursor and last-synced files."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

STATE_DIR = ".pinakes"


@dataclass
class Synced:
    """A path as of the last sync: the server's version, and what the file on disk was then."""

    version: int
    content_hash: str
    size: int
    mtime_ns: int


@dataclass
class PendingUpload:
    session_id: str
    content_hash: str


@dataclass
class Blocked:
    """A remote version this folder could not take (a local obstacle): kept, retried."""

    version: int
    content_hash: str | None  # None: a deletion
    size: int | None
    mtime: str | None  # RFC 3339, as the server gave it
    reason: str


@dataclass
class FolderState:
    server: str
    username: str
    device_id: str
    cursor: int | None = None  # None: never listed the library yet
    files: dict[str, Synced] = field(default_factory=dict)
    uploads: dict[str, PendingUpload] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)  # path → open conflict id
    # Remote changes not applied because the file was changed here: path → (version, hash or
    # None for a deletion). They apply once the conflict the local change makes is resolved.
    deferred: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    # Remote changes "not applied here": path → what to apply once the obstacle is gone.
    blocked: dict[str, Blocked] = field(default_factory=dict)

    @staticmethod
    def directory(folder: Path) -> Path:
        return folder / STATE_DIR

    @classmethod
    def load(cls, folder: Path) -> FolderState:
        path = cls.directory(folder) / "state.json"
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{folder} is not a pinakes-sync folder: run `pinakes-sync init` first"
            ) from None
        raw["files"] = {p: Synced(**f) for p, f in raw.get("files", {}).items()}
        raw["uploads"] = {p: PendingUpload(**u) for p, u in raw.get("uploads", {}).items()}
        raw["deferred"] = {p: (d[0], d[1]) for p, d in raw.get("deferred", {}).items()}
        raw["blocked"] = {p: Blocked(**b) for p, b in raw.get("blocked", {}).items()}
        return cls(**raw)

    def save(self, folder: Path) -> None:
        """Atomically: a crash leaves the old state or the new one, never half of one. (Saved
        after every page of a sync: built by hand, `asdict`'s deep copy took most of it.)"""
        plain = {
            **vars(self),
            "files": {path: vars(synced) for path, synced in self.files.items()},
            "uploads": {path: vars(upload) for path, upload in self.uploads.items()},
            "blocked": {path: vars(kept) for path, kept in self.blocked.items()},
        }
        write_private(self.directory(folder) / "state.json", json.dumps(plain, indent=1))


def write_private(path: Path, text: str) -> None:
    """Write, fsync and rename into place, readable by the owner only (0600)."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def token_path(folder: Path) -> Path:
    return FolderState.directory(folder) / "device-token"
