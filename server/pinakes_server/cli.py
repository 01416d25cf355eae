"""`pinakes-server serve | migrate | check | compact | users`: run the API, upgrade and check its
store, tidy the log, administer users."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

import peewee
from sanic import Sanic
from sanic.worker.loader import AppLoader

from . import cli_users
from .admission import raise_descriptor_limit
from .app import create_app
from .config import Config, ConfigError
from .protocol import GuardedHttpProtocol
from .services import feed, store_check
from .services.units import stop_units
from .services.uploads import SWEEP_GRACE_SECONDS
from .storage.blob_store import StoreBroken
from .storage.data_dir import loose, make_private, tighten
from .storage.db import close_database, connect_database, open_database
from .storage.migrations import (
    LATEST,
    SchemaTooNew,
    current_version,
    pending,
    refuse_newer,
    upgrade,
)
from .storage.stores import open_blob_store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="pinakes-server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    _data_dir_option(serve)
    serve.add_argument("--access-log", action="store_true")
    compact = commands.add_parser(
        "compact", help="remove change-log rows every device has acknowledged"
    )
    _data_dir_option(compact)
    upgrade = commands.add_parser("migrate", help="apply pending schema migrations")
    _data_dir_option(upgrade)
    upgrade.add_argument(
        "--check", action="store_true", help="apply nothing; exit 1 when migrations are pending"
    )
    inspect = commands.add_parser(
        "check", help="the database and the blob store agree; every library is holdable"
    )
    _data_dir_option(inspect)
    inspect.add_argument(
        "--repair", action="store_true",
        help="remove orphans and close the data dir's files to others, nothing else",
    )  # fmt: skip
    inspect.add_argument(
        "--grace", type=float, default=SWEEP_GRACE_SECONDS, metavar="SECONDS",
        help="leave files changed this recently alone (a running server may be writing them)",
    )  # fmt: skip
    cli_users.add_parser(commands, _data_dir_option)
    args = parser.parse_args(argv)

    overrides = {"data_dir": args.data_dir} if args.data_dir else {}
    try:
        config = Config.from_env(**overrides)
        make_private(config.data_dir)
        if args.command == "compact":
            run_compaction(config)
        elif args.command == "migrate":
            sys.exit(run_migrations(config, check=args.check))
        elif args.command == "check":
            sys.exit(run_check(config, repair=args.repair, grace=args.grace))
        elif args.command == "users":
            cli_users.run(config, args)
        else:
            serve_api(config, args)
    except (SchemaTooNew, ConfigError, StoreBroken) as exc:
        sys.exit(f"pinakes-server: {exc}")
    except peewee.OperationalError as exc:  # unreachable, refused, locked: one line
        sys.exit(f"pinakes-server: cannot use the database: {' '.join(str(exc).split())}")


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="default: $PINAKES_DATA_DIR or ./data")


def serve_api(config: Config, args: argparse.Namespace) -> None:
    # Migrate here, once, before any worker starts: a failure is one line, not a traceback.
    config.data_dir.mkdir(parents=True, exist_ok=True)
    open_database(config.database_url, config.data_dir)
    close_database()
    asyncio.run(_probe_store(config))
    raise_descriptor_limit()  # every worker inherits it; each connection takes descriptors
    loader = AppLoader(factory=partial(create_app, config))
    app = loader.load()
    app.prepare(
        host=args.host,
        port=args.port,
        workers=args.workers,
        single_process=args.workers == 1,
        access_log=args.access_log,
        motd=False,
        protocol=GuardedHttpProtocol,
    )
    if args.workers == 1:
        Sanic.serve_single(primary=app)
        return
    # Workers are spawned afresh and read this as they import prometheus-client (metrics.py).
    with tempfile.TemporaryDirectory(prefix="pinakes-metrics-") as figures:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = figures
        Sanic.serve(primary=app, app_loader=loader)


async def _probe_store(config: Config) -> None:
    """StoreBroken (one line) when the blob store cannot be used as configured."""
    store = open_blob_store(config)
    try:
        await store.check()
    finally:
        await store.close()


def run_migrations(config: Config, check: bool) -> int:
    """Exit status: 1 when `check` finds migrations pending."""
    db = connect_database(config.database_url, config.data_dir)
    try:
        version = current_version(db)
        refuse_newer(version)
        waiting = pending(db) if check else []
        applied = [] if check else upgrade(db)
    finally:
        close_database()
    if waiting:
        names = ", ".join(f"{m.version} ({m.name})" for m in waiting)
        print(f"schema version {version}; pending: {names}")
        return 1
    if not applied:
        print(f"schema version {LATEST}: up to date")
        return 0
    names = ", ".join(f"{m.version} ({m.name})" for m in applied)
    print(f"migrated the schema from version {applied[0].version - 1} to {LATEST}: {names}")
    return 0


def run_check(config: Config, repair: bool, grace: float) -> int:
    """Exit status: 1 when a problem is left (orphans `repair` removed are not)."""
    open_database(config.database_url, config.data_dir)
    try:
        findings = asyncio.run(_check(config, repair, grace))
    finally:
        stop_units()
        close_database()
    findings += _modes(config, repair)
    for finding in findings:
        print(finding.line)
    left = sum(f.problem for f in findings)
    print("healthy" if not left else f"{left} problem(s)")
    return 1 if left else 0


async def _check(config: Config, repair: bool, grace: float) -> list[store_check.Finding]:
    store = open_blob_store(config)
    try:
        await store.check()
        findings = await store_check.check(store, grace)
        orphans = [finding for finding in findings if finding.orphan is not None]
        if repair and orphans:
            await store.remove([finding.orphan for finding in orphans if finding.orphan])
            for finding in orphans:
                print(f"removed {finding.line}")
            findings = await store_check.check(store, grace)
    finally:
        await store.close()
    return findings


def _modes(config: Config, repair: bool) -> list[store_check.Finding]:
    """Files and folders of the data dir that other local users may read (made by a release
    that left them to the umask); `repair` makes them 0600 / 0700."""
    found = loose(config.data_dir)
    if repair:
        tighten(found)
        for path in found:
            print(f"made private {path}")
        return []
    return [store_check.Finding(f"readable by others: {path}") for path in found]


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
