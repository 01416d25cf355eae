"""`pinakes-server check [--repair]` on a running server's store: one line per problem, exit 1;
repair removes orphans and nothing else."""

from __future__ import annotations

from collections.abc import Callable

from .blob_view import BlobView
from .conftest import DeviceClient, sha256, umask
from .live import LiveServer, run_command

A, B = b"checked bytes", b"more checked bytes"


def check(server: LiveServer, *args: str) -> tuple[int, list[str]]:
    done = run_command(server.data_dir, "check", "--grace", "0", *args, **server.env)
    return done.returncode, done.stdout.splitlines()


def test_check_names_each_problem_and_repairs_only_orphans(
    server_factory: Callable[..., LiveServer], make_account: Callable[[LiveServer], DeviceClient]
) -> None:
    server = server_factory()
    device = make_account(server)
    device.upload("kept.txt", A)
    device.upload("lost.txt", B)
    assert check(server) == (0, ["healthy"])

    blobs = BlobView(server)
    with umask(0o077):  # damage the server's own way: loose modes are a finding of their own
        blobs.write(sha256(A), b"rot")
        blobs.remove(sha256(B))
        stray = server.data_dir / "uploads" / "not-a-session.part"
        stray.write_bytes(b"x")
        nobodys = sha256(b"nobody's")
        blobs.write(nobodys, b"nobody's")

    status, lines = check(server)
    assert status == 1
    assert lines[-1] == "4 problem(s)"
    assert f"corrupt blob {blobs.where(sha256(A))}: its bytes hash to {sha256(b'rot')}" in lines
    assert f"missing blob {blobs.where(sha256(B))}: a user owns it" in lines
    assert f"orphan {stray}: stray staging file" in lines
    assert f"orphan {blobs.where(nobodys)}: blob nothing owns" in lines

    status, lines = check(server, "--repair")
    assert status == 1 and lines[-1] == "2 problem(s)"
    assert not stray.exists() and not blobs.has(nobodys)
    assert blobs.read(sha256(A)) == b"rot"  # a loss to look into, never deleted
    with umask(0o077):
        blobs.write(sha256(A), A)
        blobs.write(sha256(B), B)
    assert check(server) == (0, ["healthy"])
    assert device.download("lost.txt") == B
