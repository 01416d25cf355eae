"""The fixed stack around every routed operation: authenticate, validate, then (after) check.

Authentication and request validation wrap the handler rather than run as Sanic request
middleware: Sanic also runs request middleware while rendering an error raised before
dispatch (a 413 body, say), where validating the half-read request would mask that error.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import unquote

from sanic import HTTPResponse, Request

from .. import auth
from ..errors import ApiError, Unauthorized, ValidationFailed, render_error
from ..handlers.registry import Handler
from ..observability import client_gone, log_request, stamp
from ..services import users
from ..services.units import quick_read, unit
from .spec import MULTI_SEGMENT_PARAMS, AuthMode, Operation


async def _principal(request: Request, mode: AuthMode) -> auth.Principal | None:
    """401 decided from the header alone, before any body is looked at. The verified claims
    stay on the request (`ctx.claims`) for a handler that holds it open."""
    request.ctx.claims = None
    if mode is AuthMode.NONE:
        return None
    if mode is AuthMode.METRICS:
        auth.check_metrics_token(
            request.app.ctx.config.metrics_token, request.headers.get("authorization")
        )
        return None
    token = auth.bearer_token(request.headers.get("authorization"))
    if token is None:
        if mode is AuthMode.REQUIRED:
            raise Unauthorized("a bearer token is required")
        return None
    request.ctx.claims = claims = request.app.ctx.tokens.decode(token)
    principal, seen_due = await quick_read(users.principal_for, claims)
    if seen_due:
        await unit(users.mark_seen, principal.device_id)
    return principal


def _decoded(raw_params: dict[str, str]) -> dict[str, str]:
    params = dict(raw_params)
    for name in MULTI_SEGMENT_PARAMS & params.keys():
        try:
            params[name] = unquote(params[name], errors="strict")
        except UnicodeDecodeError:
            raise ValidationFailed.at(f"path.{name}", "is not percent-encoded UTF-8") from None
    return params


def guard(operation: Operation, handler: Handler) -> Handler:
    """The handler, reached only by an authenticated request that the contract accepts."""

    @wraps(handler)
    async def guarded(request: Request, **raw_params: str) -> HTTPResponse | None:
        request.ctx.operation = operation
        request.ctx.principal = await _principal(request, operation.auth)
        request.ctx.params = params = _decoded(raw_params)
        request.app.ctx.contract.check_request(request, operation, params)
        return await handler(request, **params)

    return guarded


async def after_response(request: Request, response: HTTPResponse) -> HTTPResponse | None:
    """Every response: its request id, the contract check (operations only), a log line."""
    stamp(request, response)
    final = response
    # Unset when the request failed before reaching an operation (404, 405, 413 …).
    operation: Operation | None = getattr(request.ctx, "operation", None)
    if operation is not None and not client_gone(request):  # (nobody to answer once gone)
        try:
            request.app.ctx.contract.check_response(request, operation, response)
        except ApiError as exc:
            final = render_error(exc)
            stamp(request, final)
    log_request(request, final)
    return None if final is response else final
