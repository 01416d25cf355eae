"""Edge values, from openapi.json: every integer a request carries (parameter, JSON body or
batch manifest) at, just past, and far past its bounds — past what a 64-bit store holds, a
JSON parser reads a float — every time that leaves the calendar once in UTC, a multipart
boundary no parser takes, a download batch naming one file a thousand times. Each is refused
with a 400 naming the field (or the 4xx of its kind), changes nothing, and is never a 500."""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from ..conftest import assert_problem, sha256
from .conftest import SPEC, VALID, Caller, operation_of, resolve, snapshot
from .test_isolation import OPERATIONS

BODY_MEDIA = ("application/json", "multipart/form-data")
INT64_MAX = 2**63 - 1
OCTETS = "application/octet-stream"
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Field:
    """A value a request carries, where problems name it (`query.cursor`,
    `body.changes[0].size`), and where it sits in its parameter or body."""

    op_id: str
    location: str
    steps: tuple[str | int, ...]  # a parameter: (in, name); a body: its keys and indices
    schema: dict

    @property
    def document(self) -> str:
        """Where the JSON text holding it is named: the body, or a multipart body's part."""
        if not self.location.startswith("body"):
            return self.location
        return "body" if self.op_id not in MULTIPART else f"body.{self.steps[0]}"


def _walk(schema: dict, location: str, steps: tuple) -> Iterator[tuple[str, tuple, dict]]:
    schema = resolve(schema)
    yield location, steps, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, f"{location}.{name}", (*steps, name))
    if isinstance(schema.get("items"), dict):
        yield from _walk(schema["items"], f"{location}[0]", (*steps, 0))


def _path_parameters(op_id: str) -> list[dict]:
    operation = OPERATIONS[op_id]
    return SPEC["paths"][operation.path].get("parameters", [])


def request_fields() -> Iterator[Field]:
    """Every parameter and body field of every operation, as the contract lists them."""
    for op_id in sorted(OPERATIONS):
        operation = operation_of(op_id)
        for parameter in map(resolve, _path_parameters(op_id) + operation.get("parameters", [])):
            where = (parameter["in"], parameter["name"])
            yield Field(op_id, ".".join(where), where, resolve(parameter["schema"]))
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            if media in BODY_MEDIA:
                for location, steps, schema in _walk(content["schema"], "body", ()):
                    yield Field(op_id, location, steps, schema)


FIELDS = list(request_fields())
MULTIPART = {
    op_id
    for op_id in OPERATIONS
    if "multipart/form-data" in operation_of(op_id).get("requestBody", {}).get("content", {})
}


def _of_type(schema: dict, kind: str) -> bool:
    types = schema.get("type")
    return kind in types if isinstance(types, list) else types == kind


INTEGERS = [f for f in FIELDS if _of_type(f.schema, "integer")]
TIMES = [f for f in FIELDS if f.schema.get("format") == "date-time"]


def test_the_matrix_finds_the_fields_it_must() -> None:
    """A broken derivation would make the matrix empty."""
    locations = {(f.op_id, f.location) for f in INTEGERS + TIMES}
    assert {
        ("get_changes", "query.cursor"), ("upload_chunk", "path.index"),
        ("report_changes", "body.changes[0].base_version"), ("ack_changes", "body.cursor"),
        ("create_upload", "body.expected_size"), ("create_upload", "body.mtime"),
        ("upload_batch", "body.manifest.items[0].base_version"),
        ("upload_batch", "body.manifest.items[0].mtime"),
    } <= locations  # fmt: skip


def test_every_integer_a_request_carries_is_bounded_by_the_contract() -> None:
    """One source for every bound: a new integer without a maximum fails here."""
    unbounded = [
        (f.op_id, f.location) for f in INTEGERS if not {"minimum", "maximum"} <= f.schema.keys()
    ]
    assert unbounded == []
    assert all(f.schema["maximum"] <= INT64_MAX for f in INTEGERS)


def test_every_time_a_request_carries_is_bounded_by_the_contract() -> None:
    """A time from a device is a ClientTime, whose range survives the way to UTC."""
    bounded = SPEC["components"]["schemas"].get("ClientTime")
    assert [(f.op_id, f.location) for f in TIMES if f.schema is not bounded] == []


# A batch over the size the server takes is 413 (as a whole batch over its limit is), by design:
# its item's declared size is where that shows first.
TOO_LARGE = {("upload_batch", "body.manifest.items[0].size")}
PLACEHOLDER = "\x00the value\x00"
BATCH_ITEM = {"path": "m.bin", "content_hash": sha256(b"m"), "size": 1}


def _placed(body: dict, steps: tuple[str | int, ...]) -> dict:
    """`body` with PLACEHOLDER at `steps` (the containers on the way exist in the body)."""
    container = body
    for step in steps[:-1]:
        container = container[step]
    container[steps[-1]] = PLACEHOLDER
    return body


def _json_with(body: dict, steps: tuple[str | int, ...], text: str) -> str:
    """The body as JSON text, the value at `steps` spelled exactly `text`."""
    return json.dumps(_placed(body, steps)).replace(json.dumps(PLACEHOLDER), text)


def send(caller: Caller, field: Field, text: str) -> httpx.Response:
    """A valid request of `field`'s operation, but for `field`, whose JSON text is `text`."""
    operation, in_body = OPERATIONS[field.op_id], field.location.startswith("body")
    params = {"id": str(uuid.uuid4()), "index": "0", "path": "m.txt"}
    query: dict[str, str] = {}
    if not in_body:
        place, name = field.steps
        (params if place == "path" else query)[str(name)] = text
    url = operation.path.format(**params)
    with caller.account.client() as api:
        if field.op_id in MULTIPART:
            manifest = {"device_id": caller.device.id, "items": [dict(BATCH_ITEM)]}
            part = _json_with(manifest, field.steps[1:], text) if in_body else json.dumps(manifest)
            files = [("manifest", (None, part, "application/json")), ("files", ("f", b"m", OCTETS))]
            return api.post(url, params=query, files=files)
        if field.op_id in VALID:
            method, url, body = VALID[field.op_id](caller)
            content = _json_with(body, field.steps, text) if in_body else json.dumps(body)
            return api.request(method, url, params=query, content=content, headers=JSON)
        streamed = {"content-type": operation.streamed} if operation.streamed else {}
        content = b"m" if operation.streamed else None
        return api.request(operation.method, url, params=query, content=content, headers=streamed)


def _bounds(field: Field) -> tuple[int, int]:
    """The integer's range: its own, else a 64-bit store's."""
    return field.schema.get("minimum", -(2**63)), field.schema.get("maximum", INT64_MAX)


def _integer_texts(field: Field) -> Iterator[tuple[str, int, str]]:
    """(JSON text, the status it gets, where the problem names) for each edge of `field`."""
    low, high = _bounds(field)
    over = 413 if (field.op_id, field.location) in TOO_LARGE else 400
    yield str(low - 1), 400, field.location
    yield str(-(2**64)), 400, field.location  # JSON parsers read it as a float
    yield str(high + 1), over, field.location
    yield str(2**64), over, field.location
    yield "1e400", 400, field.document  # no double holds it: not JSON we read


TIMES_OUT = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]  # past 9999, before 0001
TIMES_IN = ["9999-12-30T23:59:59-23:59", "0001-01-02T00:00:00+23:59"]

REFUSED = [
    *(pytest.param(f, text, status, where, id=f"{f.op_id}-{f.location}-{text[:24]}")
      for f in INTEGERS for text, status, where in _integer_texts(f)),
    *(pytest.param(f, json.dumps(time), 400, f.location, id=f"{f.op_id}-{f.location}-{time}")
      for f in TIMES for time in TIMES_OUT),
]  # fmt: skip
TAKEN = [
    *(pytest.param(f, str(bound), id=f"{f.op_id}-{f.location}-{bound}")
      for f in INTEGERS for bound in _bounds(f)),
    *(pytest.param(f, json.dumps(time), id=f"{f.op_id}-{f.location}-{time}")
      for f in TIMES for time in TIMES_IN),
]  # fmt: skip


@pytest.mark.parametrize(("field", "text", "status", "where"), REFUSED)
def test_a_value_out_of_bounds_is_refused_naming_it(
    caller: Caller, field: Field, text: str, status: int, where: str
) -> None:
    before = snapshot(caller)
    reply = send(caller, field, text)
    if status == 413:
        assert_problem(reply, 413, "payload-too-large")
    else:
        problem = assert_problem(reply, 400, "validation-failed")
        assert problem["detail"], problem
        assert where in [issue["location"] for issue in problem["errors"]], problem
        assert not any("pattern" in issue["message"] for issue in problem["errors"]), problem
    assert snapshot(caller) == before


@pytest.fixture(scope="module")
def stocked(caller: Caller) -> Caller:
    """The caller with a file: a feed read at its longest wait answers at once."""
    caller.device.upload("stock.txt", b"stock")
    return caller


@pytest.mark.parametrize(("field", "text"), TAKEN)
def test_a_value_at_its_bounds_is_taken_by_the_contract(
    stocked: Caller, field: Field, text: str
) -> None:
    """The service may still refuse it (a cursor past the log, a file over the size limit),
    with a 4xx of its own; the server never fails on it."""
    reply = send(stocked, field, text)
    assert reply.status_code < 500, reply.text
    if reply.status_code == 400:
        problem = assert_problem(reply, 400)
        assert not any(
            issue["location"] == field.location and issue["message"].startswith("must be")
            for issue in problem.get("errors", [])
        ), problem


def test_a_time_at_the_edge_of_the_range_is_kept_in_utc(caller: Caller) -> None:
    early, late = TIMES_IN[1], TIMES_IN[0]
    items = [{**BATCH_ITEM, "path": "edge/early.txt", "mtime": early},
             {**BATCH_ITEM, "path": "edge/late.txt", "mtime": late}]  # fmt: skip
    manifest = {"device_id": caller.device.id, "items": items}
    files = [("manifest", (None, json.dumps(manifest), "application/json"))]
    files += [("files", (f"f{i}", b"m", OCTETS)) for i in range(2)]
    with caller.account.client() as api:
        reply = api.post("/api/v1/sync/upload/batch", files=files)
        assert [r["outcome"] for r in reply.json()["items"]] == ["accepted"] * 2, reply.text
        listed = api.get("/api/v1/sync/files", params={"after": "edge"}).json()["files"]
    times = {f["path"]: f["mtime"] for f in listed if f["path"].startswith("edge/")}
    assert times == {
        "edge/early.txt": "0001-01-01T00:01:00Z", "edge/late.txt": "9999-12-31T23:58:59Z",
    }  # fmt: skip


BODY_OPERATIONS = sorted(op_id for op_id in OPERATIONS if "requestBody" in operation_of(op_id))


@pytest.mark.parametrize("op_id", BODY_OPERATIONS)
def test_a_multipart_boundary_no_parser_takes_is_a_4xx(caller: Caller, op_id: str) -> None:
    operation, boundary = OPERATIONS[op_id], "b" * 300
    url = operation.path.format(id=uuid.uuid4(), index=0, path="m.txt")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n{{}}\r\n"
            f"--{boundary}--\r\n")  # fmt: skip
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    with caller.account.client() as api:
        reply = api.request(operation.method, url, content=body, headers=headers)
    if op_id in MULTIPART:
        problem = assert_problem(reply, 400, "validation-failed")
        assert [issue["location"] for issue in problem["errors"]] == ["header.Content-Type"]
    else:
        assert_problem(reply, 415, "unsupported-media-type")


DOWNLOAD_BATCH = "/api/v1/sync/download-batch"
NFC, NFD = "caf\u00e9.txt", unicodedata.normalize("NFD", "caf\u00e9.txt")


@pytest.mark.parametrize(
    ("paths", "location", "first"),
    [
        (["twice.txt"] * 1000, "body.paths[1]", "body.paths[0]"),
        (["a.txt", "twice.txt", "b.txt", "twice.txt"], "body.paths[3]", "body.paths[1]"),
        ([NFC, NFD], "body.paths[1]", "body.paths[0]"),  # one path, however it is spelled
    ],
    ids=["a-thousand-times", "twice-apart", "nfc-and-nfd"],
)
def test_a_download_batch_names_each_path_once(
    caller: Caller, paths: list[str], location: str, first: str
) -> None:
    caller.device.upload("twice.txt", b"the bytes, once\n" * 4096)
    with caller.account.client() as api:
        reply = api.post(DOWNLOAD_BATCH, json={"paths": paths})
    problem = assert_problem(reply, 400, "validation-failed")
    assert problem["errors"] == [{"location": location, "message": f"repeats {first}"}]


def test_a_batch_manifest_names_each_path_once(caller: Caller) -> None:
    items = [{**BATCH_ITEM, "path": NFC}, {**BATCH_ITEM, "path": NFD}]
    manifest = {"device_id": caller.device.id, "items": items}
    files = [("manifest", (None, json.dumps(manifest), "application/json"))]
    files += [("files", (f"f{i}", b"m", OCTETS)) for i in range(2)]
    before = snapshot(caller)
    with caller.account.client() as api:
        reply = api.post("/api/v1/sync/upload/batch", files=files)
    problem = assert_problem(reply, 400, "validation-failed")
    assert [issue["location"] for issue in problem["errors"]] == ["body.manifest.items[1].path"]
    assert snapshot(caller) == before
