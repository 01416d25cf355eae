"""Report, change feed (with long-poll), live-file snapshot and ack."""

from __future__ import annotations

import uuid

from sanic import HTTPResponse, Request

from .._generated import models
from ..services import devices, feed
from ..services.notifier import ChangeNotifier
from ..services.report import apply_report, checked_change
from ..storage.paths import checked_path
from ..storage.tables import ChangeLog, FileState
from ..storage.units import unit
from .conflicts import conflict_view
from .io import parse, principal, render
from .registry import operation


def change_view(row: ChangeLog) -> models.Change:
    return models.Change(
        seq=row.seq, path=row.path, change_type=models.ChangeType(row.change_type),
        content_hash=row.content_hash, size=row.size, mtime=row.mtime, version=row.version,
        old_path=row.old_path, device_id=row.device_id, timestamp=row.timestamp,
    )  # fmt: skip


def file_view(row: FileState) -> models.FileEntry:
    return models.FileEntry(
        path=row.path, version=row.version, content_hash=row.content_hash, size=row.size,
        mtime=row.mtime,
    )  # fmt: skip


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
    device = await unit(devices.acting_device, caller, body.device_id, "body.device_id")
    changes = [checked_change(i, change.model_dump()) for i, change in enumerate(body.changes)]
    result = await unit(apply_report, caller.user_id, device.id, changes)
    if result.last_seq is not None:
        _notifier(request).publish(caller.user_id, result.last_seq)
    return render(
        models.ReportResult(
            accepted=[
                models.AcceptedChange(
                    path=a.path, stored_path=a.stored_path, version=a.version, seq=a.seq
                )
                for a in result.accepted
            ],
            conflicts=[conflict_view(c) for c in result.conflicts],
            upload_required=result.upload_required,
        )
    )


@operation("get_changes")
async def get_changes(request: Request) -> HTTPResponse:
    caller = principal(request)
    default_cursor = 0
    if caller.device_id is not None:
        default_cursor = (await unit(devices.get, caller, caller.device_id)).sync_cursor
    cursor = _int_arg(request, "cursor", default_cursor)
    limit = _int_arg(request, "limit", 100)
    wait = min(_int_arg(request, "wait", 0), request.app.ctx.config.long_poll_max_seconds)
    page = await unit(feed.changes_since, caller.user_id, cursor, limit)
    if not page.changes and wait > 0:
        await _notifier(request).wait(caller.user_id, cursor, wait)
        page = await unit(feed.changes_since, caller.user_id, cursor, limit)
    return render(
        models.ChangesPage(
            changes=[change_view(c) for c in page.changes],
            cursor=page.cursor,
            has_more=page.has_more,
        )
    )


@operation("list_files")
async def list_files(request: Request) -> HTTPResponse:
    caller = principal(request)
    after = request.args.get("after")
    if after is not None:
        after = checked_path(after, "query.after")
    page = await unit(feed.live_files, caller.user_id, after, _int_arg(request, "limit", 500))
    return render(
        models.FilesPage(
            files=[file_view(f) for f in page.files],
            next_after=page.next_after,
            cursor=page.cursor,
        )
    )


@operation("ack_changes")
async def ack_changes(request: Request) -> HTTPResponse:
    body = parse(request, models.AckRequest)
    device = await unit(devices.acting_device, principal(request), body.device_id, "body.device_id")
    device = await unit(feed.acknowledge, device, body.cursor)
    return render(models.AckResult(device_id=uuid.UUID(str(device.id)), cursor=device.sync_cursor))
