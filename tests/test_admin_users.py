"""`pinakes-server users …` on the store of running servers: what an operator does to a user
shows at once in what the API answers, on every instance."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import pytest

from .blob_view import BlobView
from .conftest import (
    PASSWORD,
    Account,
    DeviceClient,
    assert_problem,
    login,
    new_user,
    register,
)
from .faults.store import assert_store_consistent
from .live import LiveServer, run_command

NEW_PASSWORD = "a whole new password"


def users(server: LiveServer, *args: str, stdin: str = "") -> tuple[int, str]:
    done = run_command(server.data_dir, "users", *args, stdin=stdin, **server.env)
    assert not done.stderr or done.returncode != 0, done.stderr
    return done.returncode, (done.stdout + done.stderr).strip()


def me(server: LiveServer, token: str) -> httpx.Response:
    with server.client(token) as api:
        return api.get("/api/v1/auth/me")


def sign_in(server: LiveServer, username: str, password: str) -> httpx.Response:
    with server.client() as api:
        return api.post("/api/v1/auth/login", json={"username": username, "password": password})


def device_sign_in(server: LiveServer, device_token: str) -> httpx.Response:
    with server.client() as api:
        return api.post("/api/v1/auth/device-login", json={"device_token": device_token})


def assert_locked_out(server: LiveServer, device: DeviceClient, password: str) -> dict:
    """Neither the user's token nor the device's works, nor does signing in with the password
    or the device token; returns the password sign-in's problem."""
    for token in (device.account.token, device.token):
        assert_problem(me(server, token), 401, "unauthorized")
    assert_problem(device_sign_in(server, device.account.devices[device.id]), 401)
    return assert_problem(sign_in(server, device.account.username, password), 401)


@pytest.fixture
def two_instances(server_factory: Callable[..., LiveServer]) -> tuple[LiveServer, LiveServer]:
    first = server_factory()
    return first, server_factory(data_dir=first.data_dir)


def test_create_and_list(
    server_factory: Callable[..., LiveServer], new_device: Callable[..., DeviceClient]
) -> None:
    server = server_factory()
    assert users(server, "list") == (0, "no users")
    assert users(server, "create", "Root", "--admin", "--password-stdin", stdin=PASSWORD + "\n") \
        == (0, "created admin 'Root'")  # fmt: skip
    assert users(server, "create", "carol", "--password-stdin", stdin=PASSWORD) \
        == (0, "created user 'carol'")  # fmt: skip
    assert sign_in(server, "carol", PASSWORD).status_code == 200
    root = Account(server, "Root", "", login(server, "root"))
    device = new_device(root, "desk")
    device.put("a.txt", b"a")
    status, listing = users(server, "list")
    lines = listing.splitlines()
    assert status == 0 and len(lines) == 2
    assert lines[0].startswith("carol  user  enabled  0 device(s)  0 file(s)  since ")
    assert lines[1].startswith("Root  admin  enabled  1 device(s)  1 file(s)  since ")


REFUSED = [
    (("create", "CAROL", "--password-stdin"), PASSWORD, "the username 'CAROL' is taken"),
    (("create", "dave", "--password-stdin"), "short", "the password must have at least 8"),
    (("create", "no spaces", "--password-stdin"), PASSWORD, "the username may hold only"),
    (("create", "dave"), PASSWORD, "no terminal to ask for the password on"),
    (("disable", "nobody"), "", "no user 'nobody'"),
    (("reset-password", "nobody", "--password-stdin"), PASSWORD, "no user 'nobody'"),
    (("delete", "carol"), "", "for good: add --yes"),
    (("delete", "nobody", "--yes"), "", "no user 'nobody'"),
]


def test_a_refused_command_says_why_in_one_line_and_changes_nothing(
    server_factory: Callable[..., LiveServer],
) -> None:
    server = server_factory()
    assert users(server, "create", "carol", "--password-stdin", stdin=PASSWORD)[0] == 0
    before = users(server, "list")
    for args, stdin, said in REFUSED:
        status, output = users(server, *args, stdin=stdin)
        assert status == 1, args
        assert len(output.splitlines()) == 1 and said in output, output
        assert users(server, "list") == before
    assert sign_in(server, "carol", PASSWORD).status_code == 200


def test_disable_ends_every_token_at_once_on_every_instance(
    two_instances: tuple[LiveServer, LiveServer], make_account: Callable[..., DeviceClient]
) -> None:
    first, second = two_instances
    device = make_account(first)
    account, device_token = device.account, device.account.devices[device.id]
    assert me(second, account.token).status_code == 200
    assert me(second, device.token).status_code == 200

    assert users(first, "disable", account.username) == (
        0, f"disabled {account.username!r}: no sign-in, and none of their tokens works any more"
    )  # fmt: skip
    for server in (first, second):
        refused = assert_locked_out(server, device, PASSWORD)
        assert refused["detail"] == "the account is disabled"
    wrong = assert_problem(sign_in(first, account.username, "not the password"), 401)
    assert wrong["detail"] == "wrong username or password"  # disabled is told to the owner only
    again = users(first, "disable", account.username)
    assert again == (0, f"{account.username!r} was disabled already")

    assert users(second, "enable", account.username)[0] == 0
    assert sign_in(second, account.username, PASSWORD).status_code == 200
    assert device_sign_in(first, device_token).status_code == 200  # the device carries on
    assert_problem(me(first, account.token), 401)  # a token from before stays dead


def test_reset_password_ends_every_token_and_device_token(
    two_instances: tuple[LiveServer, LiveServer], make_account: Callable[..., DeviceClient]
) -> None:
    first, second = two_instances
    device = make_account(first)
    account = device.account
    status, said = users(
        first, "reset-password", account.username, "--password-stdin", stdin=NEW_PASSWORD
    )
    assert status == 0 and "1 device token(s) revoked" in said
    for server in (first, second):
        assert_locked_out(server, device, PASSWORD)
    new_token = sign_in(second, account.username, NEW_PASSWORD).json()["access_token"]
    with first.client(new_token) as api:
        fresh = api.post(f"/api/v1/sync/devices/{device.id}/token")
    assert fresh.status_code == 200, fresh.text
    assert device_sign_in(first, fresh.json()["device_token"]).status_code == 200


def test_delete_removes_the_user_and_only_bytes_no_one_else_has(
    server_factory: Callable[..., LiveServer], new_device: Callable[..., DeviceClient]
) -> None:
    server = server_factory()  # of its own: the store is checked whole afterwards
    assert register(server, "owner").status_code == 201
    owner = Account(server, "owner", "", login(server, "owner"))
    alice_account, bob_account = new_user(owner), new_user(owner)
    alice, bob = new_device(alice_account), new_device(bob_account)
    alice.upload("mine.bin", b"only alice has these bytes")
    alice.upload("shared.bin", b"both have these bytes")
    bob.upload("his copy.bin", b"both have these bytes")
    alice.put("a/b.txt", b"small")
    blobs = BlobView(server)

    def stored(data: bytes) -> bool:
        return blobs.has(hashlib.sha256(data).hexdigest())

    username = alice_account.username
    status, said = users(server, "delete", username, "--yes")
    assert (status, said) == (
        0, f"deleted {username!r}: 1 device(s), 3 live file(s), 2 blob(s) no other user had"
    )  # fmt: skip
    assert not stored(b"only alice has these bytes") and not stored(b"small")
    assert stored(b"both have these bytes")
    assert bob.download("his copy.bin") == b"both have these bytes"
    for token in (alice.token, alice_account.token):
        assert_problem(me(server, token), 401, "unauthorized")
    assert_problem(sign_in(server, username, PASSWORD), 401)
    assert username not in users(server, "list")[1]
    assert_store_consistent(server)
