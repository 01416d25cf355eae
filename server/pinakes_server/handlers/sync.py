"""Report, change feed (with long-poll), live-file snapshot and ack."""

from __future__ import annotations

from sanic import HTTPResponse, Request

from .._generated import models
from ..services import feed, users
from ..services.notifier import ChangeNotifier
from ..services.report import report_changes as apply_changes
from ..services.units import quick_read, unit, write_unit
from .io import held_claims, parse, principal, render
from .registry import operation


def _int_arg(request: Request, name: str, default: int) -> int:
    """A query integer the contract has already checked."""
    value = request.args.get(name)
    return default if value is None else int(value)


def _notifier(request: Request) -> ChangeNotifier:
    return request.app.ctx.notifier


@operation("report_changes")
async def report_changes(request: Request) -> HTTPResponse:
    body = parse(request, models.ReportRequest)
    caller = principal(request)
    changes = [change.model_dump() for change in body.changes]
    answer, last_seq = await write_unit(apply_changes, caller, body.device_id, changes)
    if last_seq is not None:
        _notifier(request).publish(caller.user_id, last_seq)
    return render(answer)


@operation("get_changes")
async def get_changes(request: Request) -> HTTPResponse:
    caller = principal(request)
    cursor_arg = request.args.get("cursor")
    if cursor_arg is None:
        cursor = await unit(feed.default_cursor, caller)
    else:
        cursor = int(cursor_arg)
    limit = _int_arg(request, "limit", 100)
    wait = min(_int_arg(request, "wait", 0), request.app.ctx.config.long_poll_max_seconds)
    page = await unit(feed.changes_since, caller.user_id, cursor, limit)
    if not page.changes and wait > 0:
        claims = held_claims(request)
        await _notifier(request).wait(claims, cursor, wait)
        page = await unit(feed.changes_since, caller.user_id, cursor, limit)
        # Read, then checked: a change committed after a revocation is never handed over.
        await quick_read(users.principal_for, claims)
    return render(page)


@operation("list_files")
async def list_files(request: Request) -> HTTPResponse:
    caller = principal(request)
    after, limit = request.args.get("after"), _int_arg(request, "limit", 500)
    return render(await unit(feed.live_files, caller.user_id, after, limit))


@operation("ack_changes")
async def ack_changes(request: Request) -> HTTPResponse:
    body = parse(request, models.AckRequest)
    return render(
        await write_unit(feed.acknowledge, principal(request), body.device_id, body.cursor)
    )
