"""Routes come from the contract: every operation (and its legacy alias) to its handler."""

from __future__ import annotations

import re

from sanic import Sanic

from .handlers.registry import Handler
from .openapi.middleware import guard
from .openapi.spec import Operation

# A library path may contain "/": the one multi-segment parameter, routed as Sanic's <…:path>.
MULTI_SEGMENT_PARAMS = {"path"}
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def sanic_uri(template: str) -> str:
    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<{name}:path>" if name in MULTI_SEGMENT_PARAMS else f"<{name}:str>"

    return _PARAM.sub(convert, template)


def register_routes(app: Sanic, operations: list[Operation], handlers: dict[str, Handler]) -> None:
    """Start-up fails on an operation without a handler or a handler without an operation."""
    wanted = {op.operation_id for op in operations}
    if missing := sorted(wanted - handlers.keys()):
        raise RuntimeError(f"operations without a handler: {', '.join(missing)}")
    if extra := sorted(handlers.keys() - wanted):
        raise RuntimeError(f"handlers for no operation in the contract: {', '.join(extra)}")
    for op in operations:
        uris = [(op.path, op.operation_id)]
        if op.legacy_path is not None:
            uris.append((op.legacy_path, f"{op.operation_id}__legacy"))
        handler = guard(op, handlers[op.operation_id])
        for uri, name in uris:
            app.add_route(
                handler,
                sanic_uri(uri),
                methods=[op.method],
                name=name,
                strict_slashes=True,
                ctx_operation=op,
            )
