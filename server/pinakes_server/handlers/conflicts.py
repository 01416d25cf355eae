"""Listing the user's unresolved conflicts and resolving one."""

from __future__ import annotations

import uuid

from sanic import HTTPResponse, Request

from .._generated import models
from ..services import conflicts, devices
from ..storage.tables import Conflict
from ..storage.units import unit
from .io import parse, principal, render
from .registry import operation


def conflict_view(row: Conflict) -> models.Conflict:
    return models.Conflict(
        id=row.id, path=row.path, old_path=row.old_path, device_id=row.device_id,
        change_type=models.ChangeType(row.change_type), local_hash=row.local_hash,
        local_size=row.local_size, local_mtime=row.local_mtime, server_hash=row.server_hash,
        server_version=row.server_version, clash_path=row.clash_path,
        clash_kind=models.ClashKind(row.clash_kind) if row.clash_kind else None,
        detected_at=row.detected_at,
        resolved_at=row.resolved_at,
        resolution=models.Resolution(row.resolution) if row.resolution else None,
    )  # fmt: skip


@operation("list_conflicts")
async def list_conflicts(request: Request) -> HTTPResponse:
    caller = principal(request)
    device_id = request.args.get("device_id")
    device = await unit(devices.get, caller, uuid.UUID(device_id)) if device_id else None
    return render([conflict_view(c) for c in await unit(conflicts.list_open, caller, device)])


@operation("resolve_conflict")
async def resolve_conflict(request: Request, id: str) -> HTTPResponse:
    body = parse(request, models.ResolveRequest)
    conflict, last_seq = await unit(
        conflicts.resolve, principal(request), uuid.UUID(id), body.resolution.value
    )
    if last_seq is not None:
        request.app.ctx.notifier.publish(conflict.user_id, last_seq)
    return render(conflict_view(conflict))
