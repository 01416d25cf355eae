"""Every Python example of the docs site (sdk/docs) runs, as it stands, against a live server:
each page's blocks in order, as one program, in a scratch folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import register
from .live import ROOT, LiveServer

DOCS = ROOT / "sdk" / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "```python" in p.read_text())
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PLACEHOLDER = '"http://127.0.0.1:8000"'


def test_the_guides_have_examples() -> None:
    """The control: the pages below are found (an empty list would test nothing)."""
    assert {p.relative_to(DOCS).as_posix() for p in PAGES} >= {
        "index.md", "guides/transfers.md", "guides/feed.md", "guides/conflicts.md",
        "guides/errors.md",
    }  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_a_page_runs_against_a_live_server(
    page: Path, server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = server_factory()
    assert register(server, "alice").status_code == 201  # the docs' user, first: the admin
    run_page(page, server, sys.executable, tmp_path)


def run_page(page: Path, server: LiveServer, python: str | Path, where: Path) -> str:
    """A page's blocks, in order, as one program run by `python` in `where` against
    `server` (where user alice is registered); what it printed."""
    program = "\n".join(BLOCK.findall(page.read_text()))
    assert PLACEHOLDER in program, "the page's first block names the server's URL"
    program = program.replace(PLACEHOLDER, repr(server.url))
    run = subprocess.run(
        [str(python), "-c", program], capture_output=True, text=True, cwd=where,
        env={**os.environ, "XDG_CACHE_HOME": str(where / "cache")}, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, f"{page.name}:\n{run.stdout}\n{run.stderr}"
    return run.stdout
