"""How library paths are compared: the holdability rule's keys and folders (no I/O)."""

from __future__ import annotations

import unicodedata


def path_key(path: str) -> str:
    """What two paths are compared by: NFC of the Unicode case-folding. Paths with one key
    are one file on a case-insensitive disk (macOS, Windows), so live files never share one."""
    return unicodedata.normalize("NFC", path.casefold())


def folders_of(path: str) -> list[str]:
    """The proper ancestor folders of `path`, outermost first: `a/b/c` → `a`, `a/b`."""
    segments = path.split("/")
    return ["/".join(segments[:depth]) for depth in range(1, len(segments))]
