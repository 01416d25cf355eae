"""`pinakes-server serve`: run the API with Sanic."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from sanic import Sanic
from sanic.worker.loader import AppLoader

from .app import create_app
from .config import Config
from .services import feed
from .storage.db import close_database, open_database


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="pinakes-server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--data-dir", type=Path, help="default: $PINAKES_DATA_DIR or ./data")
    serve.add_argument("--access-log", action="store_true")
    compact = commands.add_parser(
        "compact", help="remove change-log rows every device has acknowledged"
    )
    compact.add_argument("--data-dir", type=Path, help="default: $PINAKES_DATA_DIR or ./data")
    args = parser.parse_args(argv)

    overrides = {"data_dir": args.data_dir} if args.data_dir else {}
    config = Config.from_env(**overrides)
    if args.command == "compact":
        run_compaction(config)
        return
    loader = AppLoader(factory=partial(create_app, config))
    app = loader.load()
    app.prepare(
        host=args.host,
        port=args.port,
        workers=args.workers,
        single_process=args.workers == 1,
        access_log=args.access_log,
        motd=False,
    )
    if args.workers == 1:
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)


def run_compaction(config: Config) -> None:
    open_database(config.database_url, config.data_dir)
    try:
        removed = feed.compact()
    finally:
        close_database()
    total = sum(removed.values())
    print(f"compacted {total} change row(s) of {len(removed)} user(s)")


if __name__ == "__main__":
    main()
