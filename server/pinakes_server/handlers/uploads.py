"""Resumable chunked uploads: create, chunk (streamed), status, cancel, complete."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sanic import HTTPResponse, Request

from .._generated import models
from ..services import batches, uploads
from ..services.units import unit, write_unit
from .io import no_content, parse, principal, render
from .registry import operation


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The body as it arrives. A big one may take long on a slow link; one slower than the
    minimum rate is cut off (408) by the protocol (protocol.py)."""
    while (data := await request.stream.read()) is not None:
        yield data


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    return int(raw) if raw is not None and raw.isdigit() else None


@operation("create_upload")
async def create_upload(request: Request) -> HTTPResponse:
    body = parse(request, models.UploadCreate)
    session = await write_unit(
        uploads.create,
        request.app.ctx.config,
        request.app.ctx.blobs,
        principal(request),
        body.device_id,
        target_path=body.target_path,
        expected_hash=body.expected_hash,
        expected_size=body.expected_size,
        chunk_size=body.chunk_size,
        mtime=body.mtime,
        base_version=body.base_version,
    )
    return render(session)


@operation("get_upload")
async def get_upload(request: Request, id: str) -> HTTPResponse:
    return render(await unit(uploads.status, principal(request), uuid.UUID(id)))


@operation("cancel_upload")
async def cancel_upload(request: Request, id: str) -> HTTPResponse:
    await uploads.cancel(request.app.ctx.blobs, principal(request), uuid.UUID(id))
    return no_content()


@operation("upload_chunk")
async def upload_chunk(request: Request, id: str, index: str) -> HTTPResponse:
    receipt = await uploads.write_chunk(
        request.app.ctx.config,
        request.app.ctx.blobs,
        principal(request),
        uuid.UUID(id),
        int(index),
        _content_length(request),
        uploads.parse_digest(request.headers.get("content-digest")),
        _body(request),
    )
    return render(receipt)


@operation("complete_upload")
async def complete_upload(request: Request, id: str) -> HTTPResponse:
    done = await uploads.complete(request.app.ctx.blobs, principal(request), uuid.UUID(id))
    if done.last_seq is not None:
        request.app.ctx.notifier.publish(done.user_id, done.last_seq)
    return render(done.result)


@operation("upload_batch")
async def upload_batch(request: Request) -> HTTPResponse:
    config, store, caller = request.app.ctx.config, request.app.ctx.blobs, principal(request)
    length = _content_length(request)
    if length is not None and length > config.max_batch_bytes:
        raise uploads.ChunkTooLarge(f"a batch's body may be at most {config.max_batch_bytes} bytes")
    contract = request.app.ctx.contract
    body = batches.BatchBody(
        store,
        request.headers.get("content-type", ""),
        config.max_batch_bytes,
        config.max_json_body,
        lambda manifest, where: contract.check_part("BatchManifest", manifest, where),
    )
    try:
        async for data in _body(request):
            body.feed(data)
        items = body.finish()
        device_id = await unit(batches.acting_device, caller, body.device_id)
        await batches.store(store, items)
    finally:
        body.discard()
    results, last_seq = await write_unit(batches.apply, caller.user_id, device_id, items)
    if last_seq is not None:
        request.app.ctx.notifier.publish(caller.user_id, last_seq)
    return render({"items": results})
