"""A user's devices. A device-bound token reads all of them but changes only itself."""

from __future__ import annotations

import uuid
from typing import Any

from ..auth import Principal
from ..errors import Forbidden, NotFound, UserTokenRequired, ValidationFailed
from ..storage.db import write_transaction
from ..storage.prepared import Prepared, slot
from ..storage.tables import Device, utcnow
from . import credentials
from .records import DeviceRecord

UPDATABLE = ("name", "enabled", "os_info", "client_version")


def register(principal: Principal, fields: dict[str, Any]) -> tuple[DeviceRecord, str]:
    if principal.device_id is not None:
        raise UserTokenRequired("registering a device needs the user's own (login) token")
    token, token_hash = credentials.new_device_token()
    with write_transaction():
        device = Device.create(user=principal.user_id, token_hash=token_hash, **fields)
    return DeviceRecord.of(device), token


_DEVICES_OF_USER = Prepared(
    lambda: (
        Device.select()
        .where(Device.user == slot("user", Device.user))
        .order_by(Device.created_at, Device.id)
    )
)


def list_for(principal: Principal) -> list[DeviceRecord]:
    return [DeviceRecord.of(d) for d in _DEVICES_OF_USER.instances(user=principal.user_id)]


def view(principal: Principal, device_id: uuid.UUID) -> DeviceRecord:
    return DeviceRecord.of(get(principal, device_id))


def get(principal: Principal, device_id: uuid.UUID) -> Device:
    """The caller's device; another user's is 404 like an unknown id, so an answer never says
    that an id exists."""
    device = Device.get_or_none((Device.id == device_id) & (Device.user == principal.user_id))
    if device is None:
        raise NotFound(f"no device {device_id}")
    return device


def acting_device(principal: Principal, device_id: uuid.UUID | None, location: str) -> Device:
    """The device a sync request acts for: the token's own, or the one a user token names."""
    if principal.device_id is not None:
        if device_id is not None and device_id != principal.device_id:
            raise Forbidden("a device token acts only for its own device")
        return Device.get_by_id(principal.device_id)
    if device_id is None:
        raise ValidationFailed.at(location, "is required with a user token (or a device token)")
    device = get(principal, device_id)
    if not device.enabled:
        raise Forbidden("the device is disabled")
    return device


def get_changeable(principal: Principal, device_id: uuid.UUID) -> Device:
    device = get(principal, device_id)
    if principal.device_id is not None and principal.device_id != device.id:
        raise Forbidden("a device token may change only its own device")
    return device


def update(principal: Principal, device_id: uuid.UUID, changes: dict[str, Any]) -> DeviceRecord:
    with write_transaction():
        device = get_changeable(principal, device_id)
        if device.enabled and changes.get("enabled") is False:
            # Its JWTs die for good, not just while disabled: re-enabling means a new device-login.
            device.token_generation += 1
        for name in UPDATABLE:
            if name in changes:
                setattr(device, name, changes[name])
        device.updated_at = utcnow()
        device.save()
    return DeviceRecord.of(device)


def delete(principal: Principal, device_id: uuid.UUID) -> None:
    with write_transaction():
        get_changeable(principal, device_id).delete_instance()


def regenerate_token(principal: Principal, device_id: uuid.UUID) -> str:
    """The old token and every JWT issued from it stop working at once (generation bump)."""
    token, token_hash = credentials.new_device_token()
    with write_transaction():
        device = get_changeable(principal, device_id)
        device.token_hash = token_hash
        device.token_generation += 1
        device.updated_at = utcnow()
        device.save()
    return token
