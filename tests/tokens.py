"""JWTs made by hand, for the tests that check which tokens the server accepts."""

from __future__ import annotations

import time
import uuid

from .conftest import Account, assert_problem
from .live import LiveServer

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
