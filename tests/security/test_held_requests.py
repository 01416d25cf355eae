"""A held long-poll is a stream its token must keep standing for: revoked on any instance (a
password reset, a disabled user, a deleted, disabled or rotated device), it answers 401 within
a second, and never with a change committed after the revocation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from ..conftest import Account, DeviceClient, assert_problem, device_client, login, register
from ..live import LiveServer, run_command

NEW_PASSWORD = "another horse battery"


@dataclass
class Cluster:
    """Two instances of one store: the long-poll is held by the first, revoked via the second."""

    first: LiveServer
    second: LiveServer
    admin: Account


@pytest.fixture(scope="module")
def cluster(module_server_factory: Callable[..., LiveServer]) -> Cluster:
    first = module_server_factory()
    second = module_server_factory(data_dir=first.data_dir)
    assert register(first, "admin").status_code == 201
    return Cluster(first, second, Account(first, "admin", "", login(first, "admin")))


def _user(cluster: Cluster, name: str) -> Account:
    reply = register(cluster.first, name, cluster.admin.token)
    assert reply.status_code == 201, reply.text
    return Account(cluster.first, name, reply.json()["id"], login(cluster.first, name))


def _hold(device: DeviceClient, cursor: int) -> Callable[[], tuple[httpx.Response, float]]:
    """Opens `GET /changes?wait=30` in a thread; the returned call joins it: (answer, when)."""
    outcome: dict[str, object] = {}

    def poll() -> None:
        with device.account.client(device.token) as api:
            reply = api.get("/api/v1/sync/changes", params={"cursor": cursor, "wait": 30})
        outcome["reply"], outcome["at"] = reply, time.monotonic()

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)  # held by now

    def join() -> tuple[httpx.Response, float]:
        thread.join(timeout=40)
        assert not thread.is_alive(), "the long-poll was still held"
        return outcome["reply"], outcome["at"]  # type: ignore[return-value]

    return join


def _cli(cluster: Cluster, *args: str, stdin: str = "") -> None:
    done = run_command(cluster.second.data_dir, *args, stdin=stdin, **cluster.second.env)
    assert done.returncode == 0, done.stderr


# Each revokes the laptop's token; a device of the owner's on the second instance that may
# still write afterwards, or None.
Revoke = Callable[[Cluster, Account, DeviceClient, DeviceClient], "DeviceClient | None"]


def _reset_password(
    cluster: Cluster, owner: Account, laptop: DeviceClient, phone: DeviceClient
) -> DeviceClient | None:
    _cli(cluster, "users", "reset-password", owner.username, "--password-stdin", stdin=NEW_PASSWORD)
    # Signed in again with the new password, the owner writes: the old token must not see it.
    token = login(cluster.second, owner.username, NEW_PASSWORD)
    return device_client(Account(cluster.second, owner.username, owner.user_id, token), "new")


def _disable_user(
    cluster: Cluster, owner: Account, laptop: DeviceClient, phone: DeviceClient
) -> DeviceClient | None:
    _cli(cluster, "users", "disable", owner.username)
    return None


def _device_action(act: Callable[[httpx.Client, str], httpx.Response]) -> Revoke:
    def revoke(
        cluster: Cluster, owner: Account, laptop: DeviceClient, phone: DeviceClient
    ) -> DeviceClient | None:
        with cluster.second.client(owner.token) as api:
            reply = act(api, f"/api/v1/sync/devices/{laptop.id}")
            assert reply.status_code in (200, 204), reply.text
        # The owner's other device writes on.
        return DeviceClient(owner, phone.id, phone.token, cluster.second.client(phone.token))

    return revoke


REVOCATIONS: dict[str, Revoke] = {
    "reset-password": _reset_password,
    "disable-user": _disable_user,
    "delete-device": _device_action(lambda api, url: api.delete(url)),
    "disable-device": _device_action(lambda api, url: api.put(url, json={"enabled": False})),
    "rotate-device-token": _device_action(lambda api, url: api.post(f"{url}/token")),
}


@pytest.mark.parametrize("revocation", REVOCATIONS)
def test_a_held_long_poll_ends_with_401_when_its_token_is_revoked_on_another_instance(
    cluster: Cluster, revocation: str
) -> None:
    owner = _user(cluster, f"held-{revocation}")
    laptop, phone = device_client(owner, "laptop"), device_client(owner, "phone")
    phone.upload("before.txt", b"before")
    cursor = laptop.changes(cursor=0)["cursor"]
    join = _hold(laptop, cursor)
    writer = REVOCATIONS[revocation](cluster, owner, laptop, phone)
    revoked = time.monotonic()
    if writer is not None:
        with writer.api:
            writer.upload("after-revocation.txt", b"after")
    answer, at = join()
    assert_problem(answer, 401, "unauthorized")
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "after-revocation" not in answer.text
    assert at - revoked < 1.5, f"answered {at - revoked:.2f} s after the revocation"
    for device in (laptop, phone):
        device.api.close()


def test_a_held_long_poll_whose_token_stands_still_gets_the_change(cluster: Cluster) -> None:
    """The control: the same wait, nothing revoked, wakes with the other device's change."""
    owner = _user(cluster, "held-control")
    laptop, phone = device_client(owner, "laptop"), device_client(owner, "phone")
    join = _hold(laptop, 0)
    with cluster.second.client(phone.token) as api:
        DeviceClient(owner, phone.id, phone.token, api).upload("new.txt", b"new")
    answer, _ = join()
    assert answer.status_code == 200, answer.text
    assert [c["path"] for c in answer.json()["changes"]] == ["new.txt"]
    for device in (laptop, phone):
        device.api.close()
