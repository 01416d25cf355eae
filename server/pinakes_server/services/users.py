"""Users: registration, login, and the principal a verified token stands for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import peewee

from ..auth import Claims, DeviceBinding, Grant, Principal
from ..errors import Conflict, Forbidden, Unauthorized, UserTokenRequired
from ..storage.db import lock_table, write_transaction
from ..storage.prepared import Prepared, slot
from ..storage.tables import Device, User, UserSeq, utcnow
from ..storage.writer_queue import WriterBusy
from . import credentials
from .records import UserRecord
from .units import unit

log = logging.getLogger("pinakes.users")

T = TypeVar("T")

BAD_CREDENTIALS = "wrong username or password"
DISABLED = "the account is disabled"
SEEN_RESOLUTION = timedelta(minutes=1)


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """argon2 takes tens of milliseconds of CPU: keep it off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def _check_may_register(actor: Principal | None, open_registration: bool) -> bool:
    """Whether the new user is the first one; Forbidden when registration is closed to `actor`
    (an admin registers users as a person: never through a device's token)."""
    first = not User.select().exists()
    if first or open_registration:
        return first
    if actor is None or not actor.is_admin:
        raise Forbidden("registration is closed: an admin must create new users")
    if actor.device_id is not None:
        raise UserTokenRequired("registering users needs the admin's own (login) token")
    return first


async def register(
    username: str, password: str, actor: Principal | None, open_registration: bool
) -> UserRecord:
    """The first user becomes admin; later ones need open registration or an admin."""
    await unit(_check_may_register, actor, open_registration)  # before paying for the hash
    password_hash = await _off_loop(credentials.hash_password, password)
    return await unit(_create_user, username, password_hash, actor, open_registration)


def _create_user(
    username: str, password_hash: str, actor: Principal | None, open_registration: bool
) -> UserRecord:
    with write_transaction():
        lock_table(User)  # one first user, whichever process registers at the same moment
        first = _check_may_register(actor, open_registration)  # again, under the write lock
        return UserRecord.of(insert_user(username, password_hash, is_admin=first))


def insert_user(username: str, password_hash: str, is_admin: bool) -> User:
    """Inside the caller's transaction; Conflict when the name is taken (in any case)."""
    try:
        user = User.create(
            username=username,
            username_key=username.casefold(),
            password_hash=password_hash,
            is_admin=is_admin,
        )
    except peewee.IntegrityError:
        raise Conflict(f"the username {username!r} is taken") from None
    UserSeq.create(user=user)
    return user


async def authenticate_password(username: str, password: str) -> Grant:
    user = await unit(User.get_or_none, User.username_key == username.casefold())
    stored = user.password_hash if user is not None else None
    # Verified even for an unknown name, so the answer takes as long either way.
    matches = await _off_loop(credentials.verify_password, stored, password)
    if user is None or not matches:
        raise Unauthorized(BAD_CREDENTIALS)
    if user.disabled:  # said only to whoever knows the password
        raise Unauthorized(DISABLED)
    return Grant(user.id, user.token_generation)


def device_for_token(device_token: str) -> Grant:
    """The user a device token signs in, and the device its JWT is bound to."""
    found = (
        Device.select(Device, User.disabled, User.token_generation.alias("user_generation"))
        .join(User)
        .where(Device.token_hash == credentials.hash_device_token(device_token))
        .objects()
        .first()
    )
    if found is None or not found.enabled:
        raise Unauthorized("the device token is unknown, rotated or disabled")
    if found.disabled:
        raise Unauthorized(DISABLED)
    binding = DeviceBinding(found.id, found.token_generation)
    return Grant(found.user_id, found.user_generation, binding)


# Every authenticated request runs this: the user and the token's device (if any) in one go.
_STANDING = Prepared(
    lambda: (
        User.select(
            User.is_admin,
            User.disabled,
            User.token_generation,
            Device.enabled,
            Device.token_generation,
            Device.last_seen_at,
        )
        .join(
            Device,
            peewee.JOIN.LEFT_OUTER,
            on=(Device.user == User.id) & (Device.id == slot("device", Device.id)),
        )
        .where(User.id == slot("user", User.id))
    )
)


def principal_for(claims: Claims) -> tuple[Principal, bool]:
    """A verified token still counts only while its user (and device) are as it says. Also
    whether the device's last_seen_at is due (`mark_seen`): a write, kept out of this read."""
    device = claims.device
    row = _STANDING.first(user=claims.user_id, device=device.device_id if device else None)
    if row is None:
        raise Unauthorized("the token's user no longer exists")
    is_admin, disabled, user_generation, enabled, generation, last_seen_at = row
    fallen = _fallen(claims, disabled, user_generation, enabled, generation)
    if fallen is not None:
        raise Unauthorized(fallen)
    if device is None:
        return Principal(claims.user_id, is_admin), False
    due = last_seen_at is None or utcnow() - last_seen_at > SEEN_RESOLUTION
    return Principal(claims.user_id, is_admin, device.device_id), due


def _fallen(
    claims: Claims,
    disabled: bool,
    user_generation: int,
    enabled: bool | None,
    generation: int | None,
) -> str | None:
    """Why the token no longer stands, given its user's and device's rows; None if it does."""
    if disabled:
        return DISABLED
    if user_generation != claims.user_generation:
        return "the user's tokens were revoked: sign in again"
    if claims.device is None:
        return None
    if not enabled:  # None: no such device of this user
        return "the token's device is deleted or disabled"
    if generation != claims.device.generation:
        return "the token's device token was regenerated"
    return None


def fallen_tokens(held: list[Claims]) -> dict[Claims, str]:
    """Of the tokens held requests were admitted with, those no longer standing and why: two
    queries however many are held (a long-poll re-checks its token while it waits)."""
    user_ids = {claims.user_id for claims in held}
    device_ids = {claims.device.device_id for claims in held if claims.device is not None}
    users = {
        row[0]: row[1:]
        for row in User.select(User.id, User.disabled, User.token_generation)
        .where(User.id.in_(list(user_ids)))
        .tuples()
    }
    devices = {
        row[0]: row[1:]
        for row in Device.select(Device.id, Device.user, Device.enabled, Device.token_generation)
        .where(Device.id.in_(list(device_ids)))
        .tuples()
    }
    fallen: dict[Claims, str] = {}
    for claims in held:
        user = users.get(claims.user_id)
        if user is None:
            fallen[claims] = "the token's user no longer exists"
            continue
        enabled = generation = None
        if claims.device is not None:
            device = devices.get(claims.device.device_id)
            if device is not None and device[0] == claims.user_id:
                enabled, generation = device[1], device[2]
        reason = _fallen(claims, user[0], user[1], enabled, generation)
        if reason is not None:
            fallen[claims] = reason
    return fallen


def mark_seen(device_id: object) -> None:
    """last_seen_at, written at most once a minute per device to keep reads read-only, and
    never waited for: while another write is under way, a later request writes it."""
    try:
        with write_transaction(wait=False):
            Device.update(last_seen_at=utcnow()).where(Device.id == device_id).execute()
    except WriterBusy:
        pass
    except peewee.OperationalError as exc:  # a full or failing disk must not stop reads
        log.warning("last_seen_at of device %s not written: %s", device_id, exc)


def get_user(user_id: object) -> UserRecord:
    return UserRecord.of(User.get_by_id(user_id))
