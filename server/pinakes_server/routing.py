"""Routes come from the contract: every operation (and its legacy alias) to its handler."""

from __future__ import annotations

import re
from collections import defaultdict

from sanic import HTTPResponse, Request, Sanic

from .handlers.registry import Handler
from .openapi.middleware import guard
from .openapi.spec import MULTI_SEGMENT_PARAMS, Operation

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def sanic_uri(template: str) -> str:
    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<{name}:path>" if name in MULTI_SEGMENT_PARAMS else f"<{name}:str>"

    return _PARAM.sub(convert, template)


def _route_name(template: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", template).strip("_") or "root"


def _dispatcher(by_method: dict[str, Handler]) -> Handler:
    async def dispatch(request: Request, **params: str) -> HTTPResponse | None:
        return await by_method[request.method](request, **params)

    return dispatch


def register_routes(app: Sanic, operations: list[Operation], handlers: dict[str, Handler]) -> None:
    """One Sanic route per contract path, so a 405 lists every method of the path in `Allow`.

    Start-up fails on an operation without a handler or a handler without an operation.
    """
    wanted = {op.operation_id for op in operations}
    if missing := sorted(wanted - handlers.keys()):
        raise RuntimeError(f"operations without a handler: {', '.join(missing)}")
    if extra := sorted(handlers.keys() - wanted):
        raise RuntimeError(f"handlers for no operation in the contract: {', '.join(extra)}")
    by_path: dict[str, list[Operation]] = defaultdict(list)
    for op in operations:
        by_path[op.path].append(op)
    for path, path_operations in by_path.items():
        dispatch = _dispatcher(
            {op.method: guard(op, handlers[op.operation_id]) for op in path_operations}
        )
        methods = [op.method for op in path_operations]
        uris = [path]
        if legacy := path_operations[0].legacy_path:
            uris.append(legacy)
        for uri in uris:
            app.add_route(
                dispatch,
                sanic_uri(uri),
                methods=methods,
                name=_route_name(uri),
                strict_slashes=True,
                stream=any(op.streaming for op in path_operations),
            )
