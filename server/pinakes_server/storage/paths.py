"""Library paths: the one canonicalising validator every operation that takes a path uses.

The server never opens a file by a client path (bytes live in the content-addressed blob
store); these rules keep paths portable and unambiguous for every device that syncs them.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import ValidationFailed
from .portable import unportable

MAX_PATH_BYTES = 1024
MAX_SEGMENT_BYTES = 255


class InvalidPath(ValueError):
    """Why a path is not a library path."""


# Unicode's control characters (category Cc) are exactly C0, DEL and C1.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_segment(segment: str) -> None:
    if not segment:
        raise InvalidPath("a segment is empty (a leading, trailing or doubled '/')")
    if segment in (".", ".."):
        raise InvalidPath(f"a segment may not be {segment!r}")
    if _CONTROL.search(segment):
        raise InvalidPath("it contains a control character")
    if "\\" in segment:
        raise InvalidPath("it contains a backslash")
    # Look-alikes that some client (or its file system) folds into '.', '/' or '\'.
    folded = unicodedata.normalize("NFKC", segment)
    if folded in (".", "..") or "/" in folded or "\\" in folded:
        raise InvalidPath("a segment reads as '.', '..', '/' or '\\' once normalised")
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise InvalidPath(f"a segment is over {MAX_SEGMENT_BYTES} bytes")


def canonical_path(raw: str) -> str:
    """The NFC form of a valid library path; InvalidPath otherwise."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPath("it is not valid UTF-8") from None
    path = unicodedata.normalize("NFC", raw)
    if not path:
        raise InvalidPath("it is empty")
    if path.startswith("/"):
        raise InvalidPath("it must be relative (no leading '/')")
    if len(path.encode("utf-8")) > MAX_PATH_BYTES:
        raise InvalidPath(f"it is over {MAX_PATH_BYTES} bytes in UTF-8")
    for segment in path.split("/"):
        _check_segment(segment)
    return path


def checked_path(raw: str, location: str) -> str:
    """canonical_path, or a 400 naming where the bad path came from."""
    try:
        return canonical_path(raw)
    except InvalidPath as exc:
        raise ValidationFailed.at(location, f"is not a library path: {exc}") from None


def refuse_unportable(path: str, location: str) -> None:
    """A 400 naming where a path that some device cannot hold came from."""
    if (reason := unportable(path)) is not None:
        raise ValidationFailed.at(location, f"is not a library path: {reason}")
