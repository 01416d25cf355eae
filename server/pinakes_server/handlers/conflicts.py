"""Listing the user's unresolved conflicts and resolving one."""

from __future__ import annotations

import uuid

from sanic import HTTPResponse, Request

from .._generated import models
from ..services import conflicts
from ..services.units import unit, write_unit
from .io import parse, principal, render
from .registry import operation


@operation("list_conflicts")
async def list_conflicts(request: Request) -> HTTPResponse:
    device_id = request.args.get("device_id")
    device = uuid.UUID(device_id) if device_id else None
    return render(await unit(conflicts.list_open, principal(request), device))


@operation("resolve_conflict")
async def resolve_conflict(request: Request, id: str) -> HTTPResponse:
    body = parse(request, models.ResolveRequest)
    caller = principal(request)
    conflict, last_seq = await write_unit(
        conflicts.resolve, caller, uuid.UUID(id), body.resolution.value
    )
    if last_seq is not None:
        request.app.ctx.notifier.publish(caller.user_id, last_seq)
    return render(conflict)
