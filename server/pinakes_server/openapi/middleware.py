"""The fixed stack around every routed operation: authenticate, validate, then (after) check.

Authentication and request validation wrap the handler rather than run as Sanic request
middleware: Sanic also runs request middleware while rendering an error raised before
dispatch (a 413 body, say), where validating the half-read request would mask that error.
"""

from __future__ import annotations

from functools import wraps

from sanic import HTTPResponse, Request

from .. import auth
from ..errors import ApiError, Unauthorized, render_error
from ..handlers.registry import Handler
from ..services import users
from .spec import AuthMode, Operation


def _principal(request: Request, mode: AuthMode) -> auth.Principal | None:
    """401 decided from the header alone, before any body is looked at."""
    if mode is AuthMode.NONE:
        return None
    token = auth.bearer_token(request.headers.get("authorization"))
    if token is None:
        if mode is AuthMode.REQUIRED:
            raise Unauthorized("a bearer token is required")
        return None
    return users.principal_for(request.app.ctx.tokens.decode(token))


def guard(operation: Operation, handler: Handler) -> Handler:
    """The handler, reached only by an authenticated request that the contract accepts."""

    @wraps(handler)
    async def guarded(request: Request, **params: str) -> HTTPResponse:
        request.ctx.operation = operation
        request.ctx.principal = _principal(request, operation.auth)
        request.app.ctx.contract.check_request(request, operation)
        return await handler(request, **params)

    return guarded


# A placeholder answer until an operation's issue lands; no operation documents it.
_UNDOCUMENTED_PLACEHOLDER = 501


async def after_response(request: Request, response: HTTPResponse) -> HTTPResponse | None:
    # Unset when the request failed before reaching an operation (404, 405, 413 …).
    operation: Operation | None = getattr(request.ctx, "operation", None)
    if operation is None or response.status == _UNDOCUMENTED_PLACEHOLDER:
        return None
    if request.conn_info is not None and request.conn_info.lost:
        return None  # the client has gone: there is nobody to answer

    try:
        request.app.ctx.contract.check_response(request, operation, response)
    except ApiError as exc:
        return render_error(exc)
    return None
