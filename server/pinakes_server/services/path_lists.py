"""A request's list of paths, each naming one file: a download batch naming a file a thousand
times would send its bytes a thousand times."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import ValidationFailed
from ..storage.paths import checked_path


def distinct_paths(raw_paths: Iterable[str], where: Callable[[int], str]) -> list[str]:
    """Each path canonical (else a 400 at `where(index)`); one that repeats an earlier one,
    however it is spelled (NFC or NFD), is a 400 naming both."""
    first: dict[str, int] = {}
    paths = []
    for index, raw in enumerate(raw_paths):
        path = checked_path(raw, where(index))
        if path in first:
            raise ValidationFailed.at(where(index), f"repeats {where(first[path])}")
        first[path] = index
        paths.append(path)
    return paths
