"""Request ids, the one log line per request, and its request metrics.

Every response carries `X-Request-ID` (the caller's, when it is sane, else a new one) and a
problem+json body carries it as `request_id`, so one failing request can be found in the log.
The log line names the method, operation, status, duration, request id and user id: never a
token, a password or a body.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from http import HTTPStatus

import orjson
from sanic import HTTPResponse, Request

from . import metrics
from .errors import PROBLEM_JSON

SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Label values come from closed sets only: a client must not be able to mint new series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
KNOWN_STATUSES = frozenset(int(status) for status in HTTPStatus)
# The client went away before its answer was sent (nginx's figure): never a server error.
CLIENT_CLOSED = 499
log = logging.getLogger("pinakes.requests")
_json_lines = False  # PINAKES_LOG_FORMAT=json, set once at start-up


def setup_logging(json_lines: bool) -> None:
    """One line a request on stdout, as text (`key=value …`) or JSON (PINAKES_LOG_FORMAT)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    global _json_lines
    _json_lines = json_lines


def request_id(request: Request) -> str:
    found: str | None = getattr(request.ctx, "request_id", None)
    if found is None:
        offered = request.headers.get("x-request-id")
        found = offered if offered is not None and SANE_ID.fullmatch(offered) else uuid.uuid4().hex
        request.ctx.request_id = found
    return found


async def on_request(request: Request) -> None:
    request.ctx.started = time.perf_counter()
    request_id(request)


def stamp(request: Request, response: HTTPResponse) -> None:
    """The id on the response, and in its problem body if it is one."""
    rid = request_id(request)
    response.headers["X-Request-ID"] = rid
    if (response.content_type or "").startswith(PROBLEM_JSON) and response.body:
        problem = orjson.loads(response.body)
        problem["request_id"] = rid
        response.body = orjson.dumps(problem)


def log_request(request: Request, response: HTTPResponse) -> None:
    """The request's log line, and its count and duration in the metrics."""
    started = getattr(request.ctx, "started", None)
    operation = getattr(request.ctx, "operation", None)
    principal = getattr(request.ctx, "principal", None)
    operation_id = operation.operation_id if operation is not None else None
    seconds = time.perf_counter() - started if started else None
    status = CLIENT_CLOSED if client_gone(request) else response.status
    method = _method(request)
    metrics.REQUESTS.labels(operation_id or "none", method, _status(status)).inc()
    if seconds is not None:
        metrics.DURATION.labels(operation_id or "none").observe(seconds)
    fields = {
        "method": method,
        "operation": operation_id,
        "status": status,
        "duration_ms": round(seconds * 1000, 1) if seconds is not None else None,
        "request_id": request_id(request),
        "user_id": str(principal.user_id) if principal is not None else None,
    }
    if _json_lines:
        log.info(orjson.dumps(fields).decode())
    else:
        log.info(" ".join(f"{k}={v if v is not None else '-'}" for k, v in fields.items()))


def client_gone(request: Request) -> bool:
    """Whether the connection was lost before the answer could be sent (mid-body, say)."""
    return request.conn_info is not None and request.conn_info.lost


def _method(request: Request) -> str:
    return request.method if request.method in KNOWN_METHODS else "other"


def _status(status: int) -> str:
    return str(status) if status in KNOWN_STATUSES or status == CLIENT_CLOSED else "other"
