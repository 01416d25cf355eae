"""JWT issue and verification, and who a request acts for (decided before any body is read)."""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt

from .config import ConfigError
from .errors import NotFound, Unauthorized

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti"]
SECRET_FILE = "jwt-secret"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    is_admin: bool
    device_id: uuid.UUID | None = None  # set for device-bound tokens


@dataclass(frozen=True)
class DeviceBinding:
    device_id: uuid.UUID
    generation: int  # the device token generation the JWT was issued from


@dataclass(frozen=True)
class Claims:
    user_id: uuid.UUID
    device: DeviceBinding | None
    # The user's token generation the JWT was issued under (`ugen`; 1 when it has none).
    user_generation: int = 1


@dataclass(frozen=True)
class Grant:
    """What a successful sign-in may be issued a token for."""

    user_id: uuid.UUID
    user_generation: int
    device: DeviceBinding | None = None


def load_or_create_secret(configured: str | None, data_dir: Path) -> str:
    """The configured secret, else one generated once and kept in the data dir (mode 0600)."""
    if configured is not None:
        if len(configured) < MIN_SECRET_LENGTH:
            raise ConfigError(f"PINAKES_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        return configured
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker may have created it a moment ago: wait until its content is there.
        for _ in range(50):
            secret = path.read_text().strip()
            if len(secret) >= MIN_SECRET_LENGTH:
                return secret
            time.sleep(0.01)
        raise ConfigError(f"{path} holds no usable secret") from None
    secret = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
        handle.flush()
        os.fsync(handle.fileno())
    return secret


# Verified tokens remembered per process: a client sends the same token with every request.
VERIFIED_CACHE_SIZE = 4096
# A JWT in compact form: three unpadded base64url segments.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _canonical(token: str) -> bool:
    """One text per token: no padding, and no segment whose unused low bits are set (base64
    decoders ignore them, so `…Q` and `…R` would carry the same signature)."""
    if not _COMPACT.fullmatch(token):
        return False
    for segment in token.split("."):
        try:
            raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        except (binascii.Error, ValueError):
            return False
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != segment:
            return False
    return True


class TokenCodec:
    """HS256 with an explicit algorithm list, required claims, issuer and audience.

    A token that verified once is remembered (by its whole text, signature included) with
    its expiry, so repeat requests skip the HMAC and the claim checks; whether its user and
    device still stand is looked up on every request regardless.
    """

    def __init__(
        self,
        secret: str,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        leeway_seconds: int = 0,
        max_lifetime_seconds: int | None = None,
    ) -> None:
        self._secret = secret
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.leeway = leeway_seconds
        # No token counts for longer than this, whoever signed it with our key.
        self.max_lifetime = max_lifetime_seconds if max_lifetime_seconds else ttl_seconds
        self._verified: dict[str, tuple[Claims, float]] = {}

    def issue(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, object] = {
            "sub": str(grant.user_id),
            "ugen": grant.user_generation,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "iss": self.issuer,
            "aud": self.audience,
            "jti": uuid.uuid4().hex,
        }
        if grant.device is not None:
            claims["did"] = str(grant.device.device_id)
            claims["dgen"] = grant.device.generation
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> Claims:
        known = self._verified.get(token)
        if known is not None:
            claims, expires = known
            if time.time() < expires + self.leeway:  # PyJWT's rule: expired once exp + leeway
                return claims
            raise Unauthorized("the token has expired")
        claims, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (claims, expires)
        return claims

    def _verify(self, token: str) -> tuple[Claims, float]:
        if not _canonical(token):
            raise Unauthorized("the token is not valid")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
                leeway=self.leeway,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired") from None
        except jwt.PyJWTError:
            raise Unauthorized("the token is not valid") from None
        try:
            user_id = uuid.UUID(claims["sub"])
            device = None
            if "did" in claims:
                device = DeviceBinding(uuid.UUID(claims["did"]), _integer(claims["dgen"]))
            user_generation = _integer(claims.get("ugen", 1))  # none before migration 5
            # Whole seconds (PyJWT also takes strings and floats).
            expires, issued = _integer(claims["exp"]), _integer(claims["iat"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise Unauthorized("the token is not valid") from None
        # However it was signed with our key, no token lives longer than the server allows.
        too_late = time.time() + self.max_lifetime + self.leeway
        if expires - issued > self.max_lifetime or expires > too_late:
            raise Unauthorized("the token is not valid: it lives longer than this server allows")
        return Claims(user_id, device, user_generation), float(expires)


def _integer(claim: object) -> int:
    if not isinstance(claim, int) or isinstance(claim, bool):
        raise TypeError("the claim must be an integer")
    return claim


def check_metrics_token(expected: str | None, authorization: str | None) -> None:
    """`/metrics` is 404 unless PINAKES_METRICS_TOKEN is set, then 401 without that token."""
    if expected is None:
        raise NotFound("metrics are off: set PINAKES_METRICS_TOKEN to serve them")
    token = bearer_token(authorization)
    if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("the metrics token is required")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer` header; None when there is no header."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token
