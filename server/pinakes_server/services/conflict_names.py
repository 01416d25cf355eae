"""The sibling path keep_both stores the device's bytes at.

`{stem} (conflict {device name} {YYYY-MM-DD HHMMSS}){ext}`, shortened (device name first,
then stem, then extension) to fit a 255-byte segment and a 1024-byte path, numbered ` 2`,
` 3` … before `)` until the path is free; always a portable name (`made_portable`), whatever
the name it copies or the device's name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime
from itertools import count

from ..storage.paths import MAX_PATH_BYTES, MAX_SEGMENT_BYTES
from ..storage.portable import made_portable


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _safe_name(device_name: str) -> str:
    """Characters that may not stand in a path segment (or read as `/`, `\\`) become `_`."""

    def allowed(c: str) -> bool:
        folded = unicodedata.normalize("NFKC", c)
        return unicodedata.category(c) != "Cc" and "/" not in folded and "\\" not in folded

    return "".join(c if allowed(c) else "_" for c in unicodedata.normalize("NFC", device_name))


def split_name(name: str) -> tuple[str, str]:
    """(stem, ext) where ext is the last suffix; dotfiles and trailing dots have none."""
    dot = name.rfind(".")
    if dot <= 0 or dot == len(name) - 1:
        return name, ""
    return name[:dot], name[dot:]


def _shorten(parts: list[str], budget: int) -> list[str]:
    """Drop characters from the end of each part in turn until they fit in `budget` bytes."""
    parts = list(parts)
    for i in range(len(parts)):
        while sum(map(_bytes, parts)) > budget and parts[i]:
            parts[i] = parts[i][:-1]
    return parts


def conflict_copy_path(
    path: str, device_name: str, when: datetime, is_free: Callable[[str], bool], tail: str = ""
) -> str:
    """The copy's path for the last segment of `path`; `tail` (`/rest/of/it`, for a renamed
    folder) follows it and counts towards the path's length."""
    parent, _, name = path.rpartition("/")
    prefix = f"{parent}/" if parent else ""
    stem, ext = split_name(name)
    device = _safe_name(device_name)
    stamp = when.strftime("%Y-%m-%d %H%M%S")
    # made_portable may add a byte
    budget = min(MAX_SEGMENT_BYTES, MAX_PATH_BYTES - _bytes(prefix) - _bytes(tail)) - 1
    for number in count(1):
        suffix = f" {number}" if number > 1 else ""
        fixed = f" (conflict  {stamp}{suffix})"
        short_device, short_stem, short_ext = _shorten([device, stem, ext], budget - _bytes(fixed))
        label = f"{short_device} {stamp}" if short_device else stamp
        name = made_portable(f"{short_stem} (conflict {label}{suffix}){short_ext}")
        candidate = f"{prefix}{name}{tail}"
        if is_free(candidate):
            return candidate
    raise AssertionError("unreachable")
