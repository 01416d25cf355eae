"""RFC 9110 byte ranges for downloads: one range honoured, anything else serves the whole file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The one requested range lies wholly past the end of the file (416)."""


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve, or None for the whole file.

    A missing, malformed or multi-range header, or another unit, means the whole file (200);
    RFC 9110 lets a server ignore what it does not serve. Linear in the header's length.
    """
    if header is None:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.partition("-")
    if not dash:
        return None
    start, end = _int(first), _int(last)
    if first.strip() == "":  # suffix range: the last `end` bytes
        if end is None:
            return None
        if end == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - end, 0), size - 1)
    if start is None or (last.strip() != "" and (end is None or end < start)):
        return None
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, size - 1 if end is None else min(end, size - 1))
