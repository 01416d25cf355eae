"""create_app(config): wires configuration, store, contract, routes and middleware."""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging

import orjson
from sanic import Request, Sanic

from . import handlers, observability
from .admission import Admission, connection_budget
from .auth import TokenCodec, load_or_create_secret
from .config import Config
from .errors import handle_error
from .openapi import middleware
from .openapi.spec import load_spec, operations
from .openapi.validation import ContractValidator
from .routing import register_routes
from .services import uploads
from .services.notifier import ChangeNotifier
from .services.throttle import SignInThrottle
from .services.units import stop_units, unit
from .storage.blob_store import BlobStore
from .storage.db import close_database, is_postgres, open_database
from .storage.stores import open_blob_store

COLLECT_INTERVAL_SECONDS = 60
SWEEP_EVERY_ROUNDS = 60
log = logging.getLogger("pinakes.app")


def max_chunk_size(spec: dict) -> int:
    return spec["components"]["schemas"]["UploadCreate"]["properties"]["chunk_size"]["maximum"]


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()


class BoundedBodyRequest(Request):
    """Sanic reads a buffered (JSON) body through here, never a streamed chunk: it may be at
    most max_json_body bytes (its pace is the protocol's: protocol.py)."""

    async def receive_body(self) -> None:
        self.stream.request_max_size = self.app.ctx.config.max_json_body
        await super().receive_body()


def create_app(config: Config, name: str = "pinakes_sync") -> Sanic:
    spec = load_spec()
    app = Sanic(name, dumps=_dumps, loads=orjson.loads, request_class=BoundedBodyRequest)
    app.config.AUTO_EXTEND = False  # sanic-ext would publish a spec of its own
    # The largest chunk plus headroom: Sanic's own ceiling (and what it drains of an unread
    # body). JSON bodies get their own, smaller limit as they are read (BoundedBodyRequest).
    app.config.REQUEST_MAX_SIZE = max_chunk_size(spec) + 1024 * 1024
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # Long-polls hold a request up to 60 s, and a 64 MiB chunk streams in within the handler:
    # the response timeout must outlast both on a slow link.
    app.config.RESPONSE_TIMEOUT = 300
    # Sanic's own request timeout is an idle timer within the head: never later than the
    # head's deadline (protocol.py), which holds however the head trickles.
    app.config.REQUEST_TIMEOUT = config.head_timeout_seconds
    app.config.KEEP_ALIVE_TIMEOUT = config.request_timeout_seconds
    # A 1024-byte library path, percent-encoded, in a URL or query: up to ~12 KiB of head.
    app.config.REQUEST_MAX_HEADER_SIZE = 16384
    app.ctx.config = config
    app.ctx.admission = Admission(config.max_connections_per_address, connection_budget())
    app.ctx.contract = ContractValidator(
        spec,
        validate_responses=config.validate_responses,
        cross_check=config.contract_cross_check,
    )
    register_routes(app, operations(spec), handlers.HANDLERS)
    app.error_handler.add(Exception, handle_error)
    app.register_middleware(observability.on_request, "request")
    app.register_middleware(middleware.after_response, "response")
    observability.setup_logging(config.log_format == "json")

    @app.before_server_start
    async def open_store(app: Sanic) -> None:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        open_database(config.database_url, config.data_dir)
        secret = load_or_create_secret(config.jwt_secret, config.data_dir)
        app.ctx.tokens = TokenCodec(
            secret,
            config.jwt_issuer,
            config.jwt_audience,
            config.token_ttl_seconds,
            config.jwt_leeway_seconds,
            config.max_token_lifetime_seconds,
        )
        app.ctx.sign_ins = SignInThrottle(config.sign_in_failures, config.sign_in_window_seconds)
        app.ctx.notifier = ChangeNotifier(listen_url=config.database_url if is_postgres() else None)
        app.ctx.blobs = open_blob_store(config)
        staged, orphans = await uploads.sweep(app.ctx.blobs)
        if staged or orphans:
            log.info("swept %d staged object(s) and %d unowned blob(s)", staged, orphans)
        app.add_task(app.ctx.notifier.run(), name="long-poll-notifier")
        app.add_task(_collect(app.ctx.blobs, app.ctx.sign_ins), name="collector")
        # What start-up built (the compiled contract, modules, routes) lives as long as the
        # process: out of the collector's sight, it is not traversed again and again.
        gc.collect()
        gc.freeze()

    @app.after_server_stop
    async def close_store(app: Sanic) -> None:
        await app.ctx.blobs.close()
        stop_units()
        close_database()

    return app


async def _collect(blobs: BlobStore, sign_ins: SignInThrottle) -> None:
    """Expired upload sessions and aged-out sign-in failures, once a minute; once an hour,
    the start-up sweep again (an instance that runs for months still clears what another,
    killed one left in a shared bucket)."""
    for round_number in itertools.count(1):
        await asyncio.sleep(COLLECT_INTERVAL_SECONDS)
        try:
            await uploads.collect_expired(blobs)
            await unit(sign_ins.purge)
            if round_number % SWEEP_EVERY_ROUNDS == 0:
                await uploads.sweep(blobs)
        except Exception:  # a failed round must not end collection for good
            log.exception("collecting expired uploads, orphans or sign-in failures failed")
