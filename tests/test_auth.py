"""Register, login, device-login and me; tokens that must not work."""

from __future__ import annotations

import stat
import time
import uuid
from collections.abc import Callable

import jwt
import pytest

from .conftest import Account, assert_problem, login, register
from .live import PASSWORD, LiveServer

ISSUER, AUDIENCE = "pinakes-sync", "pinakes-sync-api"


def secret_of(server: LiveServer) -> str:
    return (server.data_dir / "jwt-secret").read_text().strip()


def claims_for(account: Account, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": account.user_id, "iat": now, "exp": now + 600,
        "iss": ISSUER, "aud": AUDIENCE, "jti": uuid.uuid4().hex,
    }  # fmt: skip
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def status_with(account: Account, token: str) -> int:
    with account.client(token) as api:
        reply = api.get("/api/v1/auth/me")
    if reply.status_code == 401:
        assert reply.headers["www-authenticate"].startswith("Bearer")
        assert_problem(reply, 401, "unauthorized")
    return reply.status_code


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


def test_a_token_signed_with_the_server_secret_works(alice: Account) -> None:
    """The control for the forgeries below: only what they change makes them fail."""
    token = jwt.encode(claims_for(alice), secret_of(alice.server), algorithm="HS256")
    assert status_with(alice, token) == 200


Forge = Callable[[Account, str], str]
FORGERIES: dict[str, Forge] = {
    "alg-none": lambda a, key: jwt.encode(claims_for(a), None, algorithm="none"),
    "wrong-key": lambda a, key: jwt.encode(claims_for(a), "x" * 40, algorithm="HS256"),
    "hs512-same-key": lambda a, key: jwt.encode(claims_for(a), key, algorithm="HS512"),
    "expired": lambda a, key: jwt.encode(claims_for(a, exp=int(time.time()) - 5), key),
    "wrong-aud": lambda a, key: jwt.encode(claims_for(a, aud="someone-else"), key),
    "wrong-iss": lambda a, key: jwt.encode(claims_for(a, iss="someone-else"), key),
    "no-jti": lambda a, key: jwt.encode(claims_for(a, jti=None), key),
    "no-exp": lambda a, key: jwt.encode(claims_for(a, exp=None), key),
    "no-iat": lambda a, key: jwt.encode(claims_for(a, iat=None), key),
    "no-iss": lambda a, key: jwt.encode(claims_for(a, iss=None), key),
    "no-aud": lambda a, key: jwt.encode(claims_for(a, aud=None), key),
    "no-sub": lambda a, key: jwt.encode(claims_for(a, sub=None), key),
    "bad-sub": lambda a, key: jwt.encode(claims_for(a, sub="not-a-uuid"), key),
    "no-such-user": lambda a, key: jwt.encode(claims_for(a, sub=str(uuid.uuid4())), key),
    "no-such-device": lambda a, key: jwt.encode(claims_for(a, did=str(uuid.uuid4()), dgen=1), key),
    "bad-did": lambda a, key: jwt.encode(claims_for(a, did="x", dgen=1), key),
    "did-without-dgen": lambda a, key: jwt.encode(claims_for(a, did=str(uuid.uuid4())), key),
    "tampered-signature": lambda a, key: (
        a.token[:-6] + ("AAAAAA" if a.token[-6:] != "AAAAAA" else "BBBBBB")
    ),
    "garbage": lambda a, key: "not.a.jwt",
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_tokens_are_401(alice: Account, forge: Forge) -> None:
    assert status_with(alice, forge(alice, secret_of(alice.server))) == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b"])
def test_malformed_authorization_headers_are_401(alice: Account, header: str) -> None:
    with alice.server.client() as api:
        reply = api.get("/api/v1/auth/me", headers={"Authorization": header})
    assert_problem(reply, 401, "unauthorized")
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_401_is_decided_before_the_body_is_read(alice: Account) -> None:
    with alice.server.client() as api:
        reply = api.post(
            "/api/v1/sync/devices", content=b"{not json", headers={"content-type": "text/plain"}
        )
    assert_problem(reply, 401, "unauthorized")


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


def test_a_remembered_token_still_expires_on_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verified tokens are cached per process; the cache must not outlive `exp`."""
    from pinakes_server import auth
    from pinakes_server.errors import Unauthorized

    codec = auth.TokenCodec("s" * 32, "iss", "aud", ttl_seconds=60)
    user = uuid.uuid4()
    token = codec.issue(user)
    assert codec.decode(token).user_id == user
    issued = time.time()
    monkeypatch.setattr(auth.time, "time", lambda: issued + 30)
    assert codec.decode(token).user_id == user  # from the cache, still in time
    monkeypatch.setattr(auth.time, "time", lambda: issued + 61)
    with pytest.raises(Unauthorized, match="expired"):
        codec.decode(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(Unauthorized):
        codec.decode(forged)  # a different text is verified afresh
