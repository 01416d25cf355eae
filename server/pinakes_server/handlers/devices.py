"""A user's devices: register, list, get, update, delete, regenerate the token."""

from __future__ import annotations

import uuid

from sanic import HTTPResponse, Request

from .._generated import models
from ..services import devices
from ..storage.tables import Device
from ..storage.units import unit
from .io import no_content, parse, principal, render
from .registry import operation


def device_view(device: Device) -> models.Device:
    return models.Device(
        id=device.id,
        name=device.name,
        device_type=models.DeviceType(device.device_type),
        os_info=device.os_info,
        client_version=device.client_version,
        enabled=device.enabled,
        sync_cursor=device.sync_cursor,
        last_seen_at=device.last_seen_at,
        last_sync_at=device.last_sync_at,
        created_at=device.created_at,
        updated_at=device.updated_at,
    )


@operation("register_device")
async def register_device(request: Request) -> HTTPResponse:
    body = parse(request, models.DeviceCreate)
    fields = body.model_dump(mode="json")
    device, token = await unit(devices.register, principal(request), fields)
    return render(models.DeviceRegistration(device=device_view(device), device_token=token))


@operation("list_devices")
async def list_devices(request: Request) -> HTTPResponse:
    return render([device_view(d) for d in await unit(devices.list_for, principal(request))])


@operation("get_device")
async def get_device(request: Request, id: str) -> HTTPResponse:
    return render(device_view(await unit(devices.get, principal(request), uuid.UUID(id))))


@operation("update_device")
async def update_device(request: Request, id: str) -> HTTPResponse:
    changes = parse(request, models.DeviceUpdate).model_dump(mode="json", exclude_unset=True)
    device = await unit(devices.update, principal(request), uuid.UUID(id), changes)
    return render(device_view(device))


@operation("delete_device")
async def delete_device(request: Request, id: str) -> HTTPResponse:
    await unit(devices.delete, principal(request), uuid.UUID(id))
    return no_content()


@operation("regenerate_device_token")
async def regenerate_device_token(request: Request, id: str) -> HTTPResponse:
    token = await unit(devices.regenerate_token, principal(request), uuid.UUID(id))
    return render(models.DeviceToken(device_token=token))
