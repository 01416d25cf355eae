"""`pinakes-server check [--repair]` on a running server's store: one line per problem, exit 1;
repair removes orphans and nothing else."""

from __future__ import annotations

from collections.abc import Callable

from .conftest import DeviceClient, sha256
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

    blobs = server.data_dir / "blobs"
    corrupt = blobs / sha256(A)[:2] / sha256(A)[2:4] / sha256(A)
    corrupt.write_bytes(b"rot")
    missing = blobs / sha256(B)[:2] / sha256(B)[2:4] / sha256(B)
    missing.unlink()
    stray = server.data_dir / "uploads" / "not-a-session.part"
    stray.write_bytes(b"x")
    nobodys = sha256(b"nobody's")
    orphan = blobs / nobodys[:2] / nobodys[2:4] / nobodys
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"nobody's")

    status, lines = check(server)
    assert status == 1
    assert lines[-1] == "4 problem(s)"
    assert f"corrupt blob {corrupt}: its bytes hash to {sha256(b'rot')}" in lines
    assert f"missing blob {missing}: a user owns it" in lines
    assert f"orphan {stray}: stray staging file" in lines
    assert f"orphan {orphan}: blob nothing owns" in lines

    status, lines = check(server, "--repair")
    assert status == 1 and lines[-1] == "2 problem(s)"
    assert not stray.exists() and not orphan.exists()
    assert corrupt.exists()  # a loss to look into, never deleted
    corrupt.write_bytes(A)
    missing.write_bytes(B)
    assert check(server) == (0, ["healthy"])
    assert device.download("lost.txt") == B
