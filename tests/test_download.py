"""Downloads: full and ranged GET/HEAD, validators, headers, and a traversal corpus."""

from __future__ import annotations

import os

import pytest

from .conftest import DeviceClient, assert_problem, sha256

DATA = os.urandom(300_000)
PATH = "books/Le Guin/The Dispossessed.epub"
URL = "/api/v1/sync/download/books/Le%20Guin/The%20Dispossessed.epub"


@pytest.fixture
def stored(two_devices) -> DeviceClient:
    first, second = two_devices
    first.upload(PATH, DATA)
    return second


def test_full_download_and_headers(stored: DeviceClient) -> None:
    reply = stored.api.get(URL)
    assert reply.status_code == 200 and reply.content == DATA
    assert reply.headers["etag"] == f'"{sha256(DATA)}"'
    assert reply.headers["accept-ranges"] == "bytes"
    assert reply.headers["content-length"] == str(len(DATA))
    assert reply.headers["content-type"] == "application/epub+zip"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["content-disposition"].startswith("attachment;")
    assert "The%20Dispossessed.epub" in reply.headers["content-disposition"]
    assert reply.headers["last-modified"].endswith("GMT")
    encoded = stored.api.get("/api/v1/sync/download/books%2FLe%20Guin%2FThe%20Dispossessed.epub")
    assert encoded.content == DATA
    assert stored.api.get(URL.replace("/api/v1/sync/", "/api/sync/")).content == DATA


@pytest.mark.parametrize(
    ("header", "status", "start", "end"),
    [
        ("bytes=0-0", 206, 0, 0),
        ("bytes=100-199", 206, 100, 199),
        ("bytes=299990-", 206, 299990, 299999),
        ("bytes=-10", 206, 299990, 299999),
        ("bytes=0-999999", 206, 0, 299999),
        ("bytes=0-1,5-6", 200, 0, 299999),
        ("bytes=junk", 200, 0, 299999),
    ],
)
def test_ranges(stored: DeviceClient, header: str, status: int, start: int, end: int) -> None:
    reply = stored.api.get(URL, headers={"Range": header})
    assert reply.status_code == status
    assert reply.content == DATA[start : end + 1]
    if status == 206:
        assert reply.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"
    else:
        assert "content-range" not in reply.headers


def test_unsatisfiable_range_is_416(stored: DeviceClient) -> None:
    reply = stored.api.get(URL, headers={"Range": f"bytes={len(DATA)}-"})
    assert_problem(reply, 416, "range-not-satisfiable")
    assert reply.headers["content-range"] == f"bytes */{len(DATA)}"


def test_conditional_requests(stored: DeviceClient) -> None:
    etag = f'"{sha256(DATA)}"'
    not_modified = stored.api.get(URL, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert stored.api.get(URL, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert stored.api.get(URL, headers={"If-None-Match": "*"}).status_code == 304
    assert stored.api.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200
    current = stored.api.get(URL, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert current.status_code == 206 and current.content == DATA[:10]
    stale = stored.api.get(URL, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == DATA


def test_head_is_the_headers_of_get(stored: DeviceClient) -> None:
    head = stored.api.head(URL)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(DATA))
    assert head.headers["etag"] == f'"{sha256(DATA)}"'
    ranged = stored.api.head(URL, headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.headers["content-length"] == "10"


def test_tombstones_and_unknown_paths_are_404(two_devices) -> None:
    first, _ = two_devices
    first.upload("gone.txt", b"soon gone")
    first.report({"path": "gone.txt", "change_type": "deleted", "base_version": 1})
    assert_problem(first.api.get("/api/v1/sync/download/gone.txt"), 404, "not-found")
    assert first.api.head("/api/v1/sync/download/never.txt").status_code == 404


TRAVERSAL = [
    "../etc/passwd", "%2e%2e/etc/passwd", "..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc",
    "%252e%252e%252fetc", "..%5cetc", "..\\etc", "%2fetc%2fpasswd", "C:%5Cwindows",
    "%5c%5csrv%5cshare", "a%00b", "%e2%80%a5/etc", "%ef%bc%8e%ef%bc%8e%ef%bc%8fetc",
    "caf%65%cc%81", "x" * 300, "%ff%fe", "a//b", "a/./b", "a/%2e/b", "%2e",
]  # fmt: skip


@pytest.mark.parametrize("raw", TRAVERSAL)
def test_traversal_corpus_gets_only_400_or_404(stored: DeviceClient, raw: str) -> None:
    for method in ("GET", "HEAD"):
        reply = stored.api.request(method, f"/api/v1/sync/download/{raw}")
        assert reply.status_code in (400, 404), (raw, reply.status_code)
        if method == "GET":
            assert reply.headers["content-type"] == "application/problem+json"
