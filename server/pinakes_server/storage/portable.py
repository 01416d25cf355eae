"""Portable names (DESIGN.md "A library every device can hold"): what Windows cannot hold,
and what makes a name read as another one. Pure rules, so migrations can use them too.
"""

from __future__ import annotations

import re

_RESERVED = re.compile(
    r"(?:CON|PRN|AUX|NUL|COM[1-9\u00b9\u00b2\u00b3]|LPT[1-9\u00b9\u00b2\u00b3]) *(?:\.|$)", re.I
)
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_BIDI_CONTROL = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
# Each rule with the words a 400 says when a segment breaks it.
PORTABILITY_RULES = (
    (_RESERVED.match, "a segment is a name Windows reserves (CON, PRN, AUX, NUL, COM1-9, LPT1-9, "
     "with or without an extension)"),
    (lambda s: s.endswith((".", " ")), "a segment ends in a dot or a space"),
    (_WINDOWS_FORBIDDEN.search, 'it contains a character Windows forbids in names (< > : " | ? *)'),
    (_BIDI_CONTROL.search, "it contains a bidirectional control character"),
    (_INVISIBLE.search, "it contains a zero-width character or a byte order mark"),
)  # fmt: skip


def unportable(path: str) -> str | None:
    """Why some device cannot hold (or a person could misread) a library path; None if
    every device can. Paths stored before this rule may break it, so reading, deleting or
    moving away from one stays allowed: only a path that would be new is refused."""
    for segment in path.split("/"):
        for broken, reason in PORTABILITY_RULES:
            if broken(segment):
                return reason
    return None


def made_portable(segment: str) -> str:
    """`segment` with every portability rule met, at most one byte longer: forbidden and
    invisible characters and a trailing run of dots and spaces become `_`, a reserved stem
    gets `_` after it (`NUL.txt` → `NUL_.txt`)."""
    for rule in (_WINDOWS_FORBIDDEN, _BIDI_CONTROL, _INVISIBLE):
        segment = rule.sub("_", segment)
    stripped = segment.rstrip(". ")
    segment = stripped + "_" * (len(segment) - len(stripped))
    if reserved := _RESERVED.match(segment):
        stem = reserved.group(0).rstrip(". ")
        segment = f"{stem}_{segment[len(stem) :]}"
    return segment
