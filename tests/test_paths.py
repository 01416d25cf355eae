"""The one library-path validator: canonical NFC, or a reason it is not a library path."""

from __future__ import annotations

import unicodedata

import pytest
from pinakes_server.storage.paths import InvalidPath, canonical_path


@pytest.mark.parametrize(
    "raw",
    ["a.txt", "dir/sub/file", ".hidden", "..data", "a..b", "%2e%2e%2f", "C:x", "x" * 255,
     "/".join(["d" * 100] * 10), "ünïcödé/名前.txt", "a b/c d"],
)  # fmt: skip
def test_valid_paths_come_back_in_nfc(raw: str) -> None:
    assert canonical_path(raw) == unicodedata.normalize("NFC", raw)


def test_nfd_becomes_nfc() -> None:
    assert canonical_path(unicodedata.normalize("NFD", "café/é.txt")) == "café/é.txt"


@pytest.mark.parametrize(
    "raw",
    [
        "", "/abs", "a//b", "a/", "./a", "a/./b", "../a", "a/..", "..\\x", "a\\b", "C:\\x",
        "\\\\srv\\s", "a\x00b", "a\nb", "a\x7fb", "a\x85b", "\u2025/x", "\uff0e\uff0e/x",
        "\uff0e/x", "a\uff0fb", "a\uff3cb", "x" * 256, "é" * 128, "/".join(["d" * 200] * 6),
        "a\udc80b",
    ],
)  # fmt: skip
def test_invalid_paths(raw: str) -> None:
    with pytest.raises(InvalidPath):
        canonical_path(raw)


def test_control_characters_are_exactly_unicode_category_cc() -> None:
    for code in range(0x110000):
        char = chr(code)
        is_control = unicodedata.category(char) == "Cc"
        try:
            canonical_path(f"a{char}b")
        except InvalidPath as exc:
            assert is_control == ("control character" in str(exc)), hex(code)
        else:
            assert not is_control, hex(code)
