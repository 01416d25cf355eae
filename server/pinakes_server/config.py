"""Frozen settings read once from PINAKES_* environment variables; defaults need nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A PINAKES_* variable holds a value we cannot use."""


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def _int(env: dict[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _blob_store(value: str) -> str:
    bucket = value.removeprefix("s3://").partition("/")[0]
    if value == "file" or (value.startswith("s3://") and bucket):
        return value
    raise ConfigError(f"PINAKES_BLOB_STORE must be 'file' or 's3://BUCKET[/PREFIX]', not {value!r}")


def _endpoint(value: str | None) -> str | None:
    """An S3 endpoint URL: https, or plain http only when it says so."""
    if value is None or value.startswith(("https://", "http://")):
        return value
    raise ConfigError(
        f"PINAKES_S3_ENDPOINT_URL must start with https:// (or http://), not {value!r}"
    )


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data")
    database_url: str | None = None
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_issuer: str = "pinakes-sync"
    jwt_audience: str = "pinakes-sync-api"
    token_ttl_seconds: int = 3600
    # The longest `exp - iat` any token may have, and how far ahead `exp` may be (our own
    # tokens live token_ttl_seconds; this bounds one signed with our key by anyone else).
    max_token_lifetime_seconds: int = 24 * 3600
    # Clock skew tolerated on `exp`, `nbf` and `iat` (instances' clocks differ a little).
    jwt_leeway_seconds: int = 10
    # Failed logins and device-logins an address may make per window and username (ten times
    # that in all) before it is answered 429.
    sign_in_failures: int = 10
    sign_in_window_seconds: int = 60
    open_registration: bool = False
    # Off in production (a response the code builds is checked by the tests); every test,
    # fuzz and CI server turns it on.
    validate_responses: bool = False
    # Also run stock openapi-core on every request and response and compare (the test suite).
    contract_cross_check: bool = False
    max_json_body: int = 4 * 1024 * 1024
    # A batch upload's whole body (manifest and every file's bytes): 413 beyond.
    max_batch_bytes: int = 32 * 1024 * 1024
    max_file_size: int = 64 * 1024**3
    max_open_uploads: int = 64  # per user
    max_staged_bytes: int = 256 * 1024**3  # per user, over their open upload sessions
    upload_ttl_seconds: int = 24 * 3600  # since the session's last activity
    # Longest a connection may sit idle between requests (keep-alive) before it is closed.
    request_timeout_seconds: int = 60
    # A request's head must be in this long after its first byte (a new connection's: after
    # accept), however it trickles: 408 beyond. A real client sends its head in one packet.
    head_timeout_seconds: int = 10
    # A body (JSON, a chunk, a batch) must arrive at least this fast, once it has fallen
    # body_grace_seconds behind: 408 beyond. 1 KiB/s is 1/64 of a slow mobile uplink, and lets
    # several parallel chunk uploads share a poor link; a trickle of bytes is far below it.
    min_body_bytes_per_second: int = 1024
    # How long a body may stall (TCP retransmits on a bad link back off to several seconds).
    body_grace_seconds: int = 20
    # Connections one client address may hold at once (per worker process): more are closed
    # at once. A household or office behind one NAT address shares it: each device holds a
    # long-poll and a few parallel uploads. Behind a reverse proxy every client has the
    # proxy's address: raise it above the proxy's connection pool.
    max_connections_per_address: int = 256
    # Longest a change-feed long-poll is held, whatever `wait` asks (proxies may need less).
    long_poll_max_seconds: int = 60
    # The one log line per request: "text" (key=value) or "json".
    log_format: str = "text"
    # `GET /metrics` answers only to this bearer token; unset, it is 404.
    metrics_token: str | None = field(default=None, repr=False)
    # Where bytes live: "file" (<data-dir>/blobs) or "s3://BUCKET[/PREFIX]".
    blob_store: str = "file"
    s3_endpoint_url: str | None = None  # None: AWS
    s3_region: str = "us-east-1"
    # Longest any one call to the S3 store may take before the request is answered 503.
    s3_timeout_seconds: int = 30

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Config:
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {
            "data_dir": Path(env.get("PINAKES_DATA_DIR", "data")),
            "database_url": env.get("PINAKES_DATABASE_URL") or None,
            "jwt_secret": env.get("PINAKES_JWT_SECRET") or None,
            "jwt_issuer": env.get("PINAKES_JWT_ISSUER", cls.jwt_issuer),
            "jwt_audience": env.get("PINAKES_JWT_AUDIENCE", cls.jwt_audience),
            "token_ttl_seconds": _int(env, "PINAKES_TOKEN_TTL_SECONDS", cls.token_ttl_seconds, 1),
            "max_token_lifetime_seconds": _int(
                env, "PINAKES_MAX_TOKEN_LIFETIME_SECONDS", cls.max_token_lifetime_seconds, 1
            ),
            "jwt_leeway_seconds": _int(
                env, "PINAKES_JWT_LEEWAY_SECONDS", cls.jwt_leeway_seconds, 0
            ),
            "sign_in_failures": _int(env, "PINAKES_SIGN_IN_FAILURES", cls.sign_in_failures, 1),
            "sign_in_window_seconds": _int(
                env, "PINAKES_SIGN_IN_WINDOW_SECONDS", cls.sign_in_window_seconds, 1
            ),
            "open_registration": _flag(env, "PINAKES_OPEN_REGISTRATION", cls.open_registration),
            "validate_responses": _flag(env, "PINAKES_VALIDATE_RESPONSES", cls.validate_responses),
            "contract_cross_check": _flag(
                env, "PINAKES_CONTRACT_CROSS_CHECK", cls.contract_cross_check
            ),
            "max_json_body": _int(env, "PINAKES_MAX_JSON_BODY", cls.max_json_body, 1024),
            "max_batch_bytes": _int(env, "PINAKES_MAX_BATCH_BYTES", cls.max_batch_bytes, 1024),
            "max_file_size": _int(env, "PINAKES_MAX_FILE_SIZE", cls.max_file_size, 0),
            "max_open_uploads": _int(env, "PINAKES_MAX_OPEN_UPLOADS", cls.max_open_uploads, 1),
            "max_staged_bytes": _int(env, "PINAKES_MAX_STAGED_BYTES", cls.max_staged_bytes, 0),
            "upload_ttl_seconds": _int(
                env, "PINAKES_UPLOAD_TTL_SECONDS", cls.upload_ttl_seconds, 1
            ),
            "request_timeout_seconds": _int(
                env, "PINAKES_REQUEST_TIMEOUT_SECONDS", cls.request_timeout_seconds, 1
            ),
            "head_timeout_seconds": _int(
                env, "PINAKES_HEAD_TIMEOUT_SECONDS", cls.head_timeout_seconds, 1
            ),
            "min_body_bytes_per_second": _int(
                env, "PINAKES_MIN_BODY_BYTES_PER_SECOND", cls.min_body_bytes_per_second, 1
            ),
            "body_grace_seconds": _int(
                env, "PINAKES_BODY_GRACE_SECONDS", cls.body_grace_seconds, 1
            ),
            "max_connections_per_address": _int(
                env, "PINAKES_MAX_CONNECTIONS_PER_ADDRESS", cls.max_connections_per_address, 1
            ),
            "long_poll_max_seconds": _int(
                env, "PINAKES_LONG_POLL_MAX_SECONDS", cls.long_poll_max_seconds, 0
            ),
            "log_format": "json" if env.get("PINAKES_LOG_FORMAT") == "json" else "text",
            "metrics_token": env.get("PINAKES_METRICS_TOKEN") or None,
            "blob_store": _blob_store(env.get("PINAKES_BLOB_STORE") or "file"),
            "s3_endpoint_url": _endpoint(env.get("PINAKES_S3_ENDPOINT_URL") or None),
            "s3_region": env.get("PINAKES_S3_REGION") or cls.s3_region,
            "s3_timeout_seconds": _int(
                env, "PINAKES_S3_TIMEOUT_SECONDS", cls.s3_timeout_seconds, 1
            ),
        }
        values.update(overrides)
        config = cls(**values)  # type: ignore[arg-type]
        if config.token_ttl_seconds > config.max_token_lifetime_seconds:
            raise ConfigError(
                "PINAKES_TOKEN_TTL_SECONDS may not exceed PINAKES_MAX_TOKEN_LIFETIME_SECONDS "
                f"({config.token_ttl_seconds} > {config.max_token_lifetime_seconds})"
            )
        return config
