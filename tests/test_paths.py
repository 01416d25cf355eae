"""The one library-path validator: canonical NFC, or a reason it is not a library path."""

from __future__ import annotations

import unicodedata

import pytest
from pinakes_server.storage.paths import InvalidPath, canonical_path
from pinakes_server.storage.portable import PORTABILITY_RULES, made_portable, unportable

from .security.test_portable_names import BAD_NAMES

_REASONS = [reason for _, reason in PORTABILITY_RULES]


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


@pytest.mark.parametrize("path", BAD_NAMES, ids=[ascii(p) for p in BAD_NAMES])
def test_each_portability_rule_names_itself(path: str) -> None:
    assert canonical_path(path) == path  # a library path, but not one every device can hold
    assert unportable(path) == next(
        reason for reason in _REASONS if reason.startswith(BAD_NAMES[path])
    )
    assert unportable(f"ok/{path}/ok") == unportable(path)
    fixed = "/".join(made_portable(s) for s in path.split("/"))
    assert unportable(fixed) is None and len(fixed.encode()) <= len(path.encode()) + 1


@pytest.mark.parametrize(
    "path",
    ["CONSOLE.txt", "nul_.txt", "COM0", "COM10", "LPT", "a .txt", ".hidden", "..data", "a..b",
     "x.y.z", "emoji \U0001f600.txt", "\u05e9\u05dc\u05d5\u05dd.txt", "ascii-only"],
)  # fmt: skip
def test_portable_names_pass_unchanged(path: str) -> None:
    assert unportable(path) is None and made_portable(path) == path
