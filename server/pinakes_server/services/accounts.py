"""What an operator does to users from the command line (`pinakes-server users …`).

Each call is one transaction on the same store a running server uses. Disabling, resetting a
password and deleting take effect on every instance at the next request: every request reads
the user's standing (`users.principal_for`), and every JWT carries the user's token generation,
which disable and reset-password bump.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import peewee

from ..errors import NotFound
from ..storage.blob_store import BlobStore
from ..storage.db import lock_table, write_transaction
from ..storage.tables import Device, FileState, UploadSession, User, UserBlob
from . import credentials
from .ledger import lock_library
from .uploads import unwanted
from .users import insert_user


@dataclass(frozen=True)
class Account:
    username: str
    is_admin: bool
    disabled: bool
    devices: int
    files: int  # live files
    created_at: datetime


@dataclass(frozen=True)
class Removed:
    devices: int
    files: int
    blobs: int  # blob files no other user owns, removed from the store


def _user(username: str) -> User:
    user = User.get_or_none(User.username_key == username.casefold())
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def accounts() -> list[Account]:
    devices = Device.select(peewee.fn.COUNT(Device.id)).where(Device.user == User.id)
    files = FileState.select(peewee.fn.COUNT(FileState.id)).where(
        (FileState.user == User.id) & ~FileState.deleted
    )
    query = User.select(
        User.username, User.is_admin, User.disabled, User.created_at,
        devices.alias("devices"), files.alias("files"),
    ).order_by(User.username_key)  # fmt: skip
    return [
        Account(u.username, u.is_admin, u.disabled, u.devices, u.files, u.created_at) for u in query
    ]


def create(username: str, password_hash: str, is_admin: bool) -> None:
    with write_transaction():
        lock_table(User)
        insert_user(username, password_hash, is_admin)


def set_disabled(username: str, disabled: bool) -> bool:
    """False when the user already was so. Disabling also ends every token issued so far."""
    with write_transaction():
        user = _user(username)
        if user.disabled == disabled:
            return False
        changes = {User.disabled: disabled}
        if disabled:
            changes[User.token_generation] = User.token_generation + 1
        User.update(changes).where(User.id == user.id).execute()
    return True


def reset_password(username: str, password_hash: str) -> int:
    """The new password; every token of the user ends, and every device token with it (each
    device is signed in again from its page, with a new token). Returns how many devices."""
    with write_transaction():
        user = _user(username)
        User.update(password_hash=password_hash, token_generation=User.token_generation + 1).where(
            User.id == user.id
        ).execute()
        devices = list(Device.select(Device.id).where(Device.user == user.id))
        for device in devices:  # a hash of a token nobody holds
            _, unknown = credentials.new_device_token()
            Device.update(token_hash=unknown, token_generation=Device.token_generation + 1).where(
                Device.id == device.id
            ).execute()
    return len(devices)


async def delete(store: BlobStore, username: str) -> Removed:
    """The user, their devices, files, log, conflicts and uploads; then the bytes of theirs
    that no other user owns and no open upload awaits."""
    devices, files, hashes, sessions = _delete_rows(username)
    await store.remove_staged(sessions)
    blobs = await store.remove_blobs(unwanted(hashes))
    return Removed(devices, files, blobs)


def _delete_rows(username: str) -> tuple[int, int, list[str], list[uuid.UUID]]:
    with write_transaction():
        user = _user(username)
        lock_library(user.id)  # no report of theirs is half-way
        devices = Device.select().where(Device.user == user.id).count()
        files = FileState.select().where((FileState.user == user.id) & ~FileState.deleted).count()
        hashes = [b.content_hash for b in UserBlob.select().where(UserBlob.user == user.id)]
        sessions = [s.id for s in UploadSession.select().where(UploadSession.user == user.id)]
        user.delete_instance()  # the rest goes with it (ON DELETE CASCADE)
    return devices, files, hashes, sessions
