"""`pinakes-server users list | create | disable | enable | reset-password | delete`.

Each prints one clear result (list: a line per user) and exits non-zero on failure. Passwords
come from a prompt or `--password-stdin`, never from argv (other users of the machine see argv).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable

import pydantic

from ._generated import models
from .config import Config
from .errors import ApiError
from .services import accounts, credentials
from .storage.db import close_database, open_database
from .storage.stores import open_blob_store


def add_parser(commands: argparse._SubParsersAction, data_dir: Callable) -> None:
    """`data_dir` adds the --data-dir option every command shares."""
    users = commands.add_parser("users", help="list, create, disable, enable or delete users")
    actions = users.add_subparsers(dest="action", required=True)
    data_dir(actions.add_parser("list", help="every user, with devices and live files"))
    for name, text in (
        ("create", "a new user (asks for the password)"),
        ("disable", "no sign-in; every token of the user stops working"),
        ("enable", "sign-in again (tokens issued before disable stay dead)"),
        ("reset-password", "a new password; every token and device token stops working"),
        ("delete", "the user, their devices, files and conflicts, and bytes no one else has"),
    ):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("name")
        data_dir(parser)
        if name == "create":
            parser.add_argument("--admin", action="store_true", help="may create users")
        if name in ("create", "reset-password"):
            parser.add_argument(
                "--password-stdin", action="store_true", help="read the password from stdin"
            )
        if name == "delete":
            parser.add_argument("--yes", action="store_true", help="really delete")


def run(config: Config, args: argparse.Namespace) -> None:
    """Exits with one line on any failure."""
    if args.action == "delete" and not args.yes:
        sys.exit(
            f"pinakes-server: deleting {args.name!r} removes their devices, files and conflicts "
            "for good: add --yes"
        )
    password_hash = None
    if args.action in ("create", "reset-password"):
        password_hash = credentials.hash_password(_password(args))
    open_database(config.database_url, config.data_dir)
    try:
        print(_act(config, args, password_hash))
    except ApiError as exc:  # no such user, a name taken
        sys.exit(f"pinakes-server: {exc.detail}")
    finally:
        close_database()


def _act(config: Config, args: argparse.Namespace, password_hash: str | None) -> str:
    name = args.name if args.action != "list" else ""
    if args.action == "list":
        return "\n".join(map(_line, accounts.accounts())) or "no users"
    if args.action == "create":
        accounts.create(name, password_hash, args.admin)  # type: ignore[arg-type]
        return f"created {'admin' if args.admin else 'user'} {name!r}"
    if args.action in ("disable", "enable"):
        changed = accounts.set_disabled(name, args.action == "disable")
        if not changed:
            return f"{name!r} was {args.action}d already"
        if args.action == "disable":
            return f"disabled {name!r}: no sign-in, and none of their tokens works any more"
        return f"enabled {name!r}: they may sign in again"
    if args.action == "reset-password":
        revoked = accounts.reset_password(name, password_hash)  # type: ignore[arg-type]
        return (
            f"reset the password of {name!r}: every token ended, {revoked} device token(s) "
            "revoked (each device gets a new one from a signed-in session)"
        )
    removed = asyncio.run(_delete(config, name))
    return (
        f"deleted {name!r}: {removed.devices} device(s), {removed.files} live file(s), "
        f"{removed.blobs} blob(s) no other user had"
    )


async def _delete(config: Config, name: str) -> accounts.Removed:
    """The user and their bytes; the store is checked first, so a store that cannot be used
    stops the command before anything is deleted."""
    store = open_blob_store(config)
    try:
        await store.check()
        return await accounts.delete(store, name)
    finally:
        await store.close()


def _line(account: accounts.Account) -> str:
    return "  ".join((
        account.username,
        "admin" if account.is_admin else "user",
        "disabled" if account.disabled else "enabled",
        f"{account.devices} device(s)",
        f"{account.files} file(s)",
        f"since {account.created_at:%Y-%m-%d}",
    ))  # fmt: skip


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        sys.exit("pinakes-server: no terminal to ask for the password on: use --password-stdin")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            sys.exit("pinakes-server: the two passwords differ")
    try:  # the contract's rules for a username and a password, as registration applies them
        models.Credentials(username=args.name, password=password)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        sys.exit(f"pinakes-server: the {error['loc'][0]} {_reason(error)}")
    return password


def _reason(error: dict) -> str:
    context = error.get("ctx", {})
    if error["type"].endswith("too_short"):
        return f"must have at least {context['min_length']} characters"
    if error["type"].endswith("too_long"):
        return f"must have at most {context['max_length']} characters"
    if error["type"] == "string_pattern_mismatch":
        return "may hold only letters, digits, '_', '.' and '-' (3 to 64)"
    return str(error["msg"]).lower()
