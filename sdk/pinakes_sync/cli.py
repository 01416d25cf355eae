"""`pinakes-sync`: init a folder, sync it (once or --watch), status, conflicts, resolve."""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from pathlib import Path

from pinakes import CursorExpired, Pinakes, PinakesError, Unauthorized
from pinakes_client.models import Conflict, DeviceType

from .engine import Engine, PassSummary, SyncError, plan_push
from .ignore import Ignore
from .local import LocalFolder
from .state import FolderState, token_path, write_private

WATCH_WAIT_SECONDS = 2


REVOKED = (
    "this device was removed, disabled or its token regenerated on the server: "
    "run `pinakes-sync init` again"
)
MIB = 1024 * 1024


def _progress(path: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    print(
        f"\r  {path[-40:]:40} [{'#' * filled}{'.' * (width - filled)}] "
        f"{done / MIB:.1f}/{total / MIB:.1f} MiB",
        end="" if done < total else "\n",
        file=sys.stderr,
        flush=True,
    )


def _open(folder: Path, assume_yes: bool = False) -> Engine:
    state = FolderState.load(folder)
    try:
        device_token = token_path(folder).read_text().strip()
    except FileNotFoundError:
        raise SyncError(f"{folder} has no device token: run `pinakes-sync init` again") from None
    remote = Pinakes.device(state.server, device_token)
    progress = _progress if sys.stderr.isatty() else None
    return Engine(folder, state, remote, progress=progress, assume_yes=assume_yes)


def _why(conflict: Conflict) -> str:
    if conflict.clash_path:
        return f"{conflict.path} clashes with {conflict.clash_path} on the server"
    return f"{conflict.path} changed here and on the server"


def _report(summary: PassSummary) -> None:
    if summary.pushed or summary.pulled:
        print(f"synced: {summary.pushed} sent, {summary.pulled} received")
    for conflict in summary.conflicts:
        print(f"conflict {conflict.id}: {_why(conflict)} (see `pinakes-sync conflicts`)")
    for path in summary.deferred:
        print(f"kept the local edit of {path}; the server's change waits for a resolution")
    for path, reason in summary.not_applied.items():
        print(f"not applied here: {path} ({reason}); kept, and tried again next pass")


def init(args: argparse.Namespace) -> None:
    folder: Path = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    if (FolderState.directory(folder) / "state.json").exists():
        raise SyncError(f"{folder} is already a pinakes-sync folder")
    password = os.environ.get("PINAKES_PASSWORD") or getpass.getpass(
        f"password for {args.username}: "
    )
    server = args.server.rstrip("/")
    try:
        user = Pinakes.login(server, args.username, password)
    except Unauthorized:
        raise SyncError("wrong username or password") from None
    with user:
        device, device_token = user.register_device(
            args.device_name or socket.gethostname(), DeviceType.DESKTOP,
            client_version="pinakes-sync",
        )  # fmt: skip
    write_private(token_path(folder), device_token)
    FolderState(server=server, username=args.username, device_id=str(device.id)).save(folder)
    print(f"{folder} is now synced with {server} as device {device.name!r}")


def sync(args: argparse.Namespace) -> None:
    engine = _open(args.folder, args.yes)
    try:
        _report(engine.run_pass())
        while args.watch:
            try:
                cursor = engine.state.cursor or 0
                remote_news = bool(
                    engine.remote.wait_for_changes(cursor, WATCH_WAIT_SECONDS).changes
                )
            except CursorExpired:
                remote_news = True  # the pass re-lists
            if remote_news or engine.local_changes():
                _report(engine.run_pass())
    finally:
        engine.remote.close()
        engine.close()


def status(args: argparse.Namespace) -> None:
    state = FolderState.load(args.folder)
    local = LocalFolder(args.folder)
    try:
        pending = len(plan_push(local, state, Ignore.load(local), assume_yes=True)[0])
    finally:
        local.close()
    print(f"server:    {state.server} (user {state.username}, device {state.device_id})")
    print(f"cursor:    {state.cursor if state.cursor is not None else 'not synced yet'}")
    print(f"files:     {len(state.files)} synced, {pending} local change(s) to send")
    print(f"conflicts: {len(state.conflicts)} known here")
    print(f"not applied here: {len(state.blocked)}")
    for path, kept in sorted(state.blocked.items()):
        print(f"  {path}: {kept.reason}")


def conflicts(args: argparse.Namespace) -> None:
    engine = _open(args.folder)
    try:
        found = engine.remote.conflicts()
    finally:
        engine.remote.close()
        engine.close()
    if not found:
        print("no open conflicts")
    for c in found:
        clash = f", clashes with {c.clash_path}" if c.clash_path else ""
        print(
            f"{c.id}  {c.change_type.value:8}  {c.path}  (server version {c.server_version}"
            f"{clash}, detected {c.detected_at:%Y-%m-%d %H:%M:%S})"
        )


def resolve(args: argparse.Namespace) -> None:
    engine = _open(args.folder)
    try:
        engine.remote.resolve(args.conflict_id, args.resolution)
        _report(engine.run_pass())  # applies the outcome to this folder at once
    finally:
        engine.remote.close()
        engine.close()
    print(f"resolved {args.conflict_id}: {args.resolution}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pinakes-sync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("init", help="register this folder as a device")
    p.add_argument("folder", type=Path)
    p.add_argument("--server", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--device-name")
    p.set_defaults(run=init)
    p = commands.add_parser("sync", help="one sync pass, or keep syncing with --watch")
    p.add_argument("folder", type=Path)
    p.add_argument("--watch", action="store_true")
    p.add_argument("--yes", action="store_true", help="go on when a pass deletes over half")
    p.set_defaults(run=sync)
    for name, run in (("status", status), ("conflicts", conflicts)):
        p = commands.add_parser(name)
        p.add_argument("folder", type=Path)
        p.set_defaults(run=run)
    p = commands.add_parser("resolve", help="keep_local, keep_remote or keep_both")
    p.add_argument("folder", type=Path)
    p.add_argument("conflict_id")
    p.add_argument("resolution", choices=["keep_local", "keep_remote", "keep_both"])
    p.set_defaults(run=resolve)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except Unauthorized:
        print(f"pinakes-sync: error: {REVOKED}", file=sys.stderr)
        return 1
    except (SyncError, PinakesError, FileNotFoundError) as exc:
        print(f"pinakes-sync: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback: one line, and the next pass starts over
        print(
            f"pinakes-sync: error: the pass stopped ({type(exc).__name__}: {exc}); "
            "what it finished is kept, and the next pass goes on from there",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
