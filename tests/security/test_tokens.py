"""JWT forgeries and malformed credentials: each is 401 with `WWW-Authenticate: Bearer`,
decided before any body is read; clock skew is tolerated only up to the configured leeway."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable

import jwt
import pytest
from pinakes_server.config import Config
from pinakes_server.openapi.spec import AuthMode, Operation, load_spec, operations

from ..conftest import Account, assert_problem, new_user
from ..tokens import claims_for, secret_of, status_with

LEEWAY = Config.jwt_leeway_seconds  # the shared test server runs with the default


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _by_hand(header: dict[str, object], claims: dict[str, object], key: bytes | None) -> str:
    """A JWT built without PyJWT's guards: unsigned when `key` is None, else HMAC-SHA256."""
    head = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = b"" if key is None else hmac.new(key, head.encode(), hashlib.sha256).digest()
    return f"{head}.{_b64(signature)}"


HS256 = {"alg": "HS256", "typ": "JWT"}
MAX_LIFETIME = Config.max_token_lifetime_seconds  # the shared test server's (the default)
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _in(seconds: int) -> int:
    return int(time.time()) + seconds


def _with_unused_bits(token: str) -> str:
    """The same signature bytes in another text: a 32-byte signature is 43 characters, whose
    last carries two bits no decoder reads."""
    last = _B64URL.index(token[-1])
    assert last & 3 == 0, "a canonical signature leaves its unused bits clear"
    return token[:-1] + _B64URL[last | 1]


def test_a_token_signed_with_the_server_secret_works(alice: Account) -> None:
    """The control for the forgeries below: only what they change makes them fail."""
    token = jwt.encode(claims_for(alice), secret_of(alice.server), algorithm="HS256")
    assert status_with(alice, token) == 200
    by_hand = _by_hand(HS256, claims_for(alice), secret_of(alice.server).encode())
    assert status_with(alice, by_hand) == 200


Forge = Callable[[Account, str], str]
FORGERIES: dict[str, Forge] = {
    "alg-none": lambda a, key: jwt.encode(claims_for(a), None, algorithm="none"),
    "wrong-key": lambda a, key: jwt.encode(claims_for(a), "x" * 40, algorithm="HS256"),
    "hs512-same-key": lambda a, key: jwt.encode(claims_for(a), key, algorithm="HS512"),
    "expired": lambda a, key: jwt.encode(claims_for(a, exp=int(time.time()) - 3600), key),
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
    "alg-none-capitalised": lambda a, key: _by_hand(
        {"alg": "None", "typ": "JWT"}, claims_for(a), None
    ),
    "hs256-unsigned": lambda a, key: _by_hand(HS256, claims_for(a), None),
    "hs256-junk-key": lambda a, key: jwt.encode(claims_for(a), "junk" * 10, algorithm="HS256"),
    "hs256-empty-key": lambda a, key: _by_hand(HS256, claims_for(a), b""),
    "another-servers-key": lambda a, key: jwt.encode(claims_for(a), key[::-1], algorithm="HS256"),
    "sub-as-number": lambda a, key: jwt.encode(claims_for(a, sub=12345), key),
    "exp-not-a-number": lambda a, key: jwt.encode(claims_for(a, exp="tomorrow"), key),
    "ugen-not-a-number": lambda a, key: jwt.encode(claims_for(a, ugen="1"), key),
    "ugen-not-yet-issued": lambda a, key: jwt.encode(claims_for(a, ugen=2), key),
    # `exp` and `iat` are whole seconds within the longest lifetime the server allows.
    "exp-numeric-string": lambda a, key: jwt.encode(claims_for(a, exp=str(_in(600))), key),
    "exp-float": lambda a, key: jwt.encode(claims_for(a, exp=_in(600) + 0.5), key),
    "exp-1e20": lambda a, key: jwt.encode(claims_for(a, exp=10**20), key),
    "iat-float": lambda a, key: jwt.encode(claims_for(a, iat=_in(0) + 0.5), key),
    "exp-bool": lambda a, key: jwt.encode(claims_for(a, exp=True), key),
    "lives-past-the-maximum": lambda a, key: jwt.encode(
        claims_for(a, exp=_in(MAX_LIFETIME + 60)), key
    ),
    "issued-long-ago-lives-long": lambda a, key: jwt.encode(
        claims_for(a, iat=_in(-MAX_LIFETIME), exp=_in(600)), key
    ),
    # One token, one text: padding or set unused bits make another text of the same token.
    "padded": lambda a, key: a.token + "=",
    "padded-segment": lambda a, key: a.token.replace(".", "=.", 1),
    "unused-signature-bits-set": lambda a, key: _with_unused_bits(a.token),
    "whitespace-inside": lambda a, key: a.token[:10] + "\t" + a.token[10:],
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_tokens_are_401(alice: Account, forge: Forge) -> None:
    assert status_with(alice, forge(alice, secret_of(alice.server))) == 401


# Every operation that takes a bearer token, from the contract: placeholders fill its path (a
# token is refused before any parameter or body is looked at).
BEARER_OPERATIONS = [
    op for op in operations(load_spec()) if op.auth in (AuthMode.REQUIRED, AuthMode.OPTIONAL)
]
# The token is checked in one place for every operation: one forgery of each kind shows that
# each operation goes through it (all of them are tried at /auth/me above).
MATRIX_FORGERIES = ["padded", "exp-1e20"]


@pytest.fixture(scope="module")
def holder(admin: Account) -> Account:
    """One user for the whole matrix (a user costs two argon2 hashes)."""
    return new_user(admin, "holder")


def _placeholder_url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "0" if m[0] == "{index}" else str(uuid.uuid4()), path)


@pytest.mark.parametrize("forgery", MATRIX_FORGERIES)
@pytest.mark.parametrize("op", BEARER_OPERATIONS, ids=lambda op: op.operation_id)
def test_every_operation_refuses_another_text_or_lifetime_of_a_token(
    holder: Account, op: Operation, forgery: str
) -> None:
    token = FORGERIES[forgery](holder, secret_of(holder.server))
    with holder.client(token) as api:
        reply = api.request(op.method, _placeholder_url(op.path), json={})
    assert reply.status_code == 401, reply.text
    assert reply.headers["www-authenticate"].startswith("Bearer")
    if op.method != "HEAD":
        assert_problem(reply, 401, "unauthorized")


def test_a_token_within_the_maximum_lifetime_works(alice: Account) -> None:
    """The control for the lifetime forgeries: a day-long token of ours is still ours."""
    token = jwt.encode(claims_for(alice, exp=_in(MAX_LIFETIME - 60)), secret_of(alice.server))
    assert status_with(alice, token) == 200


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


def test_a_remembered_token_still_expires_on_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verified tokens are cached per process; the cache must not outlive `exp` + leeway."""
    from pinakes_server import auth
    from pinakes_server.errors import Unauthorized

    codec = auth.TokenCodec("s" * 32, "iss", "aud", ttl_seconds=60, leeway_seconds=5)
    user = uuid.uuid4()
    token = codec.issue(auth.Grant(user, 1))
    assert codec.decode(token).user_id == user
    issued = time.time()
    monkeypatch.setattr(auth.time, "time", lambda: issued + 64)
    assert codec.decode(token).user_id == user  # from the cache, past exp but within leeway
    monkeypatch.setattr(auth.time, "time", lambda: issued + 66)
    with pytest.raises(Unauthorized, match="expired"):
        codec.decode(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(Unauthorized):
        codec.decode(forged)  # a different text is verified afresh


def _now_early_in_a_second() -> int:
    """JWT times are whole seconds: start a boundary case early in one, so a request made
    within the next half second meets the server's clock on the intended side."""
    while time.time() % 1 > 0.3:
        time.sleep(0.05)
    return int(time.time())


# (claim, seconds from now, accepted?): the leeway ± 1 s on each time claim.
SKEWS = [
    ("exp", -(LEEWAY - 1), True),
    ("exp", -(LEEWAY + 1), False),
    ("nbf", LEEWAY - 1, True),
    ("nbf", LEEWAY + 1, False),
    ("iat", LEEWAY - 1, True),
    ("iat", LEEWAY + 1, False),
]


@pytest.mark.parametrize(("claim", "offset", "accepted"), SKEWS)
def test_clock_skew_is_tolerated_up_to_the_leeway(
    alice: Account, claim: str, offset: int, accepted: bool
) -> None:
    now = _now_early_in_a_second()
    token = jwt.encode(claims_for(alice, **{claim: now + offset}), secret_of(alice.server))
    assert status_with(alice, token) == (200 if accepted else 401)
