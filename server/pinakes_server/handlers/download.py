"""GET/HEAD of a file's current version, with Range, If-Range and If-None-Match; and many small
files in one streamed response."""

from __future__ import annotations

import mimetypes
from email.utils import format_datetime
from urllib.parse import quote

import orjson
from sanic import HTTPResponse, Request

from .. import metrics
from .._generated import models
from ..errors import problem_response
from ..ranges import ByteRange, Unsatisfiable, parse_range
from ..services import blob_reads, feed
from ..services.units import quick_read, unit
from .io import parse, principal
from .registry import operation


def _disposition(path: str) -> str:
    name = path.rpartition("/")[2]
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _matches(header: str, etag: str) -> bool:
    """If-None-Match: `*` or a list of (possibly weak) entity tags."""
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


@operation("download_file", "head_file")
async def download(request: Request, path: str) -> HTTPResponse | None:
    """Bodies are streamed from the blob file in blocks, never read whole into memory."""
    caller = principal(request)
    row = await quick_read(feed.live_file, caller.user_id, path)
    etag = f'"{row.content_hash}"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(row.updated_at, usegmt=True),
        "Accept-Ranges": "bytes",
        "Content-Disposition": _disposition(row.path),
        "X-Content-Type-Options": "nosniff",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and _matches(if_none_match, etag):
        return HTTPResponse(status=304, headers=headers)
    byte_range: ByteRange | None = None
    if_range = request.headers.get("if-range")
    if if_range is None or if_range.strip() in (etag, headers["Last-Modified"]):
        try:
            byte_range = parse_range(request.headers.get("range"), row.size)
        except Unsatisfiable:
            return problem_response(
                416, "range-not-satisfiable", "Range not satisfiable",
                f"the file has {row.size} bytes", {"Content-Range": f"bytes */{row.size}"},
            )  # fmt: skip
    start, length, status = 0, row.size, 200
    if byte_range is not None:
        start, length, status = byte_range.start, byte_range.length, 206
        headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{row.size}"
    headers["Content-Length"] = str(length)
    content_type = mimetypes.guess_type(row.path)[0] or "application/octet-stream"
    if request.method == "HEAD":
        return HTTPResponse(status=status, headers=headers, content_type=content_type)
    body = await blob_reads.ranged(request.app.ctx.blobs, row, start, length)
    if isinstance(body, bytes):
        metrics.DOWNLOADED.inc(length)
        return HTTPResponse(body, status=status, headers=headers, content_type=content_type)
    response = await request.respond(status=status, headers=headers, content_type=content_type)
    async for data in body:
        await _send(response, data)
    await response.eof()
    return None  # already sent


async def _send(response: HTTPResponse, data: bytes) -> None:
    await response.send(data)
    metrics.DOWNLOADED.inc(len(data))


@operation("download_batch")
async def download_batch(request: Request) -> None:
    """A manifest line, then the listed files' bytes back to back (see the contract)."""
    body = parse(request, models.DownloadBatchRequest)
    paths = [path.root for path in body.paths]
    rows = await unit(feed.live_files_at, principal(request).user_id, paths)
    limit = request.app.ctx.config.max_batch_bytes
    files: list[feed.LiveFile] = []
    missing, later, total = [], [], 0
    for path, row in rows:
        if row is None:
            missing.append(path)
        elif total + row.size > limit:
            later.append(path)
        else:
            files.append(row)
            total += row.size
    store = request.app.ctx.blobs
    await blob_reads.all_stored(store, files)  # before the answer starts: a clean 500
    manifest = {
        "files": [{"path": r.path, "content_hash": r.content_hash, "size": r.size} for r in files],
        "missing": missing,
        "later": later,
    }
    response = await request.respond(content_type="application/octet-stream")
    pending = bytearray(orjson.dumps(manifest) + b"\n")
    for row in files:
        async for data in blob_reads.whole(store, row):
            pending += data
            if len(pending) >= blob_reads.SEND_BLOCK:
                await _send(response, bytes(pending))
                pending.clear()
    await _send(response, bytes(pending))
    await response.eof()
