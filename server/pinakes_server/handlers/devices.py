"""A user's devices: register, list, get, update, delete, regenerate the token."""

from __future__ import annotations

import uuid

from sanic import HTTPResponse, Request

from .._generated import models
from ..services import devices
from ..services.units import quick_read, unit, write_unit
from .io import no_content, parse, principal, render
from .registry import operation


@operation("register_device")
async def register_device(request: Request) -> HTTPResponse:
    fields = parse(request, models.DeviceCreate).model_dump(mode="json")
    device, token = await write_unit(devices.register, principal(request), fields)
    return render({"device": device, "device_token": token})


@operation("list_devices")
async def list_devices(request: Request) -> HTTPResponse:
    return render(await quick_read(devices.list_for, principal(request)))


@operation("get_device")
async def get_device(request: Request, id: str) -> HTTPResponse:
    return render(await unit(devices.view, principal(request), uuid.UUID(id)))


@operation("update_device")
async def update_device(request: Request, id: str) -> HTTPResponse:
    changes = parse(request, models.DeviceUpdate).model_dump(mode="json", exclude_unset=True)
    return render(await write_unit(devices.update, principal(request), uuid.UUID(id), changes))


@operation("delete_device")
async def delete_device(request: Request, id: str) -> HTTPResponse:
    await write_unit(devices.delete, principal(request), uuid.UUID(id))
    return no_content()


@operation("regenerate_device_token")
async def regenerate_device_token(request: Request, id: str) -> HTTPResponse:
    token = await write_unit(devices.regenerate_token, principal(request), uuid.UUID(id))
    return render({"device_token": token})
