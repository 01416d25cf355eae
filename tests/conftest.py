"""Live servers on 127.0.0.1 for the API tests, and helpers to act as users and devices."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from pinakes_server.config import Config
from pinakes_server.storage.blob_store import BlobStore
from pinakes_server.storage.file_store import FileStore
from pinakes_server.storage.s3_store import S3Store

from .faults.faulty import FILE_STORE_FAULTS, INJECTED, Faulty
from .live import PASSWORD, LiveServer, start_server
from .postgres import PostgresCluster
from .seaweed import Seaweed

# `PINAKES_TEST_DATABASE=postgresql` runs every live server on PostgreSQL with its bytes in
# SeaweedFS over S3, the scale-out configuration (make test runs both passes); tests that need
# one of them are marked `sqlite_only` / `postgresql_only`.
BACKEND = os.environ.get("PINAKES_TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster | None]:
    if BACKEND != "postgresql":
        yield None
        return
    cluster = PostgresCluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def seaweed() -> Iterator[Seaweed | None]:
    """The S3 store of the PostgreSQL pass."""
    if BACKEND != "postgresql":
        yield None
        return
    store = Seaweed.start()
    yield store
    store.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each pass of make test skips, by name, what only the other pass can run."""
    other = "sqlite_only" if BACKEND == "postgresql" else "postgresql_only"
    skip = pytest.mark.skip(reason=f"{other}: runs in the other pass of make test")
    for item in items:
        if other in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=["file", pytest.param("s3", marks=pytest.mark.postgresql_only)])
def blob_store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seaweed: Seaweed | None,
) -> BlobStore:
    """An in-process blob store of each kind (a prefix of its own in the test bucket)."""
    if request.param == "file":
        return FileStore(tmp_path)
    assert seaweed is not None
    settings = seaweed.settings()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, settings[name])
    return S3Store(Config.from_env({**settings, "PINAKES_DATA_DIR": str(tmp_path)}))


class Servers:
    """Starts server processes for the tests; `stop` ends them and fails on what their logs
    show: any 500 is a bug, whichever test provoked it; so is a storage failure, unless a test
    injected it. A restarted server (same data dir) keeps its database."""

    def __init__(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        postgres: PostgresCluster | None,
        seaweed: Seaweed | None,
    ) -> None:
        self._tmp, self._postgres, self._seaweed = tmp_path_factory, postgres, seaweed
        self._databases: dict[Path, str] = {}
        self._stores: dict[Path, dict[str, str]] = {}

    def start(
        self,
        started: list[tuple[LiveServer, bool]],
        data_dir: Path | None = None,
        module: str | None = None,
        storage_fails: bool = False,
        workers: int = 1,
        **env: str,
    ) -> LiveServer:
        data_dir = data_dir or self._tmp.mktemp("server") / "data"
        # Every verdict of the compiled contract checks is compared with stock openapi-core's
        # (in the SQLite pass: the contract checks do not depend on the database).
        env = {"PINAKES_CONTRACT_CROSS_CHECK": "1" if self._postgres is None else "0", **env}
        if self._postgres is not None:
            if data_dir not in self._databases:
                self._databases[data_dir] = self._postgres.new_database()
            env.setdefault("PINAKES_DATABASE_URL", self._databases[data_dir])
        if self._seaweed is not None and data_dir not in self._stores:
            # Its first start decides where its bytes are, for its restarts too.
            chosen = env.get("PINAKES_BLOB_STORE")
            self._stores[data_dir] = (
                {"PINAKES_BLOB_STORE": chosen} if chosen else self._seaweed.settings()
            )
        env = {**self._stores.get(data_dir, {}), **env}
        server = start_server(data_dir, module or "pinakes_server.cli", workers, **env)
        started.append((server, storage_fails or module is not None))
        return server

    @staticmethod
    def stop(started: list[tuple[LiveServer, bool]]) -> None:
        for server, _ in started:
            server.stop()
        for server, broken_on_purpose in started:
            log = server.log.read_text()
            assert "unhandled error" not in log, log
            assert "breaks the contract" not in log, log
            assert broken_on_purpose or "storage failed" not in log, log


@pytest.fixture(scope="session")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
    postgres: PostgresCluster | None,
    seaweed: Seaweed | None,
) -> Servers:
    return Servers(tmp_path_factory, postgres, seaweed)


def _factory(servers: Servers) -> Iterator[Callable[..., LiveServer]]:
    started: list[tuple[LiveServer, bool]] = []

    def factory(
        data_dir: Path | None = None,
        module: str | None = None,
        storage_fails: bool = False,
        workers: int = 1,
        **env: str,
    ) -> LiveServer:
        """A new server process; on an existing data dir it is a second instance of that one.
        `module`: another command line to run it with (one that injects faults);
        `storage_fails`: the test breaks its storage on purpose (so does any `module`)."""
        return servers.start(started, data_dir, module, storage_fails, workers, **env)

    yield factory
    servers.stop(started)


@pytest.fixture
def server_factory(servers: Servers) -> Iterator[Callable[..., LiveServer]]:
    """Servers of one test: stopped (and their logs checked) when it ends."""
    yield from _factory(servers)


@pytest.fixture(scope="module")
def module_server_factory(servers: Servers) -> Iterator[Callable[..., LiveServer]]:
    """Servers shared by one module's tests."""
    yield from _factory(servers)


@pytest.fixture(scope="session")
def session_server_factory(servers: Servers) -> Iterator[Callable[..., LiveServer]]:
    yield from _factory(servers)


@dataclass
class Account:
    server: LiveServer
    username: str
    user_id: str
    token: str
    is_admin: bool = False
    devices: dict[str, str] = field(default_factory=dict)  # device id → device token

    def client(self, token: str | None = None) -> httpx.Client:
        return self.server.client(token or self.token)

    def add_device(self, name: str = "laptop", device_type: str = "laptop") -> tuple[str, str]:
        with self.client() as api:
            reply = api.post(
                "/api/v1/sync/devices", json={"name": name, "device_type": device_type}
            )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        self.devices[body["device"]["id"]] = body["device_token"]
        return body["device"]["id"], body["device_token"]

    def device_jwt(self, device_token: str) -> str:
        with self.client() as api:
            reply = api.post("/api/v1/auth/device-login", json={"device_token": device_token})
        assert reply.status_code == 200, reply.text
        return reply.json()["access_token"]


def login(server: LiveServer, username: str, password: str = PASSWORD) -> str:
    with server.client() as api:
        reply = api.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def register(server: LiveServer, username: str, token: str | None = None) -> httpx.Response:
    with server.client(token) as api:
        return api.post("/api/v1/auth/register", json={"username": username, "password": PASSWORD})


@pytest.fixture
def start_faulty(
    server_factory: Callable[..., LiveServer], tmp_path: Path
) -> Callable[..., Faulty]:
    """`start_faulty("fault,fault", **settings)`: a server with those faults injected
    (tests/faults/injected_server.py), disarmed until the test arms them."""

    def start(faults: str, **env: str) -> Faulty:
        switch = tmp_path / "armed"
        if set(faults.split(",")) & FILE_STORE_FAULTS:  # they break the file store's calls
            env.setdefault("PINAKES_BLOB_STORE", "file")
        server = server_factory(
            module=INJECTED, PINAKES_TEST_FAULTS=faults, PINAKES_TEST_FAULT_SWITCH=str(switch),
            **env,
        )  # fmt: skip
        return Faulty(server, switch)

    return start


@pytest.fixture(scope="session")
def server(session_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """The shared server: default (closed) registration, SQLite in a temp data dir."""
    return session_server_factory()


@pytest.fixture(scope="session")
def admin(server: LiveServer) -> Account:
    reply = register(server, "admin")
    assert reply.status_code == 201, reply.text
    return Account(server, "admin", reply.json()["id"], login(server, "admin"), is_admin=True)


def new_user(admin: Account, prefix: str = "u") -> Account:
    """A fresh user of the admin's server, logged in."""
    username = f"{prefix}{uuid.uuid4().hex[:12]}"
    reply = register(admin.server, username, admin.token)
    assert reply.status_code == 201, reply.text
    return Account(admin.server, username, reply.json()["id"], login(admin.server, username))


@pytest.fixture
def make_user(admin: Account) -> Callable[[], Account]:
    """Fresh users, created by the admin, so tests never see each other's objects."""
    return lambda: new_user(admin)


@pytest.fixture
def alice(make_user: Callable[[], Account]) -> Account:
    return make_user()


@pytest.fixture
def bob(make_user: Callable[[], Account]) -> Account:
    return make_user()


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """Files this test makes by hand, or servers it starts, under this umask."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def assert_problem(reply: httpx.Response, status: int, type_: str | None = None) -> dict:
    """A problem+json answer with the status and (when given) the type slug; the body it
    returns leaves out its `request_id` (checked against the X-Request-ID header)."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    body = reply.json()
    assert body.pop("request_id") == reply.headers["x-request-id"], reply.text
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    if type_ is not None:
        assert body["type"] == type_, body
    return body


CHUNK = 256 * 1024  # the smallest chunk size the contract allows
OCTETS = {"content-type": "application/octet-stream"}


def chunk(data: bytes, index: int, size: int = CHUNK) -> bytes:
    return data[index * size : (index + 1) * size]


def put_chunk(
    device: DeviceClient, session_id: str, index: int, content: bytes, **headers: str
) -> httpx.Response:
    return device.api.put(
        f"/api/v1/sync/upload/{session_id}/chunks/{index}", content=content,
        headers={**OCTETS, **headers},
    )  # fmt: skip


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class DeviceClient:
    """One device of an account, talking through its own device-bound token."""

    account: Account
    id: str
    token: str
    api: httpx.Client

    def report(self, *changes: dict[str, object]) -> dict:
        reply = self.api.post("/api/v1/sync/report", json={"changes": list(changes)})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def upload(
        self, path: str, data: bytes, base_version: int | None = None, chunk_size: int = CHUNK
    ) -> dict:
        """Create a session, send every chunk (last first), complete; returns the result."""
        body: dict[str, object] = {
            "target_path": path, "expected_hash": sha256(data), "expected_size": len(data),
            "chunk_size": chunk_size,
        }  # fmt: skip
        if base_version is not None:
            body["base_version"] = base_version
        session = self.api.post("/api/v1/sync/upload", json=body)
        assert session.status_code == 200, session.text
        session_id = session.json()["id"]
        for index in reversed(range(session.json()["chunk_count"])):
            reply = put_chunk(self, session_id, index, chunk(data, index, chunk_size))
            assert reply.status_code == 200, reply.text
        done = self.api.post(f"/api/v1/sync/upload/{session_id}/complete")
        assert done.status_code == 200, done.text
        return done.json()

    def put(self, path: str, data: bytes, base_version: int = 0) -> dict:
        """Report a write and upload its bytes when asked to: what a sync client does."""
        change = {"path": path, "change_type": "modified", "content_hash": sha256(data),
                  "size": len(data), "base_version": base_version}  # fmt: skip
        result = self.report(change)
        if path in result["upload_required"]:
            return self.upload(path, data, base_version)
        return result

    def changes(self, **params: object) -> dict:
        reply = self.api.get("/api/v1/sync/changes", params=params)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def ack(self, cursor: int) -> dict:
        reply = self.api.post("/api/v1/sync/ack", json={"cursor": cursor})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def download(self, path: str) -> bytes:
        reply = self.api.get(f"/api/v1/sync/download/{quote(path)}")
        assert reply.status_code == 200, reply.text
        return reply.content


def device_client(account: Account, name: str) -> DeviceClient:
    """A new device of the account, logged in with its device token (close its `api`)."""
    device_id, device_token = account.add_device(name)
    jwt = account.device_jwt(device_token)
    return DeviceClient(account, device_id, jwt, account.client(jwt))


@pytest.fixture
def new_device() -> Iterator[Callable[..., DeviceClient]]:
    """Registers a device of an account and logs it in; its client is closed after the test."""
    made: list[DeviceClient] = []

    def make(account: Account, name: str = "device") -> DeviceClient:
        made.append(device_client(account, name))
        return made[-1]

    yield make
    for device in made:
        device.api.close()


@pytest.fixture
def make_account(new_device: Callable[..., DeviceClient]) -> Callable[[LiveServer], DeviceClient]:
    """On a server of its own: its first (admin) user, logged in through one device."""

    def make(server: LiveServer) -> DeviceClient:
        assert register(server, "owner").status_code == 201
        return new_device(Account(server, "owner", "", login(server, "owner")))

    return make


@pytest.fixture
def two_devices(
    alice: Account, new_device: Callable[..., DeviceClient]
) -> tuple[DeviceClient, DeviceClient]:
    return new_device(alice, "first"), new_device(alice, "second")
