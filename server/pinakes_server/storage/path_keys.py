"""How library paths are compared: the holdability rule's keys and folders (no I/O)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1 << 16)  # a report asks for the same folders' keys again and again
def path_key(path: str) -> str:
    """What two paths are compared by: NFC of the Unicode case-folding. Paths with one key
    are one file on a case-insensitive disk (macOS, Windows), so live files never share one."""
    return unicodedata.normalize("NFC", path.casefold())


@lru_cache(maxsize=1 << 16)
def folders_of(path: str) -> tuple[str, ...]:
    """The proper ancestor folders of `path`, outermost first: `a/b/c` → `a`, `a/b`."""
    segments = path.split("/")
    return tuple("/".join(segments[:depth]) for depth in range(1, len(segments)))


class LiveSet:
    """Live paths held to the rule in memory, for a pass over a whole library (the upgrade
    that settles old clashes, `pinakes-server check`). Requests use the Ledger instead."""

    def __init__(self) -> None:
        self._files: dict[str, str] = {}  # key → path
        self._folders: dict[str, str] = {}  # key → stored path
        self._counts: dict[str, int] = {}  # key → live files below

    def clash(self, path: str) -> tuple[str, str] | None:
        """(the live path in the way, `file`|`case`|`folder`) or None."""
        for folder in folders_of(path):
            if (blocker := self._files.get(path_key(folder))) is not None:
                return blocker, "file"
        key = path_key(path)
        if (blocker := self._files.get(key)) is not None and blocker != path:
            return blocker, "case"
        if self._counts.get(key):
            return self._folders[key], "folder"
        return None

    def add(self, path: str) -> None:
        self._files[path_key(path)] = path
        for folder in folders_of(path):
            key = path_key(folder)
            self._folders.setdefault(key, folder)
            self._counts[key] = self._counts.get(key, 0) + 1

    def folders(self) -> list[tuple[str, str, int]]:
        """(key, stored path, live files below) of every folder."""
        return [(key, self._folders[key], n) for key, n in self._counts.items()]
