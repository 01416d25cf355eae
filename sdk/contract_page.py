"""mkdocs hook: the contract page's operations, rendered from openapi/openapi.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
MARKER = "<!-- operations -->"


def on_page_markdown(markdown: str, **_: Any) -> str:
    if MARKER not in markdown:
        return markdown
    spec = json.loads(SPEC.read_text())
    lines = [f"Version {spec['info']['version']}.", ""]
    for path, item in spec["paths"].items():
        if path.startswith("/api/sync") or path.startswith("/api/auth"):
            continue  # the unversioned aliases of /api/v1/…
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            lines += [f"## `{method.upper()} {path}`", "", operation.get("summary", ""), ""]
            if description := operation.get("description"):
                lines += [description, ""]
            lines += ["| status | meaning |", "|---|---|"]
            for status, response in operation["responses"].items():
                meaning = str(response.get("description", "")).replace("\n", " ")
                lines.append(f"| {status} | {meaning} |")
            lines.append("")
    return markdown.replace(MARKER, "\n".join(lines))
