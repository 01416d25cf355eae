"""Our RFC 9110 range parser: one range clamped to the file; anything else the whole file."""

from __future__ import annotations

import pytest
from pinakes_server.ranges import ByteRange, Unsatisfiable, parse_range

SIZE = 22


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-0", ByteRange(0, 0)),
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=5-", ByteRange(5, 21)),
        ("bytes=-5", ByteRange(17, 21)),
        ("bytes=-100", ByteRange(0, 21)),  # a suffix longer than the file is all of it
        ("bytes=0-999", ByteRange(0, 21)),  # the end is clamped
        ("bytes=21-21", ByteRange(21, 21)),
        ("BYTES = 2-3", ByteRange(2, 3)),
        ("bytes=0-1,3-4", None),  # several ranges: the whole file
        ("bytes=0-1," + "0-1," * 5000 + "3-4", None),
        ("items=0-1", None),  # another unit
        ("bytes=5-2", None),  # malformed: ignored
        ("bytes=x-2", None),
        ("bytes=1-y", None),
        ("bytes=", None),
        ("bytes=-", None),
        ("bytes", None),
        ("bytes=٣-٤", None),  # non-ASCII digits are not digits here
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=22-", 22), ("bytes=100-200", 22), ("bytes=-0", 22), ("bytes=0-", 0), ("bytes=-5", 0)],
)
def test_unsatisfiable_ranges(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)
