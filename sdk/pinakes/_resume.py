"""Upload sessions begun and not yet completed, by file, kept on disk: a program that was
stopped (or killed) half-way resumes where it was when it uploads the same file again."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import uuid
from pathlib import Path


def default_directory() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "pinakes"


class Resumes:
    # Uploads of one program may run on several threads: each change is read, changed and
    # written whole under this lock, so no thread's record is lost to another's.
    _changing = threading.Lock()

    def __init__(self, directory: Path, identity: str) -> None:
        self._file = directory / "uploads.json"
        self._identity = identity

    def key(self, library_path: str, content_hash: str, size: int) -> str:
        """The same bytes to the same path by the same identity on the same server."""
        raw = f"{self._identity}\n{library_path}\n{content_hash}\n{size}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def get(self, key: str) -> uuid.UUID | None:
        found = self._read().get(key)
        return uuid.UUID(found) if found else None

    def put(self, key: str, session_id: uuid.UUID) -> None:
        with self._changing:
            self._write({**self._read(), key: str(session_id)})

    def drop(self, key: str) -> None:
        with self._changing:
            records = self._read()
            if records.pop(key, None) is not None:
                self._write(records)

    def _read(self) -> dict[str, str]:
        try:
            records = json.loads(self._file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return records if isinstance(records, dict) else {}

    def _write(self, records: dict[str, str]) -> None:
        """Whole or not at all: a temp file renamed over the old one."""
        self._file.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self._file.parent, prefix=".uploads-")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(records, handle)
            os.replace(temp, self._file)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
