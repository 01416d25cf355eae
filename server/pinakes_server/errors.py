"""One small exception hierarchy; every error a client sees is rendered here as problem+json."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import peewee
from sanic import HTTPResponse, Request
from sanic.exceptions import PayloadTooLarge, RequestCancelled, SanicException

from . import metrics
from .storage.db import drop_connection

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("pinakes.errors")


class ApiError(Exception):
    """An error with a stable problem `type` slug that clients switch on."""

    status = 500
    type = "internal-error"
    title = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class ValidationFailed(ApiError):
    status, type, title = 400, "validation-failed", "Request validation failed"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, errors=errors or [])

    @classmethod
    def at(cls, location: str, message: str) -> ValidationFailed:
        """One issue at one location, e.g. `body.changes[3].path`."""
        return cls(f"{location}: {message}", [{"location": location, "message": message}])


class BadRequest(ApiError):
    status, type, title = 400, "bad-request", "Bad request"


class Unauthorized(ApiError):
    status, type, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="pinakes-sync"'})


class Forbidden(ApiError):
    status, type, title = 403, "forbidden", "Forbidden"


class UserTokenRequired(Forbidden):
    """What only a person signed in with a password may do: a device-bound token, even an
    admin's, is refused (a device gone rogue cannot act beyond itself)."""

    type, title = "user-token-required", "User token required"


class NotFound(ApiError):
    status, type, title = 404, "not-found", "Not found"


class Conflict(ApiError):
    status, type, title = 409, "conflict", "Conflict"


# Sanic's own exceptions (routing, body limits, timeouts) keep their status and get a slug.
_SANIC_SLUGS = {
    400: ("bad-request", "Bad request"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    408: ("request-timeout", "Request timeout"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    416: ("range-not-satisfiable", "Range not satisfiable"),
    503: ("service-unavailable", "Service unavailable"),
}


# A storage failure may pass once the disk or the database recovers: retry after this long.
STORAGE_RETRY_SECONDS = 5


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it was raised while handling: when SQLite's COMMIT fails on a
    full disk, SQLite rolls back itself and Peewee's own rollback then fails on top of it."""
    seen: BaseException | None = exc
    for _ in range(8):  # a chain may loop back on itself
        if seen is None:
            return
        yield seen
        seen = seen.__cause__ or seen.__context__


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(exc, peewee.OperationalError) and "full" in safe_str(exc)


def _storage_problem(exc: BaseException) -> HTTPResponse | None:
    """A full disk is 507; any other failure of the disk or database, 503 with Retry-After.

    Both come from below every handler (a write, an fsync, a rename, a commit), which raise
    before anything is applied: a transaction rolls back, a blob is renamed in last.
    """
    if any(map(_is_full, _chain(exc))):
        log.warning("storage is full: %s", safe_str(exc))
        metrics.STORAGE_FAILURES.labels("full").inc()
        return problem_response(
            507, "insufficient-storage", "Insufficient storage", "the server's disk is full"
        )
    if isinstance(exc, OSError | peewee.OperationalError | peewee.InterfaceError):
        log.error("storage failed: %s", safe_str(exc), exc_info=exc)
        metrics.STORAGE_FAILURES.labels("unavailable").inc()
        if not isinstance(exc, OSError):
            drop_connection()
        return problem_response(
            503, "storage-unavailable", "Storage unavailable",
            "the server's storage failed; nothing was applied, and the request may be retried",
            {"Retry-After": str(STORAGE_RETRY_SECONDS)},
        )  # fmt: skip
    return None


def problem_response(
    status: int,
    type_: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HTTPResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return HTTPResponse(
        orjson.dumps(body), status=status, headers=headers, content_type=PROBLEM_JSON
    )


def render_error(exc: BaseException) -> HTTPResponse:
    """Map any exception to problem+json; only ours and Sanic's say what went wrong."""
    if isinstance(exc, ApiError):
        return problem_response(
            exc.status, exc.type, exc.title, exc.detail, exc.headers, **exc.extra
        )
    if isinstance(exc, RequestCancelled):  # the client went away; nobody reads this answer
        return problem_response(503, "request-cancelled", "Request cancelled", "cancelled")
    if isinstance(exc, PayloadTooLarge) and safe_str(exc).startswith("Request header"):
        # Sanic reports an oversized head as 413; it is a malformed request, not a big body.
        return problem_response(400, "header-too-large", "Request head too large", safe_str(exc))
    if isinstance(exc, SanicException) and exc.status_code in _SANIC_SLUGS:
        slug, title = _SANIC_SLUGS[exc.status_code]
        headers = {k: str(v) for k, v in (getattr(exc, "headers", None) or {}).items()}
        return problem_response(exc.status_code, slug, title, safe_str(exc) or title, headers)
    if (storage := _storage_problem(exc)) is not None:
        return storage
    log.error("unhandled error", exc_info=exc)
    return problem_response(500, "internal-error", "Internal server error", "The server failed.")


async def handle_error(request: Request, exc: Exception) -> HTTPResponse:
    return render_error(exc)


def safe_str(exc: BaseException, limit: int = 300) -> str:
    """str() of third-party exceptions can itself raise (openapi-core on non-UTF-8 bodies)."""
    try:
        text = str(exc)
    except Exception:
        text = "the input could not be read"
    return text if len(text) <= limit else text[: limit - 1] + "…"
