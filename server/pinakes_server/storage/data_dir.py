"""The data dir is the server's alone: files 0600 and folders 0700, whatever the umask it was
started with, so no other local user of the host reads a library (its database, staged
chunks, blobs, the JWT secret)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE, FILE_MODE = 0o700, 0o600
# What SQLite keeps beside its database: made with the database file's own mode.
DATABASE_FILES = ("pinakes.sqlite3", "pinakes.sqlite3-wal", "pinakes.sqlite3-shm")


def make_private(data_dir: Path) -> None:
    """For this process and what it creates from now on; an existing data dir is closed to
    others at once (its own mode shields what lies below; `check --repair` tightens that)."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(data_dir, FOLDER_MODE)
    for name in DATABASE_FILES:
        if (data_dir / name).exists():
            os.chmod(data_dir / name, FILE_MODE)


def loose(data_dir: Path) -> list[Path]:
    """Every folder and file under the data dir that others may read, write or enter."""
    found = []
    for folder, folders, files in os.walk(data_dir):
        for path in [Path(folder)] + [Path(folder, name) for name in files]:
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:  # a running server removed it meanwhile
                continue
            if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & PRIVATE_UMASK:
                found.append(path)
        folders.sort()
    return found


def tighten(paths: list[Path]) -> None:
    for path in paths:
        try:
            os.chmod(path, FOLDER_MODE if path.is_dir() else FILE_MODE)
        except FileNotFoundError:
            continue
