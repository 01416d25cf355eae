"""operationId → handler; the router checks it against the contract at start-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sanic import HTTPResponse

# None: the handler has streamed its response itself (request.respond).
Handler = Callable[..., Awaitable[HTTPResponse | None]]
HANDLERS: dict[str, Handler] = {}


def operation(*operation_ids: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for operation_id in operation_ids:
            if operation_id in HANDLERS:
                raise RuntimeError(f"two handlers for operation {operation_id!r}")
            HANDLERS[operation_id] = handler
        return handler

    return register
