"""create_app(config): wires configuration, store, contract, routes and middleware."""

from __future__ import annotations

import orjson
from sanic import Sanic

from . import handlers
from .auth import TokenCodec, load_or_create_secret
from .config import Config
from .errors import handle_error
from .openapi import middleware
from .openapi.spec import load_spec, operations
from .openapi.validation import ContractValidator
from .routing import register_routes
from .services.notifier import ChangeNotifier
from .storage.db import close_database, open_database


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def create_app(config: Config, name: str = "pinakes_sync") -> Sanic:
    app = Sanic(name, dumps=_dumps, loads=orjson.loads)
    app.config.AUTO_EXTEND = False  # sanic-ext would publish a spec of its own
    app.config.REQUEST_MAX_SIZE = config.max_json_body
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # Long-polls hold a request up to 60 s: the response timeout must outlast them.
    app.config.RESPONSE_TIMEOUT = 90
    # A 1024-byte library path, percent-encoded, in a URL or query: up to ~12 KiB of head.
    app.config.REQUEST_MAX_HEADER_SIZE = 16384
    app.ctx.config = config

    spec = load_spec()
    app.ctx.contract = ContractValidator(spec, validate_responses=config.validate_responses)
    register_routes(app, operations(spec), handlers.HANDLERS)
    app.error_handler.add(Exception, handle_error)
    app.register_middleware(middleware.after_response, "response")

    @app.before_server_start
    async def open_store(app: Sanic) -> None:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        open_database(config.database_url, config.data_dir)
        secret = load_or_create_secret(config.jwt_secret, config.data_dir)
        app.ctx.tokens = TokenCodec(
            secret, config.jwt_issuer, config.jwt_audience, config.token_ttl_seconds
        )
        app.ctx.notifier = ChangeNotifier()
        app.add_task(app.ctx.notifier.run(), name="long-poll-notifier")

    @app.after_server_stop
    async def close_store(app: Sanic) -> None:
        close_database()

    return app
