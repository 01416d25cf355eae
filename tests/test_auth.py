"""Register, login, device-login and me; device tokens that stop working (forgeries: security/)."""

from __future__ import annotations

import stat
from collections.abc import Callable

import jwt
import pytest

from .conftest import Account, assert_problem, login, register
from .live import PASSWORD, LiveServer
from .tokens import AUDIENCE, ISSUER, secret_of, status_with


def test_first_user_becomes_admin_and_registration_then_closes(
    server_factory: Callable[..., LiveServer],
) -> None:
    server = server_factory()
    first = register(server, "first_user")
    assert first.status_code == 201
    assert first.json()["is_admin"] is True
    assert first.json()["username"] == "first_user"
    assert_problem(register(server, "second_user"), 403, "forbidden")

    admin_token = login(server, "first_user")
    second = register(server, "second_user", admin_token)
    assert second.status_code == 201 and second.json()["is_admin"] is False
    # A non-admin's token does not open registration.
    assert_problem(register(server, "third_user", login(server, "second_user")), 403)


def test_an_admins_device_token_cannot_register_users(admin: Account) -> None:
    """Registering users is a person's act: a device of the admin's (which may go rogue) acts
    only for itself, so its token is refused and nobody is created."""
    _, device_token = admin.add_device("admin's phone")
    refused = register(admin.server, "made_by_a_device", admin.device_jwt(device_token))
    problem = assert_problem(refused, 403, "user-token-required")
    assert "login" in problem["detail"]
    with admin.client() as api:
        assert (
            api.post(
                "/api/v1/auth/login", json={"username": "made_by_a_device", "password": PASSWORD}
            ).status_code
            == 401
        )


def test_open_registration_lets_anyone_register(server_factory: Callable[..., LiveServer]) -> None:
    server = server_factory(PINAKES_OPEN_REGISTRATION="1")
    assert register(server, "someone").json()["is_admin"] is True
    other = register(server, "someone_else")
    assert other.status_code == 201 and other.json()["is_admin"] is False


def test_usernames_are_unique_ignoring_case(alice: Account, admin: Account) -> None:
    assert_problem(register(alice.server, alice.username.upper(), admin.token), 409, "conflict")


@pytest.mark.parametrize(
    "body",
    [
        {"username": "ab", "password": PASSWORD},
        {"username": "has space", "password": PASSWORD},
        {"username": "x" * 65, "password": PASSWORD},
        {"username": "valid_name", "password": "short"},
        {"username": "valid_name", "password": "p" * 257},
        {"username": "valid_name"},
        {"username": "valid_name", "password": PASSWORD, "is_admin": True},
    ],
)
def test_register_rejects_invalid_bodies(admin: Account, body: dict[str, object]) -> None:
    with admin.client() as api:
        problem = assert_problem(
            api.post("/api/v1/auth/register", json=body), 400, "validation-failed"
        )
    assert problem["errors"] and all(e["location"].startswith("body") for e in problem["errors"])
    assert "short" not in problem["detail"].replace("too short", "")  # the password is not echoed


def test_login_issues_a_verifiable_hs256_token(alice: Account) -> None:
    with alice.client(token=None) as api:
        reply = api.post(
            "/api/v1/auth/login", json={"username": alice.username, "password": PASSWORD}
        )
    body = reply.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    claims = jwt.decode(
        body["access_token"], secret_of(alice.server), algorithms=["HS256"],
        audience=AUDIENCE, issuer=ISSUER,
    )  # fmt: skip
    assert claims["sub"] == alice.user_id
    assert claims["exp"] - claims["iat"] == 3600
    assert {"jti", "iss", "aud"} <= claims.keys() and "did" not in claims


def test_login_failures_look_the_same(alice: Account) -> None:
    with alice.server.client() as api:
        wrong_password = api.post(
            "/api/v1/auth/login", json={"username": alice.username, "password": "not the password"}
        )
        unknown_user = api.post(
            "/api/v1/auth/login", json={"username": "nobody_here", "password": "not the password"}
        )
    assert assert_problem(wrong_password, 401) == assert_problem(unknown_user, 401)


def test_login_ignores_username_case(alice: Account) -> None:
    assert login(alice.server, alice.username.upper())


def test_me_for_user_and_device_tokens(alice: Account) -> None:
    with alice.client() as api:
        me = api.get("/api/v1/auth/me").json()
    assert me == {
        "user": {
            "id": alice.user_id,
            "username": alice.username,
            "is_admin": False,
            "created_at": me["user"]["created_at"],
        },
        "device_id": None,
    }
    device_id, device_token = alice.add_device()
    with alice.client(alice.device_jwt(device_token)) as api:
        assert api.get("/api/v1/auth/me").json()["device_id"] == device_id


def test_secret_is_generated_once_with_mode_0600(server: LiveServer) -> None:
    path = server.data_dir / "jwt-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) >= 32


def test_device_login_binds_the_token_to_the_device(alice: Account) -> None:
    device_id, device_token = alice.add_device()
    token = alice.device_jwt(device_token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["did"] == device_id and claims["sub"] == alice.user_id


def test_device_login_with_unknown_token_is_401(alice: Account) -> None:
    with alice.server.client() as api:
        reply = api.post("/api/v1/auth/device-login", json={"device_token": "pkd_unknown"})
    assert_problem(reply, 401, "unauthorized")


def test_regenerated_device_token_kills_old_token_and_its_jwts(alice: Account) -> None:
    device_id, old_token = alice.add_device()
    old_jwt = alice.device_jwt(old_token)
    with alice.client() as api:
        new_token = api.post(f"/api/v1/sync/devices/{device_id}/token").json()["device_token"]
        assert_problem(api.post("/api/v1/auth/device-login", json={"device_token": old_token}), 401)
    assert new_token != old_token
    assert status_with(alice, old_jwt) == 401
    assert status_with(alice, alice.device_jwt(new_token)) == 200


def test_disabled_device_cannot_log_in_and_its_jwts_stay_dead(alice: Account) -> None:
    device_id, device_token = alice.add_device()
    device_jwt = alice.device_jwt(device_token)
    with alice.client() as api:
        assert api.put(f"/api/v1/sync/devices/{device_id}", json={"enabled": False}).is_success
        assert_problem(
            api.post("/api/v1/auth/device-login", json={"device_token": device_token}), 401
        )
        assert status_with(alice, device_jwt) == 401
        assert api.put(f"/api/v1/sync/devices/{device_id}", json={"enabled": True}).is_success
    assert status_with(alice, device_jwt) == 401  # re-enabling does not revive old JWTs
    assert status_with(alice, alice.device_jwt(device_token)) == 200


def test_deleted_device_token_and_jwts_are_401(alice: Account) -> None:
    device_id, device_token = alice.add_device()
    device_jwt = alice.device_jwt(device_token)
    with alice.client() as api:
        assert api.delete(f"/api/v1/sync/devices/{device_id}").status_code == 204
        assert_problem(
            api.post("/api/v1/auth/device-login", json={"device_token": device_token}), 401
        )
    assert status_with(alice, device_jwt) == 401
