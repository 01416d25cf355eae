"""Each figure of issue #6, measured beside its reference in the same run."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import peewee
from aiobotocore.session import get_session
from pinakes_server.storage.db import SQLITE_PRAGMAS, bulk_write, close_database, open_database
from pinakes_server.storage.tables import ChangeLog, User, UserSeq, database, utcnow

from tests.live import PASSWORD
from tests.seaweed import Seaweed

from .harness import (
    BACKENDS,
    Result,
    bare,
    curl_mb_s,
    device_token,
    idle_rss_mib,
    nginx,
    peak_rss_mib,
    pinakes,
    wrk,
)

WRK_SECONDS = 10
GIB = 1024**3
CHUNK = 8 * 1024**2
DEVICES = "/api/v1/sync/devices"
RANGES_LUA = Path(__file__).with_name("random_range.lua")


def ratio(name: str, value: float, reference: float, goal: float, unit: str) -> Result:
    """Higher is better: value / reference must reach the goal."""
    r = value / reference
    return Result(name, value, reference, r, f">= {goal}", unit, r >= goal)


def devices_rate(scratch: Path) -> Iterator[Result]:
    """GET /devices, authenticated, against the bare endpoint (wrk -t1 -c32): production
    defaults (responses not validated) on each backend, and with responses validated."""
    with bare() as url:
        reference = wrk(url, WRK_SECONDS)
    production = {"PINAKES_VALIDATE_RESPONSES": "0"}
    for label, backend, env, goal in (
        ("GET /devices req/s, production [sqlite]", "sqlite", production, 0.35),
        ("GET /devices req/s, production [postgresql]", "postgresql", production, 0.25),
        ("GET /devices req/s, responses validated [sqlite]", "sqlite", {}, 0.25),
    ):
        with pinakes(scratch / f"devices-{backend}-{len(env)}", backend, **env) as server:
            rate = wrk(server.url + DEVICES, WRK_SECONDS, device_token(server))
        yield ratio(label, rate, reference, goal, "req/s")


def instances(scratch: Path) -> Iterator[Result]:
    """`GET /devices` (production defaults) on PostgreSQL: two instances sharing the
    database and the data dir, each under its own wrk (-c16), against one instance (-c32)."""
    data_dir, production = scratch / "instances", {"PINAKES_VALIDATE_RESPONSES": "0"}
    with pinakes(data_dir, "postgresql", **production) as first:
        token = device_token(first)
        one = wrk(first.url + DEVICES, WRK_SECONDS, token)
        shared = {"PINAKES_DATABASE_URL": first.env["PINAKES_DATABASE_URL"], **production}
        with pinakes(data_dir, **shared) as second, ThreadPoolExecutor(2) as pool:
            rates = pool.map(
                lambda url: wrk(url + DEVICES, WRK_SECONDS, token, connections=16),
                [first.url, second.url],
            )
            two = sum(rates)
    yield ratio("GET /devices req/s, two instances vs one [postgresql]", two, one, 1.6, "req/s")


def _seed_log(data_dir: Path, token_user: str, count: int) -> None:
    """`count` changes in the user's log, written straight to the database (server stopped)."""
    open_database(None, data_dir)
    try:
        user = User.get(User.username_key == token_user)
        now = utcnow()
        batch = 20_000
        for start in range(0, count, batch):
            rows = [
                {"user": user.id, "seq": seq, "path": f"d{seq % 97}/f{seq}.txt",
                 "change_type": "created", "content_hash": "a" * 64, "size": seq, "mtime": now,
                 "version": 1, "old_path": None, "device_id": None, "timestamp": now}
                for seq in range(start + 1, min(start + batch, count) + 1)
            ]  # fmt: skip
            with database.atomic():
                bulk_write(ChangeLog, rows)
        UserSeq.update(last_seq=count).where(UserSeq.user == user.id).execute()
    finally:
        close_database()


def _seeded(scratch: Path, count: int) -> tuple[Path, str]:
    """A data dir whose user has `count` changes, and a device token of that user."""
    data_dir = scratch / f"feed-{count}"
    with pinakes(data_dir) as server:
        token = device_token(server, "feed")  # still valid after the restart
    _seed_log(data_dir, "feed", count)
    return data_dir, token


def _last_page_ms(api: httpx.Client, count: int) -> float:
    started = time.perf_counter()
    reply = api.get("/api/v1/sync/changes", params={"cursor": count - 1000, "limit": 1000})
    elapsed = (time.perf_counter() - started) * 1000
    assert reply.status_code == 200 and len(reply.json()["changes"]) == 1000, reply.text
    return elapsed


def feed_latency(scratch: Path) -> Iterator[Result]:
    """The last page (limit 1000) of a 1,000,000-change log against that of a 10,000 one.

    Both servers run at once and are asked in turn, so a noisy moment of the machine (the
    kernel writing back the freshly seeded database, say) falls on both alike."""
    counts = (10_000, 1_000_000)
    seeded = [_seeded(scratch, count) for count in counts]
    os.sync()
    with contextlib.ExitStack() as stack:
        apis = [
            stack.enter_context(stack.enter_context(pinakes(data_dir)).client(token))
            for data_dir, token in seeded
        ]
        times: list[list[float]] = [[], []]
        for round_ in range(45):
            for i, (api, count) in enumerate(zip(apis, counts, strict=True)):
                elapsed = _last_page_ms(api, count)
                if round_ >= 5:  # warm-up rounds are not counted
                    times[i].append(elapsed)
    small, big = (statistics.median(t) for t in times)
    r = big / small
    yield Result("feed page latency at 1M changes (ms, median)", big, small, r, "<= 1.2", "ms",
                 r <= 1.2)  # fmt: skip


SEED = b"the one blob every benchmark report points at"


def _changes(report: int) -> list[dict[str, object]]:
    """1000 new paths, in ten folders, all with the bytes of SEED (stored first: `_store_seed`),
    so that every change applies."""
    return [
        {"path": f"r{report}/d{i % 10}/file{i}.txt", "change_type": "created",
         "content_hash": hashlib.sha256(SEED).hexdigest(), "size": len(SEED),
         "mtime": "2026-11-27T01:00:00Z", "base_version": 0}
        for i in range(1000)
    ]  # fmt: skip


def _store_seed(api: httpx.Client) -> None:
    _stored(api, SEED)


def _raw_peewee_rate(scratch: Path, reports: list[list[dict[str, object]]]) -> float:
    """The same rows (file states and log rows) with Peewee's insert_many, one transaction
    per report, on SQLite with our pragmas: what a report could cost at the least."""
    db = peewee.SqliteDatabase(str(scratch / "raw.sqlite3"), pragmas=SQLITE_PRAGMAS)

    class Base(peewee.Model):
        class Meta:
            database = db

    class State(Base):
        user = peewee.UUIDField()
        path = peewee.TextField()
        version = peewee.BigIntegerField()
        content_hash = peewee.CharField(null=True)
        size = peewee.BigIntegerField(null=True)
        mtime = peewee.DateTimeField(null=True)

        class Meta:
            indexes = ((("user", "path"), True),)

    class Log(Base):
        user = peewee.UUIDField()
        seq = peewee.BigIntegerField()
        path = peewee.TextField()
        change_type = peewee.CharField()
        content_hash = peewee.CharField(null=True)
        size = peewee.BigIntegerField(null=True)
        version = peewee.BigIntegerField()

        class Meta:
            indexes = ((("user", "seq"), True),)

    db.create_tables([State, Log])
    user, seq = uuid.uuid4(), 0
    started = time.perf_counter()
    for changes in reports:
        with db.atomic():
            State.insert_many(
                [{"user": user, "path": c["path"], "version": 1, "content_hash": c["content_hash"],
                  "size": c["size"], "mtime": c["mtime"]} for c in changes]
            ).execute()  # fmt: skip
            Log.insert_many(
                [{"user": user, "seq": (seq := seq + 1), "path": c["path"], "version": 1,
                  "change_type": "created", "content_hash": c["content_hash"], "size": c["size"]}
                 for c in changes]
            ).execute()  # fmt: skip
    elapsed = time.perf_counter() - started
    db.close()
    return sum(map(len, reports)) / elapsed


def _report_rate(data_dir: Path, backend: str, reports: list[list[dict]]) -> float:
    with pinakes(data_dir, backend) as server, server.client(device_token(server)) as api:
        _store_seed(api)
        api.post("/api/v1/sync/report", json={"changes": _changes(999)})  # warm up
        started = time.perf_counter()
        for changes in reports:
            reply = api.post("/api/v1/sync/report", json={"changes": changes})
            assert reply.status_code == 200, reply.text
        return sum(map(len, reports)) / (time.perf_counter() - started)


def report_ingest(scratch: Path) -> Iterator[Result]:
    """1000-change reports through the API (validated): SQLite against raw Peewee inserts,
    PostgreSQL against SQLite in the same run."""
    reports = [_changes(n) for n in range(30)]
    on_sqlite = _report_rate(scratch / "report-sqlite", "sqlite", reports)
    reference = _raw_peewee_rate(scratch, reports)
    r = on_sqlite / reference
    met = r >= 0.3 and on_sqlite >= 20_000
    yield Result("report ingest, changes/s [sqlite]", on_sqlite, reference, r,
                 ">= 0.3 and >= 20,000/s", "changes/s", met)  # fmt: skip
    on_postgres = _report_rate(scratch / "report-postgresql", "postgresql", reports)
    r = on_postgres / on_sqlite
    met = r >= 0.5 and on_postgres >= 20_000
    yield Result("report ingest, changes/s [postgresql vs sqlite]", on_postgres, on_sqlite, r,
                 ">= 0.5 and >= 20,000/s", "changes/s", met)  # fmt: skip


def busy_latency(scratch: Path) -> Iterator[Result]:
    """p99 of cheap requests (`/health`, `/auth/me`) while 1000-change reports run back to
    back in the same server process, against the same requests' p99 when it is quiet."""
    for backend in BACKENDS:
        with pinakes(scratch / f"busy-{backend}", backend) as server:
            token = device_token(server)
            with server.client(token) as api:
                _store_seed(api)
                quiet = _cheap_p99(api, 200)
                stop = threading.Event()
                writer = threading.Thread(target=_reports_until, args=(server, token, stop))
                writer.start()
                time.sleep(0.5)  # the first report is under way
                busy = _cheap_p99(api, 400)
                stop.set()
                writer.join()
        yield Result(f"cheap request p99 ms while reports run [{backend}]", busy, quiet,
                     busy / quiet, "p99 <= 15 ms", "ms", busy <= 15)  # fmt: skip


def _cheap_p99(api: httpx.Client, count: int) -> float:
    delays = []
    for n in range(count):
        started = time.perf_counter()
        reply = api.get("/health" if n % 2 else "/api/v1/auth/me")
        delays.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, reply.text
    delays.sort()
    return delays[int(len(delays) * 0.99) - 1]


def _reports_until(server: object, token: str, stop: threading.Event) -> None:
    with server.client(token) as api:  # type: ignore[attr-defined]
        n = 1000
        while not stop.is_set():
            reply = api.post("/api/v1/sync/report", json={"changes": _changes(n)})
            assert reply.status_code == 200, reply.text
            n += 1


def _big_file(folder: Path) -> str:
    """1 GiB of random bytes as its 128 chunk files (what curl sends); their sha256."""
    digest = hashlib.sha256()
    folder.mkdir()
    for index in range(GIB // CHUNK):
        block = os.urandom(CHUNK)
        digest.update(block)
        (folder / str(index)).write_bytes(block)
    return digest.hexdigest()


def _dd_mb_s(target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=8M", "count=128", "conv=fsync"],
        check=True, capture_output=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    target.unlink()
    return GIB / elapsed / 1e6


def _upload(api: httpx.Client, chunks: Path, digest: str, name: str, token: str) -> float:
    """Session, 128 chunks sent by curl three at a time, complete: MB/s for the whole.

    curl, not this process, sends the bytes: a Python client would take CPU the server
    needs (as wrk, not Python, makes the request-rate load)."""
    started = time.perf_counter()
    session = api.post("/api/v1/sync/upload", json={
        "target_path": name, "expected_hash": digest, "expected_size": GIB, "chunk_size": CHUNK,
    }).json()  # fmt: skip

    def send(index: int) -> None:
        url = f"{str(api.base_url).rstrip('/')}/api/v1/sync/upload/{session['id']}/chunks/{index}"
        subprocess.run(
            ["curl", "-sS", "--fail", "-o", "/dev/null", "-X", "PUT", "--data-binary",
             f"@{chunks / str(index)}", "-H", "Content-Type: application/octet-stream",
             "-H", "Expect:", "-H", f"Authorization: Bearer {token}", url],
            check=True,
        )  # fmt: skip

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(send, range(session["chunk_count"])))
    done = api.post(f"/api/v1/sync/upload/{session['id']}/complete", timeout=300)
    assert done.status_code == 200, done.text
    return GIB / (time.perf_counter() - started) / 1e6


def transfers(scratch: Path) -> Iterator[Result]:
    """1 GiB up (against dd), RSS while doing it, 1 GiB down (against nginx), 4 KiB ranges."""
    data_dir = scratch / "transfer"
    chunks = scratch / "chunks"
    digest = _big_file(chunks)
    with pinakes(data_dir) as server:
        token = device_token(server)
        limits = httpx.Limits(max_connections=3)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"},
                          limits=limits, timeout=120) as api:  # fmt: skip
            idle = idle_rss_mib(server.process.pid)
            reference = _dd_mb_s(data_dir / "dd.bin")
            speed = _upload(api, chunks, digest, "big.bin", token)
            _, peak = peak_rss_mib(server.process.pid)
        yield ratio("upload 1 GiB in 8 MiB chunks, MB/s", speed, reference, 0.6, "MB/s")
        grown = peak - idle
        yield Result("server peak RSS over idle during the upload", grown, idle, grown / idle,
                     "<= idle + 64 MiB", "MiB", grown <= 64)  # fmt: skip
        blob = next((data_dir / "blobs").rglob(digest))
        with nginx(blob.parent, scratch / "nginx") as static:
            ours = max(curl_mb_s(f"{server.url}/api/v1/sync/download/big.bin", token)
                       for _ in range(3))  # fmt: skip
            theirs = max(curl_mb_s(f"{static}/{digest}") for _ in range(3))
        yield ratio("download 1 GiB, MB/s", ours, theirs, 0.5, "MB/s")
        with bare() as url:
            reference_rate = wrk(url, WRK_SECONDS)
        rate = wrk(f"{server.url}/api/v1/sync/download/big.bin", WRK_SECONDS, token, RANGES_LUA)
        yield ratio("random 4 KiB Range downloads, req/s", rate, reference_rate, 0.3, "req/s")
    shutil.rmtree(chunks)


def s3_transfers(scratch: Path) -> Iterator[Result]:
    """1 GiB up and down through an instance whose bytes are in SeaweedFS (S3), against the
    same bytes written and read straight to the store by aiobotocore in this process; the
    server's peak RSS over idle during each. On each database backend."""
    chunks = scratch / "chunks"
    digest = _big_file(chunks)
    with contextlib.ExitStack() as stack:
        weed = Seaweed.start(scratch / "weed")
        stack.callback(weed.stop)
        direct_up, direct_down = asyncio.run(_direct_s3(weed, chunks))
        for backend in BACKENDS:
            settings = weed.settings(f"bench-{backend}")
            with pinakes(scratch / f"s3-{backend}", backend, **settings) as server:
                token = device_token(server)
                with httpx.Client(base_url=server.url, timeout=300,
                                  headers={"Authorization": f"Bearer {token}"}) as api:  # fmt: skip
                    idle = idle_rss_mib(server.process.pid)
                    up = _upload(api, chunks, digest, "big.bin", token)
                    up_peak = peak_rss_mib(server.process.pid)[1] - idle
                    idle = idle_rss_mib(server.process.pid)
                    down = max(curl_mb_s(f"{server.url}/api/v1/sync/download/big.bin", token)
                               for _ in range(2))  # fmt: skip
                    down_peak = peak_rss_mib(server.process.pid)[1] - idle
            name = f"[{backend}, S3]"
            yield ratio(f"upload 1 GiB through the server {name}, MB/s", up, direct_up, 0.6,
                        "MB/s")  # fmt: skip
            yield ratio(f"download 1 GiB through the server {name}, MB/s", down, direct_down,
                        0.7, "MB/s")  # fmt: skip
            for what, grown in (("upload", up_peak), ("download", down_peak)):
                label = f"server peak RSS over idle during the {what} {name}"
                yield Result(label, grown, idle, grown / idle, "<= idle + 64 MiB", "MiB",
                             grown <= 64)  # fmt: skip
    shutil.rmtree(chunks)


async def _direct_s3(weed: Seaweed, chunks: Path) -> tuple[float, float]:
    """MB/s of 1 GiB written as one object (a multipart upload of the 8 MiB chunk files,
    three parts at a time, as curl sends them to the server) and read back whole, streamed."""
    settings = weed.settings("direct")
    bucket, _, prefix = settings["PINAKES_BLOB_STORE"].removeprefix("s3://").partition("/")
    key = f"{prefix}/big.bin"
    session = get_session()
    async with session.create_client(
        "s3", endpoint_url=weed.endpoint, region_name="us-east-1",
        aws_access_key_id=settings["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=settings["AWS_SECRET_ACCESS_KEY"],
    ) as s3:  # fmt: skip
        started = time.perf_counter()
        upload = await s3.create_multipart_upload(Bucket=bucket, Key=key)
        limit = asyncio.Semaphore(3)

        async def part(index: int) -> dict[str, object]:
            async with limit:
                body = (chunks / str(index)).read_bytes()
                answer = await s3.upload_part(Bucket=bucket, Key=key, PartNumber=index + 1,
                                              UploadId=upload["UploadId"], Body=body)  # fmt: skip
            return {"PartNumber": index + 1, "ETag": answer["ETag"]}

        parts = await asyncio.gather(*(part(i) for i in range(GIB // CHUNK)))
        await s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                           MultipartUpload={"Parts": parts})  # fmt: skip
        up = GIB / (time.perf_counter() - started) / 1e6
        started = time.perf_counter()
        answer = await s3.get_object(Bucket=bucket, Key=key)
        async for _ in answer["Body"].iter_chunks(1024 * 1024):
            pass
        down = GIB / (time.perf_counter() - started) / 1e6
    return up, down


def _stored(api: httpx.Client, data: bytes) -> dict[str, object]:
    """A change whose bytes the server already has, so reporting it applies at once."""
    digest = hashlib.sha256(data).hexdigest()
    session = api.post("/api/v1/sync/upload", json={
        "target_path": "seed.txt", "expected_hash": digest, "expected_size": len(data),
        "chunk_size": 256 * 1024,
    }).json()  # fmt: skip
    api.put(f"/api/v1/sync/upload/{session['id']}/chunks/0", content=data,
            headers={"content-type": "application/octet-stream"})  # fmt: skip
    assert api.post(f"/api/v1/sync/upload/{session['id']}/complete").status_code == 200
    return {"change_type": "created", "content_hash": digest, "size": len(data),
            "base_version": 0}  # fmt: skip


def long_poll(scratch: Path) -> Iterator[Result]:
    """A device's long-poll on one server process, woken by another device's report that a
    second server process (same data dir) takes: from that reply to the poller's."""
    data_dir = scratch / "poll"
    with pinakes(data_dir) as first, pinakes(data_dir) as second:
        reader = first.client(device_token(first))
        writer = second.client(device_token(first))  # the same user's other device
        change = _stored(writer, b"hello")
        cursor = reader.get("/api/v1/sync/changes").json()["cursor"]
        delays = []
        for n in range(100):
            woke: dict[str, float] = {}
            thread = threading.Thread(target=_wait, args=(reader, cursor, woke))
            thread.start()
            time.sleep(0.05 + random.random() * 0.05)  # the poll is parked by now
            reply = writer.post("/api/v1/sync/report", json={"changes": [
                {**change, "path": f"p{n}.txt"}]})  # fmt: skip
            replied = time.perf_counter()
            thread.join()
            assert reply.status_code == 200 and woke["cursor"] > cursor, reply.text
            cursor = int(woke["cursor"])
            delays.append((woke["at"] - replied) * 1000)
        writer.close()
        reader.close()
    delays.sort()
    p99 = delays[int(len(delays) * 0.99) - 1]
    yield Result("long-poll wake-up across processes, p99 ms", p99, 50.0, p99 / 50.0,
                 "p99 <= 50 ms", "ms", p99 <= 50)  # fmt: skip


def _wait(reader: httpx.Client, cursor: int, woke: dict[str, float]) -> None:
    reply = reader.get("/api/v1/sync/changes", params={"cursor": cursor, "wait": 10})
    woke["at"] = time.perf_counter()
    woke["cursor"] = reply.json()["cursor"]


SMALL_FILES, SMALL_FOLDERS, SMALL_SIZE = 5000, 50, 1024
SMALL_GOAL = 1500  # files/s, push and pull


def _small_tree(root: Path) -> None:
    rng = random.Random(5)
    for i in range(SMALL_FILES):
        folder = root / f"folder-{i % SMALL_FOLDERS:02}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{i:05}.md").write_bytes(rng.randbytes(SMALL_SIZE))


def _sync_cli(*args: str | Path) -> float:
    """Seconds one `pinakes-sync` command takes, start-up included (as a person sees it)."""
    env = {**os.environ, "PINAKES_PASSWORD": PASSWORD}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pinakes_sync.cli", *map(str, args)],
        check=True, capture_output=True, env=env, timeout=600,
    )  # fmt: skip
    return time.perf_counter() - started


def small_files(scratch: Path) -> Iterator[Result]:
    """5,000 files of 1 KiB in 50 folders: pushed by `pinakes-sync sync` from one folder,
    pulled by another; against `cp -r` of the same tree followed by `sync` (the floor)."""
    source = scratch / "tree"
    _small_tree(source)
    os.sync()
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(scratch / "copy")], check=True)
    subprocess.run(["sync"], check=True)
    floor = SMALL_FILES / (time.perf_counter() - started)
    for backend in BACKENDS:
        production = {"PINAKES_VALIDATE_RESPONSES": "0"}
        with pinakes(scratch / f"server-{backend}", backend, **production) as server:
            account = {"username": "small", "password": PASSWORD}
            httpx.post(f"{server.url}/api/v1/auth/register", json=account).raise_for_status()
            pusher, puller = scratch / f"push-{backend}", scratch / f"pull-{backend}"
            shutil.copytree(source, pusher)
            for folder in (pusher, puller):
                _sync_cli("init", folder, "--server", server.url, "--username", "small",
                          "--device-name", folder.name)  # fmt: skip
            os.sync()  # the copy's writeback is not the push's to pay (syncfs would)
            push = SMALL_FILES / _sync_cli("sync", pusher)
            os.sync()
            rates = {"push": push, "pull": SMALL_FILES / _sync_cli("sync", puller)}
            pulled = [p for p in puller.rglob("*.md") if ".pinakes" not in p.parts]
            assert len(pulled) == SMALL_FILES, f"{len(pulled)} files pulled, not {SMALL_FILES}"
        for what, rate in rates.items():
            yield Result(
                f"{SMALL_FILES} x 1 KiB {what} via pinakes-sync, files/s [{backend}]",
                rate, floor, rate / floor, f">= {SMALL_GOAL} files/s", "files/s",
                rate >= SMALL_GOAL,
            )  # fmt: skip


def _max_batch(index: int) -> list[tuple[str, tuple[str | None, bytes, str]]]:
    """A batch of the largest default size: 1000 files of 32 KiB (32 MiB with its framing
    just under the 32 MiB limit), each file's bytes its own."""
    files = [random.Random(f"{index}-{i}").randbytes(32 * 1024 - 64) for i in range(1000)]
    manifest = {"items": [
        {"path": f"batch-{index}/{i:04}.bin", "content_hash": hashlib.sha256(data).hexdigest(),
         "size": len(data)}
        for i, data in enumerate(files)
    ]}  # fmt: skip
    parts = [("manifest", (None, json.dumps(manifest).encode(), "application/json"))]
    return parts + [("files", (f"{i}", data, "application/octet-stream"))
                    for i, data in enumerate(files)]  # fmt: skip


def batch_memory(scratch: Path) -> Iterator[Result]:
    """The server's peak RSS over idle while ten batches of the largest size stream in, one
    after another (each is parsed as it arrives, straight to staging files)."""
    with pinakes(scratch / "batches", PINAKES_VALIDATE_RESPONSES="0") as server:
        token = device_token(server)
        bodies = [_max_batch(i) for i in range(10)]
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"},
                          timeout=120) as api:  # fmt: skip
            idle = idle_rss_mib(server.process.pid)
            for parts in bodies:
                reply = api.post("/api/v1/sync/upload/batch", files=parts)
                assert reply.status_code == 200, reply.text[:300]
            _, peak = peak_rss_mib(server.process.pid)
    grown = peak - idle
    yield Result("server peak RSS over idle, 32 MiB batches", grown, idle, grown / idle,
                 "<= idle + 64 MiB", "MiB", grown <= 64)  # fmt: skip


FIGURES: dict[str, Callable[[Path], Iterator[Result]]] = {
    "devices": devices_rate,
    "feed": feed_latency,
    "report": report_ingest,
    "busy": busy_latency,
    "instances": instances,
    "transfer": transfers,
    "long-poll": long_poll,
    "small-files": small_files,
    "batch-memory": batch_memory,
    "s3-transfer": s3_transfers,
}
