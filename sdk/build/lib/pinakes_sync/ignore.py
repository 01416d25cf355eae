"""`.pinakesignore`: paths kept out of sync in both directions (gitignore syntax, via pathspec).

Ignored paths are not uploaded, not written here, and not deleted on either side. The
defaults come first, so a `!pattern` line in the file can bring one back; the folder's own
`.pinakes/` is always ignored.
"""

from __future__ import annotations

import pathspec

from .local import LocalFolder, Obstacle

IGNORE_FILE = ".pinakesignore"
DEFAULTS = (
    ".DS_Store",  # macOS Finder
    "Thumbs.db",  # Windows Explorer
    "desktop.ini",
    "~$*",  # Office lock files
    ".~lock.*#",  # LibreOffice lock files
    "*.swp",  # vim swap files
    "*.swo",
    "*~",  # editor backups
)


class Ignore:
    def __init__(self, lines: list[str] = []) -> None:  # noqa: B006 (never mutated)
        self._spec = pathspec.GitIgnoreSpec.from_lines([*DEFAULTS, *lines])

    @classmethod
    def load(cls, local: LocalFolder) -> Ignore:
        try:
            with local.open_read(IGNORE_FILE) as handle:
                text = handle.read(1024 * 1024).decode("utf-8", "replace")
        except (FileNotFoundError, Obstacle):
            return cls()
        return cls(text.splitlines())

    def ignored(self, path: str, is_dir: bool = False) -> bool:
        if path == ".pinakes" or path.startswith(".pinakes/"):
            return True
        return self._spec.match_file(f"{path}/" if is_dir else path)
