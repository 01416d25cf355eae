"""Library paths: the one canonicalising validator every operation that takes a path uses.

The server never opens a file by a client path (bytes live in the content-addressed blob
store); these rules keep paths portable and unambiguous for every device that syncs them.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import ValidationFailed

MAX_PATH_BYTES = 1024
MAX_SEGMENT_BYTES = 255


class InvalidPath(ValueError):
    """Why a path is not a library path."""


# Unicode's control characters (category Cc) are exactly C0, DEL and C1.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_segment(segment: str) -> None:
    if not segment:
        raise InvalidPath("has an empty segment (leading, trailing or doubled '/')")
    if segment in (".", ".."):
        raise InvalidPath(f"has a {segment!r} segment")
    if _CONTROL.search(segment):
        raise InvalidPath("contains a control character")
    if "\\" in segment:
        raise InvalidPath("contains a backslash")
    # Look-alikes that some client (or its file system) folds into '.', '/' or '\'.
    folded = unicodedata.normalize("NFKC", segment)
    if folded in (".", "..") or "/" in folded or "\\" in folded:
        raise InvalidPath("has a segment that reads as '.', '..', '/' or '\\' once normalised")
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        raise InvalidPath(f"has a segment over {MAX_SEGMENT_BYTES} bytes")


def canonical_path(raw: str) -> str:
    """The NFC form of a valid library path; InvalidPath otherwise."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPath("is not valid UTF-8") from None
    path = unicodedata.normalize("NFC", raw)
    if not path:
        raise InvalidPath("is empty")
    if path.startswith("/"):
        raise InvalidPath("must be relative (no leading '/')")
    if len(path.encode("utf-8")) > MAX_PATH_BYTES:
        raise InvalidPath(f"is over {MAX_PATH_BYTES} bytes")
    for segment in path.split("/"):
        _check_segment(segment)
    return path


def checked_path(raw: str, location: str) -> str:
    """canonical_path, or a 400 naming where the bad path came from."""
    try:
        return canonical_path(raw)
    except InvalidPath as exc:
        raise ValidationFailed.at(location, f"is not a library path: it {exc}") from None
