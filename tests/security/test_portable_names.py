"""Portable names, from openapi.json: every request field that carries a library path is
classified here. Where a path would be new, each name some device cannot hold is a 400 saying
which rule it breaks, and nothing is stored; a path stored before the rule (the release before
accepted it) can still be read, listed, deleted, edited and moved away from by its owner. A new
path field fails the suite until it is classified."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from pinakes_server.openapi.spec import load_spec

from ..conftest import Account, DeviceClient, assert_problem, sha256
from ..legacy_names import legacy_library
from ..live import LiveServer
from .test_isolation import OPERATIONS

SPEC = load_spec()

RESERVED = "a segment is a name Windows reserves"
TRAILING = "a segment ends in a dot or a space"
FORBIDDEN = "it contains a character Windows forbids in names"
BIDI = "it contains a bidirectional control character"
INVISIBLE = "it contains a zero-width character or a byte order mark"
# Each name some device cannot hold (or a person could misread), and the rule it breaks.
BAD_NAMES = {
    "CON/x.txt": RESERVED, "NUL.txt": RESERVED, "con.txt": RESERVED, "Com1.tar.gz": RESERVED,
    "lpt9": RESERVED, "aux .md": RESERVED, "COM\u00b9.log": RESERVED,
    "a./b": TRAILING, ".. /x": TRAILING, "notes.txt ": TRAILING,
    "a.txt:stream": FORBIDDEN, "a*?.txt": FORBIDDEN, 'say "hi".txt': FORBIDDEN,
    "<tag>|pipe": FORBIDDEN,
    "invoice\u202efdp.exe": BIDI, "x\u2066y": BIDI,
    "zero\u200bwidth": INVISIBLE, "z\u200cw\u200dj": INVISIBLE, "word\u2060joiner": INVISIBLE,
    "\ufeffbom.txt": INVISIBLE,
}  # fmt: skip
NAME_IDS = [ascii(name) for name in BAD_NAMES]


def _one_per_rule() -> list[str]:
    """Staying usable once stored depends on the rule only: one name of each is enough."""
    first: dict[str, str] = {}
    for name, rule in BAD_NAMES.items():
        first.setdefault(rule, name)
    return list(first.values())


ONE_PER_RULE = _one_per_rule()


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = SPEC["components"][kind][name]
    return node


def _path_fields(node: dict, where: str) -> Iterator[str]:
    if node.get("$ref", "").endswith("/LibraryPath"):
        yield where
        return
    node = _resolve(node)
    for name, sub in node.get("properties", {}).items():
        yield from _path_fields(sub, f"{where}.{name}")
    if "items" in node:
        yield from _path_fields(node["items"], f"{where}[]")
    for alternative in node.get("anyOf", []) + node.get("oneOf", []):
        yield from _path_fields(alternative, where)


def path_fields() -> set[tuple[str, str]]:
    """(operation, field) for every request field of the contract that is a LibraryPath."""
    found = set()
    for op_id, op in OPERATIONS.items():
        item = SPEC["paths"][op.path]
        spec = item[op.method.lower()]
        for parameter in map(_resolve, item.get("parameters", []) + spec.get("parameters", [])):
            where = f"{parameter['in']}.{parameter['name']}"
            found |= {(op_id, f) for f in _path_fields(parameter["schema"], where)}
        for media in spec.get("requestBody", {}).get("content", {}).values():
            found |= {(op_id, f) for f in _path_fields(media["schema"], "body")}
    return found


@dataclass
class Library:
    server: LiveServer
    owner: Account
    laptop: DeviceClient

    def live(self) -> dict[str, dict]:
        reply = self.laptop.api.get("/api/v1/sync/files", params={"limit": 1000})
        assert reply.status_code == 200, reply.text
        return {f["path"]: f for f in reply.json()["files"]}


def _batch(api: httpx.Client, path: str, data: bytes, base_version: int = 0) -> httpx.Response:
    item = {"path": path, "content_hash": sha256(data), "size": len(data)}
    manifest = {"items": [{**item, "base_version": base_version}]}
    return api.post("/api/v1/sync/upload/batch", files=[
        ("manifest", (None, json.dumps(manifest), "application/json")),
        ("files", ("f", data, "application/octet-stream")),
    ])  # fmt: skip


# Where a path would be new: (what is sent, where the 400 points).
NewCall = Callable[[Library, str], httpx.Response]


def _report(change: dict) -> NewCall:
    return lambda lib, path: lib.laptop.api.post(
        "/api/v1/sync/report", json={"changes": [{**change, "path": path}]}
    )


def _upload(lib: Library, path: str) -> httpx.Response:
    body = {"target_path": path, "expected_hash": sha256(b"new"), "expected_size": 3}
    return lib.laptop.api.post("/api/v1/sync/upload", json=body)


NEW: dict[str, tuple[tuple[str, str], NewCall, str]] = {
    "report-created": (
        ("report_changes", "body.changes[].path"),
        _report({"change_type": "created", "content_hash": sha256(b"new"), "size": 3}),
        "body.changes[0].path",
    ),
    "report-modified": (
        ("report_changes", "body.changes[].path"),
        _report({"change_type": "modified", "content_hash": sha256(b"new"), "base_version": 0}),
        "body.changes[0].path",
    ),
    "report-moved-to": (
        ("report_changes", "body.changes[].path"),
        _report({"change_type": "moved", "old_path": "fine/source.txt", "base_version": 1}),
        "body.changes[0].path",
    ),
    "create-upload": (
        ("create_upload", "body.target_path"), _upload, "body.target_path",
    ),
    "upload-batch": (
        ("upload_batch", "body.manifest.items[].path"),
        lambda lib, path: _batch(lib.laptop.api, path, b"new"),
        "body.manifest.items[0].path",
    ),
}  # fmt: skip

# A path stored before the rule: each call must succeed (`stored` is the stored path).
StoredCall = Callable[[Library, str], None]


def _ok(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return reply.json() if reply.headers["content-type"].startswith("application/json") else {}


def _download(lib: Library, stored: str) -> None:
    reply = lib.laptop.api.get(f"/api/v1/sync/download/{quote(stored)}")
    assert reply.status_code == 200 and reply.content == content(stored), reply.text


def _head(lib: Library, stored: str) -> None:
    reply = lib.laptop.api.head(f"/api/v1/sync/download/{quote(stored)}")
    assert reply.status_code == 200 and reply.headers["etag"] == f'"{sha256(content(stored))}"'


def _download_batch(lib: Library, stored: str) -> None:
    reply = lib.laptop.api.post("/api/v1/sync/download-batch", json={"paths": [stored]})
    head, _, body = reply.content.partition(b"\n")
    assert reply.status_code == 200 and json.loads(head)["files"][0]["path"] == stored
    assert body == content(stored)


def _listed_after(lib: Library, stored: str) -> None:
    reply = lib.laptop.api.get("/api/v1/sync/files", params={"after": stored})
    assert all(f["path"] > stored for f in _ok(reply)["files"])


def _deleted(lib: Library, stored: str) -> None:
    change = {"path": stored, "change_type": "deleted", "base_version": 1}
    [accepted] = _ok(lib.laptop.api.post("/api/v1/sync/report", json={"changes": [change]}))[
        "accepted"
    ]
    assert accepted["version"] == 2 and stored not in lib.live()


def _moved_away(lib: Library, stored: str) -> None:
    renamed = f"{stored.split('/')[0]}/renamed {sha256(stored.encode())[:8]}.txt"
    change = {"path": renamed, "old_path": stored,
              "change_type": "moved", "base_version": 1}  # fmt: skip
    _ok(lib.laptop.api.post("/api/v1/sync/report", json={"changes": [change]}))
    assert stored not in lib.live() and change["path"] in lib.live()


def _edited(lib: Library, stored: str) -> None:
    change = {"path": stored, "change_type": "modified", "content_hash": sha256(b"edited"),
              "base_version": 1}  # fmt: skip
    answer = _ok(lib.laptop.api.post("/api/v1/sync/report", json={"changes": [change]}))
    assert answer["upload_required"] == [stored]  # an edit of a file that is there


def _uploaded(lib: Library, stored: str) -> None:
    body = {"target_path": stored, "expected_hash": sha256(b"edited"), "expected_size": 6,
            "base_version": 1}  # fmt: skip
    session = _ok(lib.laptop.api.post("/api/v1/sync/upload", json=body))
    assert session["target_path"] == stored
    assert lib.laptop.api.delete(f"/api/v1/sync/upload/{session['id']}").status_code == 204


def _batch_edited(lib: Library, stored: str) -> None:
    [item] = _ok(_batch(lib.laptop.api, stored, b"edited", base_version=1))["items"]
    assert item["outcome"] == "accepted", item
    assert lib.live()[stored]["content_hash"] == sha256(b"edited")


STORED: dict[str, tuple[tuple[str, str], StoredCall]] = {
    "download": (("download_file", "path.path"), _download),
    "head": (("head_file", "path.path"), _head),
    "download-batch": (("download_batch", "body.paths[]"), _download_batch),
    "list-after": (("list_files", "query.after"), _listed_after),
    "report-deleted": (("report_changes", "body.changes[].path"), _deleted),
    "report-moved-from": (("report_changes", "body.changes[].old_path"), _moved_away),
    "report-modified": (("report_changes", "body.changes[].path"), _edited),
    "create-upload": (("create_upload", "body.target_path"), _uploaded),
    "upload-batch": (("upload_batch", "body.manifest.items[].path"), _batch_edited),
}


def content(stored: str) -> bytes:
    return f"bytes of {stored}".encode()


def stored_path(probe: str, name: str) -> str:
    """Each probe works on copies of its own, in a folder of its own."""
    return f"{probe}/{name}"


@pytest.fixture(scope="module")
def library(module_server_factory: Callable[..., LiveServer]) -> Iterator[Library]:
    stored = [stored_path(probe, name) for probe in STORED for name in ONE_PER_RULE]
    files = {path: content(path) for path in [*stored, "fine/source.txt"]}
    server, owner, laptop = legacy_library(module_server_factory, files)
    yield Library(server, owner, laptop)
    laptop.api.close()


def test_every_path_field_is_classified() -> None:
    classified = {field for field, *_ in NEW.values()} | {field for field, _ in STORED.values()}
    assert path_fields() == classified, (
        f"unclassified: {sorted(path_fields() - classified)}; "
        f"gone from the contract: {sorted(classified - path_fields())}"
    )


@pytest.mark.parametrize("name", BAD_NAMES, ids=NAME_IDS)
@pytest.mark.parametrize("probe", NEW)
def test_a_new_path_some_device_cannot_hold_is_400_saying_which_rule(
    library: Library, probe: str, name: str
) -> None:
    _, call, location = NEW[probe]
    before = library.live()
    path = f"new/{name}"
    body = assert_problem(call(library, path), 400, "validation-failed")
    assert body["errors"] == [{"location": location, "message": body["errors"][0]["message"]}], body
    assert body["errors"][0]["message"].startswith(f"is not a library path: {BAD_NAMES[name]}")
    assert library.live() == before


@pytest.mark.parametrize("name", ONE_PER_RULE, ids=ascii)
@pytest.mark.parametrize("probe", STORED)
def test_a_path_stored_before_the_rule_stays_usable_by_its_owner(
    library: Library, probe: str, name: str
) -> None:
    stored = stored_path(probe, name)
    assert stored in library.live()
    STORED[probe][1](library, stored)


@pytest.mark.parametrize("name", ["CON/new.txt", "a./new.txt"])
def test_a_new_file_in_a_stored_non_portable_folder_is_400(library: Library, name: str) -> None:
    path = stored_path("download", name)  # beside download/CON/x.txt, download/a./b
    body = assert_problem(NEW["upload-batch"][1](library, path), 400, "validation-failed")
    assert body["errors"][0]["location"] == "body.manifest.items[0].path"
