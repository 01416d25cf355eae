"""The hand-written SDK (`pinakes`) as a developer uses it, against live servers: sessions,
whole-file transfers that resume, the feed, conflicts, errors raised, retries, strict types."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import random
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pinakes import (
    AsyncPinakes,
    CursorExpired,
    Fetched,
    FileChanged,
    Gone,
    HashMismatch,
    NotFound,
    Pinakes,
    PinakesError,
    Retries,
    Session,
    TooManyRequests,
    Unauthorized,
)
from pinakes_client.models import BatchItem, ChangeType, ClientChange

from .conftest import Account, register
from .live import PASSWORD, ROOT, LiveServer

MIB = 1024 * 1024


@pytest.fixture
def alice(make_user: Callable[[], Account], tmp_path: Path) -> Iterator[Session]:
    account = make_user()
    session = Pinakes.login(account.server.url, account.username, PASSWORD,
                            resume_dir=tmp_path / "resume")  # fmt: skip
    yield session
    session.close()


def device_of(user: Session, tmp_path: Path, name: str = "laptop") -> Session:
    _, token = user.register_device(name, "laptop")
    return Pinakes.device(user.base_url, token, resume_dir=tmp_path / "resume")


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_user_registers_a_device_that_then_works_on_its_own(
    alice: Session, tmp_path: Path, make_user: Callable[[], Account]
) -> None:
    device, token = alice.register_device("build-bot", "server")
    assert device.name == "build-bot" and len(token) > 20
    with Pinakes.device(alice.base_url, token) as bot:
        assert list(bot.files()) == []
    stranger = make_user()
    with pytest.raises(Unauthorized) as refused:
        Pinakes.login(stranger.server.url, stranger.username, "not the password")
    assert refused.value.status == 401 and refused.value.request_id
    with pytest.raises(Unauthorized):
        Pinakes.device(stranger.server.url, "no-such-device-token-0123456789")


def test_a_file_goes_up_in_parallel_chunks_and_comes_down_whole(
    alice: Session, tmp_path: Path
) -> None:
    data = random.Random(1).randbytes(3 * MIB + 12345)
    laptop, phone = device_of(alice, tmp_path), device_of(alice, tmp_path, "phone")
    seen: list[tuple[int, int]] = []
    source = written(tmp_path / "a.bin", data)
    done = laptop.upload_file(source, "docs/a.bin", chunk_size=MIB, parallel=3,
                              progress=lambda *p: seen.append(p))  # fmt: skip
    assert done.file is not None and done.conflict is None
    assert (done.file.path, done.file.version, done.file.size) == ("docs/a.bin", 1, len(data))
    assert done.sent_bytes == len(data) and done.session is not None
    assert seen[0] == (0, len(data)) and seen[-1] == (len(data), len(data))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    got: list[tuple[int, int]] = []
    target = tmp_path / "down" / "a.bin"
    target.parent.mkdir()
    content_hash = phone.download_file("docs/a.bin", target, progress=lambda *p: got.append(p))
    assert target.read_bytes() == data and content_hash == done.file.content_hash
    assert got[-1] == (len(data), len(data)) and [d for d, _ in got] == sorted(d for d, _ in got)
    assert [p.name for p in target.parent.iterdir()] == ["a.bin"]  # no temp file left
    laptop.close()
    phone.close()


def test_bytes_the_server_has_are_not_sent_again(alice: Session, tmp_path: Path) -> None:
    data = random.Random(2).randbytes(MIB)
    laptop = device_of(alice, tmp_path)
    laptop.upload_file(written(tmp_path / "one", data), "one.bin")
    again = laptop.upload_file(written(tmp_path / "two", data), "copy/two.bin")
    assert again.sent_bytes == 0 and again.session is None
    assert again.file is not None and again.file.path == "copy/two.bin"
    laptop.close()


def test_a_clashing_upload_returns_its_conflict(alice: Session, tmp_path: Path) -> None:
    laptop, phone = device_of(alice, tmp_path), device_of(alice, tmp_path, "phone")
    laptop.upload_file(written(tmp_path / "l", b"the laptop's words"), "notes.txt")
    clash = phone.upload_file(written(tmp_path / "p", b"the phone's words"), "notes.txt")
    assert clash.file is None and clash.conflict is not None
    assert clash.conflict.path == "notes.txt"
    assert [c.id for c in phone.conflicts()] == [clash.conflict.id]
    resolved = phone.resolve(clash.conflict.id, "keep_local")
    assert resolved.resolution is not None
    laptop.close()
    phone.close()


def test_an_upload_killed_half_way_resumes_with_the_missing_chunks(
    alice: Session, tmp_path: Path
) -> None:
    data = random.Random(3).randbytes(4 * MIB)
    source = written(tmp_path / "big.bin", data)
    _, token = alice.register_device("killed", "laptop")
    url = alice.base_url
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from pinakes import Pinakes

        def stop_after_two(done: int, total: int) -> None:
            if done >= 2 * {MIB}:
                os._exit(9)  # killed: no cleanup, no goodbye

        session = Pinakes.device({url!r}, {token!r}, resume_dir=Path({str(tmp_path / "resume")!r}))
        session.upload_file({str(source)!r}, "big.bin", chunk_size={MIB}, parallel=1,
                            progress=stop_after_two)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)  # fmt: skip
    assert run.returncode == 9, run.stdout + run.stderr
    with Pinakes.device(url, token, resume_dir=tmp_path / "resume") as device:
        seen: list[tuple[int, int]] = []
        done = device.upload_file(source, "big.bin", chunk_size=MIB, parallel=1,
                                  progress=lambda *p: seen.append(p))  # fmt: skip
        assert done.file is not None and done.file.version == 1
        assert done.sent_bytes == 2 * MIB  # only what the killed one had not sent
        assert seen[0] == (2 * MIB, 4 * MIB)
        target = tmp_path / "back.bin"
        device.download_file("big.bin", target)
        assert target.read_bytes() == data


def test_an_interrupted_download_resumes_and_a_wrong_partial_is_refused(
    alice: Session, tmp_path: Path
) -> None:
    data = random.Random(4).randbytes(2 * MIB + 7)
    laptop = device_of(alice, tmp_path)
    content_hash = laptop.upload_file(written(tmp_path / "s", data), "r.bin").file.content_hash  # type: ignore[union-attr]
    target = tmp_path / "r.bin"
    part = tmp_path / f".r.bin.{content_hash[:16]}.pinakes-part"
    part.write_bytes(data[:MIB])  # what a broken-off download left
    older = tmp_path / f".r.bin.{'0' * 16}.pinakes-part"  # ... and one of an older version
    older.write_bytes(b"an older version, half-way")
    neighbour = written(tmp_path / f".r.bin.x.{'0' * 16}.pinakes-part", b"r.bin.x's")
    seen: list[tuple[int, int]] = []
    laptop.download_file("r.bin", target, progress=lambda *p: seen.append(p))
    assert target.read_bytes() == data and seen[0] == (MIB, len(data)) and not part.exists()
    assert not older.exists() and neighbour.exists()
    part.write_bytes(b"x" * MIB)  # a partial with other bytes: resumed, then refused
    target.unlink()
    with pytest.raises(PinakesError, match="other bytes"):
        laptop.download_file("r.bin", target)
    assert not target.exists() and not part.exists()
    laptop.download_file("r.bin", target)  # and the next try starts afresh
    assert target.read_bytes() == data
    with pytest.raises(NotFound) as missing:
        laptop.download_file("no/such.file", tmp_path / "x")
    assert missing.value.status == 404
    laptop.close()


def test_the_feed_is_followed_to_its_end_and_expires_after_compaction(
    alice: Session, tmp_path: Path, server: LiveServer
) -> None:
    laptop = device_of(alice, tmp_path)
    for n in range(3):
        laptop.upload_file(written(tmp_path / f"f{n}", f"file {n}".encode()), f"f{n}.txt")
    feed = laptop.changes()
    assert [(c.path, c.version) for c in feed] == [("f0.txt", 1), ("f1.txt", 1), ("f2.txt", 1)]
    assert feed.cursor == 3
    assert [c.seq for c in laptop.changes(None)] == [1, 2, 3]  # None: from the beginning
    assert laptop.ack(feed.cursor).cursor == 3
    assert laptop.wait_for_changes(feed.cursor, timeout=1).changes == []
    assert sorted(f.path for f in laptop.files()) == ["f0.txt", "f1.txt", "f2.txt"]
    assert server.run_cli("compact").startswith("compacted")
    with pytest.raises(CursorExpired) as expired:
        list(laptop.changes(0))
    assert expired.value.status == 410 and expired.value.type == "cursor-expired"
    assert list(laptop.changes(3)) == []  # from the acknowledged cursor on, it goes on
    laptop.close()


def test_the_steps_for_a_client_that_keeps_its_own_records(alice: Session, tmp_path: Path) -> None:
    """What pinakes-sync is built on: report, an upload session resumed by its id, chunks
    read through an opener, complete or cancel; a download into a handle; batches."""
    laptop, phone = device_of(alice, tmp_path), device_of(alice, tmp_path, "phone")
    data = random.Random(6).randbytes(3 * MIB + 5)
    digest = hashlib.sha256(data).hexdigest()
    change = ClientChange(path="steps.bin", change_type=ChangeType.CREATED,
                          content_hash=digest, size=len(data), base_version=0)  # fmt: skip
    assert laptop.report([change]).upload_required == ["steps.bin"]
    upload = laptop.start_upload("steps.bin", digest, len(data), chunk_size=MIB)

    class Stopped(Exception):
        pass

    def stop_after_one(done: int, total: int) -> None:
        if done >= MIB:
            raise Stopped

    with pytest.raises(Stopped):
        laptop.send_chunks(upload, lambda: io.BytesIO(data), parallel=1, progress=stop_after_one)
    resumed = laptop.start_upload("steps.bin", digest, len(data), resume=upload.id)
    assert resumed.id == upload.id and resumed.received_chunks == [0]
    other = laptop.start_upload("steps.bin", hashlib.sha256(b"x").hexdigest(), 1,
                                resume=upload.id)  # fmt: skip
    assert other.id != upload.id  # the session to resume is for other bytes: a new one
    laptop.cancel_upload(other)
    with pytest.raises(Gone):  # a cancelled session is gone
        laptop.upload_status(other.id)
    with pytest.raises(FileChanged):  # the file shrank since it was hashed
        laptop.send_chunks(resumed, lambda: io.BytesIO(data[:-1]), parallel=1)
    assert laptop.send_chunks(resumed, lambda: io.BytesIO(data)) == len(data) - MIB
    assert laptop.complete_upload(resumed).file.version == 1  # type: ignore[union-attr]

    forged = laptop.start_upload("forged.bin", digest, len(data), chunk_size=MIB)
    laptop.send_chunks(forged, lambda: io.BytesIO(bytes(len(data))))
    with pytest.raises(HashMismatch):
        laptop.complete_upload(forged)

    out = io.BytesIO()
    assert phone.download_to("steps.bin", out, expected_hash=digest) == digest
    assert out.getvalue() == data
    stale = io.BytesIO()
    with pytest.raises(FileChanged):
        phone.download_to("steps.bin", stale, expected_hash=hashlib.sha256(b"v0").hexdigest())
    assert stale.getvalue() == b""

    small = {f"small/{n}.txt": f"small file {n}".encode() for n in range(3)}
    items = [(BatchItem(path=path, content_hash=hashlib.sha256(body).hexdigest(),
                        size=len(body), base_version=0), body)
             for path, body in small.items()]  # fmt: skip
    result = laptop.upload_batch(items)
    assert [item.accepted.version for item in result.items] == [1, 1, 1]  # type: ignore[union-attr]
    fetched = phone.download_batch([*small, "missing.txt"])
    assert fetched == {
        path: Fetched(hashlib.sha256(body).hexdigest(), body) for path, body in small.items()
    }
    pages = list(phone.change_pages(0, limit=2))
    assert [len(page.changes) for page in pages] == [2, 2] and pages[-1].cursor == 4
    assert [f.path for page in phone.file_pages() for f in page.files] == [
        *small, "steps.bin",
    ]  # fmt: skip
    laptop.close()
    phone.close()


def test_a_429_is_waited_out_and_asked_again(
    server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = server_factory(PINAKES_SIGN_IN_FAILURES="1", PINAKES_SIGN_IN_WINDOW_SECONDS="1")
    assert register(server, "carol").status_code == 201
    with pytest.raises(Unauthorized):
        Pinakes.login(server.url, "carol", "wrong password")
    with pytest.raises(TooManyRequests) as limited:  # told to wait, and not allowed to
        Pinakes.login(server.url, "carol", PASSWORD, retries=Retries(attempts=0))
    assert limited.value.retry_after is not None and limited.value.retry_after >= 1
    with Pinakes.login(server.url, "carol", PASSWORD) as carol:  # waits, asks again
        assert list(carol.files()) == []


def mypy(*targets: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--strict", *map(str, targets)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def test_the_package_and_code_using_it_type_check_strictly(tmp_path: Path) -> None:
    user = tmp_path / "user.py"
    user.write_text(
        textwrap.dedent("""
        from pathlib import Path
        from pinakes import Pinakes, ProblemError

        def sync(url: str, token: str, folder: Path) -> int:
            sent = 0
            with Pinakes.device(url, token) as device:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        done = device.upload_file(path, path.relative_to(folder).as_posix())
                        sent += done.sent_bytes
                try:
                    device.ack(0)
                except ProblemError as problem:
                    print(problem.status, problem.type)
            return sent
    """)
    )
    checked = mypy(ROOT / "sdk" / "pinakes", ROOT / "sdk" / "examples" / "sync_folder.py", user)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        textwrap.dedent("""
        from pinakes import Pinakes
        with Pinakes.device("http://x", "t") as device:
            device.upload_file("a.txt", 42)
    """)
    )
    refused = mypy(wrong)
    assert refused.returncode == 1 and "upload_file" in refused.stdout
    assert (ROOT / "sdk" / "pinakes" / "py.typed").is_file()
    assert os.path.getsize(ROOT / "sdk" / "pinakes" / "py.typed") == 0


def test_the_asyncio_twin_does_the_same(make_user: Callable[[], Account], tmp_path: Path) -> None:
    account = make_user()
    data = random.Random(5).randbytes(MIB + 1)
    source = written(tmp_path / "twin.bin", data)

    async def scenario() -> None:
        async with await AsyncPinakes.login(account.server.url, account.username, PASSWORD,
                                            resume_dir=tmp_path) as user:  # fmt: skip
            _, token = await user.register_device("async-laptop", "laptop")
        async with await AsyncPinakes.device(account.server.url, token,
                                             resume_dir=tmp_path) as device:  # fmt: skip
            seen: list[tuple[int, int]] = []
            done = await device.upload_file(source, "twin.bin", chunk_size=256 * 1024,
                                            progress=lambda *p: seen.append(p))  # fmt: skip
            assert done.file is not None and done.sent_bytes == len(data)
            assert seen[-1] == (len(data), len(data))
            again = await device.upload_file(source, "again.bin")
            assert again.sent_bytes == 0
            await device.download_file("twin.bin", tmp_path / "back.bin")
            assert (tmp_path / "back.bin").read_bytes() == data
            feed = device.changes()
            assert [change.path async for change in feed] == ["twin.bin", "again.bin"]
            assert (await device.ack(feed.cursor)).cursor == 2
            assert sorted([entry.path async for entry in device.files()]) == [
                "again.bin",
                "twin.bin",
            ]
            assert [page.cursor async for page in device.change_pages(0)] == [2]
            into = io.BytesIO()
            assert await device.download_to("twin.bin", into) == done.file.content_hash
            assert into.getvalue() == data
            assert await device.conflicts() == []
            with pytest.raises(NotFound):
                await device.download_file("nothing.here", tmp_path / "x")
            with pytest.raises(CursorExpired):
                [change async for change in device.changes(99)]

    asyncio.run(scenario())


def test_a_device_signs_in_again_when_its_token_expires(
    server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    # Two seconds: a JWT's expiry is a whole second, so one issued late in a second with a
    # one-second life could expire before the call it was renewed for arrives.
    server = server_factory(PINAKES_TOKEN_TTL_SECONDS="2", PINAKES_JWT_LEEWAY_SECONDS="0")
    assert register(server, "dave").status_code == 201
    with Pinakes.login(server.url, "dave", PASSWORD) as dave:
        _, token = dave.register_device("slow", "laptop")
    with Pinakes.device(server.url, token, resume_dir=tmp_path) as device:
        first = device.client.token
        time.sleep(3.2)  # its JWT has expired by now
        done = device.upload_file(written(tmp_path / "late.txt", b"late"), "late.txt")
        assert done.file is not None and device.client.token != first
        second = device.client.token
        time.sleep(3.2)  # expired again: a streamed answer (a download) signs in too
        into = io.BytesIO()
        device.download_to("late.txt", into)
        assert into.getvalue() == b"late" and device.client.token not in (first, second)
