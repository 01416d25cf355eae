"""Every problem the server answers, raised: `ProblemError`, and a subclass for each kind a
caller branches on. A server that cannot be reached is `ConnectionFailed`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any


class PinakesError(Exception):
    """Anything this package raises on purpose."""


class ConnectionFailed(PinakesError):
    """The server could not be reached (or the connection broke); nothing is known to have
    happened. Safe to retry: every call of this package can be repeated."""


class FileChanged(PinakesError):
    """A file changed while it was being moved, so nothing was stored: the local file while
    it was sent (it read shorter than announced), or the server's while it was fetched (it
    is another version now than the one asked for). Hash it (or look it up) again and retry."""


class ProblemError(PinakesError):
    """A problem+json answer (RFC 9457): `status`, `type` (the slug), `title`, `detail`,
    `errors` (which field failed, for validation problems), `retry_after` (seconds, when the
    server said when to come back), `request_id` (quote it to the server's operator)."""

    def __init__(
        self,
        status: int,
        type: str,
        title: str,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        retry_after: int | None = None,
        request_id: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {type}: {detail}")
        self.status, self.type, self.title, self.detail = status, type, title, detail
        self.errors = errors or []
        self.retry_after, self.request_id = retry_after, request_id
        self.body = body or {}


class Unauthorized(ProblemError):
    """401: a wrong password or token, or one that was revoked."""


class Forbidden(ProblemError):
    """403: signed in, but not allowed (another device's business, an admin's task)."""


class UserTokenRequired(Forbidden):
    """403 `user-token-required`: only a person signed in with a password may do this (register
    users or devices); a device's token, even an admin's, may not."""


class NotFound(ProblemError):
    """404: no such file, device, conflict or upload session (of yours)."""


class Gone(ProblemError):
    """410: it existed and is gone for good (an upload session that expired)."""


class CursorExpired(Gone):
    """410 `cursor-expired`: the feed was compacted past this cursor; list the library again
    (`files()`) and follow the feed from the cursor that listing gives."""


class HashMismatch(ProblemError):
    """400 `hash-mismatch`: the bytes are not the ones announced (the file changed while it
    was sent); nothing was stored."""


class TooManyRequests(ProblemError):
    """429: a limit was reached; `retry_after` says when to come back."""


_BY_TYPE: dict[str, type[ProblemError]] = {
    "cursor-expired": CursorExpired,
    "hash-mismatch": HashMismatch,
    "user-token-required": UserTokenRequired,
}
_BY_STATUS: dict[int, type[ProblemError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    410: Gone,
    429: TooManyRequests,
}


def problem_of(status: int, content: bytes, headers: Mapping[str, str]) -> ProblemError:
    """An answer as the exception it stands for (whatever its body, even none)."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        text = content[:200].decode("utf-8", "replace") or reason
        body = {"type": "about:blank", "title": reason, "detail": text}
    raw = headers.get("retry-after", "")
    kind = _BY_TYPE.get(str(body.get("type")), _BY_STATUS.get(status, ProblemError))
    return kind(
        status=status,
        type=str(body.get("type", "about:blank")),
        title=str(body.get("title", "")),
        detail=str(body.get("detail", "")),
        errors=body.get("errors") if isinstance(body.get("errors"), list) else None,
        retry_after=int(raw) if raw.isdigit() else None,
        request_id=headers.get("x-request-id"),
        body=body,
    )
