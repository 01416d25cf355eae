"""POST /sync/upload/batch: many small files in one request, stored together, applied in one
transaction by the report's rules.

The multipart body is parsed as it arrives: the manifest part is checked whole when it ends,
and each `files` part is written straight to a staging file and hashed on the way (the parts
may come in any order; the n-th `files` part is the n-th item's). An item whose bytes are not
what the manifest says is rejected alone. The rest are made durable together
(`BlobStore.store_files`: on disk, two syncfs whatever their number) before one transaction owns and
applies them all, so no change is ever visible without its bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pydantic
from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MAX_BOUNDARY_LENGTH, parse_options_header

from .. import metrics
from .._generated import models
from ..auth import Principal
from ..errors import ApiError, ValidationFailed, safe_str
from ..storage.blob_store import BlobStore
from ..storage.db import write_transaction
from ..storage.path_keys import path_key
from ..storage.tables import UserBlob
from . import devices
from .ledger import lock_library
from .path_lists import distinct_paths
from .records import ConflictRecord
from .report import Change, apply_report
from .uploads import ChunkTooLarge, HashMismatch

MAX_ITEMS = 1000
MAX_ITEM_SIZE = 64 * 1024 * 1024  # the largest chunk: bigger files take a resumable upload
MANIFEST, FILES = "manifest", "files"


@dataclass
class Item:
    index: int
    path: str  # canonical
    content_hash: str
    size: int
    mtime: datetime | None
    base_version: int
    staged: Path | None = None  # its bytes, once they came whole and right
    problem: ApiError | None = None  # why it is rejected


@dataclass
class _Part:
    name: str = ""
    headers: dict[str, bytes] = field(default_factory=dict)
    field_name: bytes = b""
    value: bytes = b""


@dataclass
class _Staged:
    path: Path
    hasher: Any = field(default_factory=hashlib.sha256)
    size: int = 0


class BatchBody:
    """The body as it arrives (`feed`), then what it held (`finish`); `discard` removes what
    is still staged. The parts may come in any order: each `files` part is staged as it comes
    and matched to its manifest item at the end. Raises 400/413 for the batch as a whole."""

    def __init__(
        self,
        store: BlobStore,
        content_type: str,
        max_bytes: int,
        max_manifest: int,
        check_manifest: Callable[[Any, str], None],
    ) -> None:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise ValidationFailed.at("header.Content-Type", "must name a multipart boundary")
        if len(boundary) > MAX_BOUNDARY_LENGTH:  # (the parser would not take it)
            raise ValidationFailed.at(
                "header.Content-Type",
                f"must name a multipart boundary of at most {MAX_BOUNDARY_LENGTH} characters",
            )
        self._store, self._max_bytes, self._max_manifest = store, max_bytes, max_manifest
        self._check_manifest = check_manifest
        self._id = uuid.uuid4().hex
        self._received = 0
        self._part = _Part()
        self._manifest: bytearray | None = None
        self.device_id: uuid.UUID | None = None
        self._items: list[Item] | None = None
        self._staged: list[_Staged] = []
        self._fd: int | None = None
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begins,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_ends,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_ends,
            },
        )

    def feed(self, data: bytes) -> None:
        self._received += len(data)
        if self._received > self._max_bytes:
            raise ChunkTooLarge(f"a batch's body may be at most {self._max_bytes} bytes")
        with _well_formed():
            self._parser.write(data)

    def finish(self) -> list[Item]:
        """Every item, its bytes staged, or rejected with why."""
        with _well_formed():
            self._parser.finalize()
        if self._items is None:
            raise ValidationFailed.at("body.manifest", "is required")
        if len(self._staged) > len(self._items):
            raise ValidationFailed.at(
                "body.files", f"has more parts than the manifest's {len(self._items)} items"
            )
        for item in self._items[len(self._staged) :]:
            item.problem = ValidationFailed(f"no bytes came for item {item.index}")
        for item, staged in zip(self._items, self._staged, strict=False):
            digest = staged.hasher.hexdigest()
            if staged.size != item.size:
                item.problem = ValidationFailed(
                    f"{staged.size} bytes came for item {item.index}, its size says {item.size}"
                )
            elif digest != item.content_hash:
                item.problem = HashMismatch(
                    f"the bytes of item {item.index} hash to {digest}, not {item.content_hash}"
                )
            else:
                item.staged = staged.path
        return self._items

    def discard(self) -> None:
        """Whatever is still staged goes (what `store` made blobs is no longer there)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        for staged in self._staged:
            staged.path.unlink(missing_ok=True)

    # --- the parser's callbacks ---------------------------------------------------------

    def _part_begins(self) -> None:
        self._part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._part.field_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._part.value += data[start:end]

    def _header_ends(self) -> None:
        self._part.headers[self._part.field_name.lower().decode("latin-1")] = self._part.value
        self._part.field_name, self._part.value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._part.headers.get("content-disposition"))
        name = options.get(b"name", b"").decode("latin-1")
        if name == MANIFEST:
            if self._manifest is not None:
                raise ValidationFailed.at("body.manifest", "must come once")
            self._manifest = bytearray()
        elif name == FILES:
            if len(self._staged) >= MAX_ITEMS:
                raise ChunkTooLarge(f"a batch may hold at most {MAX_ITEMS} items")
            staged = _Staged(self._store.spool / f"batch-{self._id}-{len(self._staged)}")
            self._fd = os.open(staged.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._staged.append(staged)
        else:
            raise ValidationFailed.at(f"body.{name[:64]}", "is not a part of a batch")
        self._part.name = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.name == MANIFEST:
            assert self._manifest is not None
            self._manifest += data[start:end]
            if len(self._manifest) > self._max_manifest:
                raise ChunkTooLarge(f"the manifest may be at most {self._max_manifest} bytes")
            return
        assert self._fd is not None
        staged, view = self._staged[-1], memoryview(data)[start:end]
        while view:  # (a write may take less than it was given)
            view = view[os.write(self._fd, view) :]
        staged.hasher.update(data[start:end])
        staged.size += end - start

    def _part_ends(self) -> None:
        if self._part.name == MANIFEST:
            self._read_manifest()
            return
        assert self._fd is not None
        os.close(self._fd)
        self._fd = None

    def _read_manifest(self) -> None:
        assert self._manifest is not None
        try:
            raw = orjson.loads(self._manifest)
        except orjson.JSONDecodeError:
            raise ValidationFailed.at("body.manifest", "is not valid JSON") from None
        items = raw.get("items") if isinstance(raw, dict) else None
        if isinstance(items, list) and len(items) > MAX_ITEMS:
            raise ChunkTooLarge(f"a batch may hold at most {MAX_ITEMS} items")
        for item in items if isinstance(items, list) else []:
            size = item.get("size") if isinstance(item, dict) else None
            # (a float too: a JSON integer past 64 bits is read as one)
            if isinstance(size, int | float) and size > min(MAX_ITEM_SIZE, self._max_bytes):
                raise ChunkTooLarge(
                    f"an item may be at most {min(MAX_ITEM_SIZE, self._max_bytes)} bytes: "
                    "a bigger file takes a resumable upload"
                )
        self._check_manifest(raw, "body.manifest")
        try:
            manifest = models.BatchManifest.model_validate(raw)
        except pydantic.ValidationError as exc:  # what the schema let through, pydantic did not
            error = exc.errors(include_url=False, include_input=False)[0]
            where = "body.manifest" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]
            )
            raise ValidationFailed.at(where, safe_str(error["msg"], 200)) from None
        paths = distinct_paths(
            [entry.path for entry in manifest.items],
            lambda index: f"body.manifest.items[{index}].path",
        )
        self._items = [
            Item(index, path, entry.content_hash, entry.size, entry.mtime, entry.base_version or 0)
            for index, (path, entry) in enumerate(zip(paths, manifest.items, strict=True))
        ]
        self.device_id = manifest.device_id


@contextlib.contextmanager
def _well_formed() -> Iterator[None]:
    try:
        yield
    except MultipartParseError:
        raise ValidationFailed.at("body", "is not well-formed multipart/form-data") from None


async def store(store: BlobStore, items: list[Item]) -> None:
    """The right bytes made blobs, durably, before anything refers to them."""
    staged = [(item.staged, item.content_hash) for item in items if item.staged is not None]
    await store.store_files(staged)  # type: ignore[arg-type]
    metrics.UPLOADED.inc(sum(item.size for item in items if item.staged is not None))
    for item in items:
        item.staged = None


def acting_device(principal: Principal, device_id: uuid.UUID | None) -> uuid.UUID:
    return devices.acting_device(principal, device_id, "body.manifest.device_id").id


def apply(
    user_id: uuid.UUID, device_id: uuid.UUID, items: list[Item]
) -> tuple[list[dict[str, Any]], int | None]:
    """One transaction: the user owns every stored blob, every right item is applied as a
    report's change. Returns each item's outcome (in order) and the last seq when anything
    changed."""
    right = [item for item in items if item.problem is None]
    outcome = None
    with write_transaction():
        if right:
            lock_library(user_id)  # before the blob rows: one lock order everywhere
            UserBlob.insert_many(
                [{"user": user_id, "content_hash": i.content_hash, "size": i.size} for i in right]
            ).on_conflict_ignore().execute()
            outcome = apply_report(user_id, device_id, [_change(item) for item in right])
    accepted = {a.path: a for a in outcome.accepted} if outcome else {}
    # A conflict names the path in its folders' stored case: the same key, maybe not the case.
    conflicts = {path_key(c.path): c for c in outcome.conflicts} if outcome else {}
    return [_result(item, accepted, conflicts) for item in items], (
        outcome.last_seq if outcome else None
    )


def _change(item: Item) -> Change:
    return Change(
        path=item.path, change_type="modified" if item.base_version else "created",
        content_hash=item.content_hash, size=item.size, mtime=item.mtime,
        base_version=item.base_version, path_location=f"body.manifest.items[{item.index}].path",
    )  # fmt: skip


def _result(item: Item, accepted: dict, conflicts: dict) -> dict[str, Any]:
    result: dict[str, Any] = {"index": item.index, "path": item.path}
    if item.problem is not None:
        problem = item.problem
        result["outcome"] = "rejected"
        result["problem"] = {"type": problem.type, "title": problem.title,
                             "status": problem.status, "detail": problem.detail}  # fmt: skip
    elif item.path in accepted:
        done = accepted[item.path]
        result["outcome"] = "accepted"
        result["accepted"] = {"path": done.path, "stored_path": done.stored_path,
                              "version": done.version, "seq": done.seq}  # fmt: skip
    else:
        result["outcome"] = "conflict"
        result["conflict"] = ConflictRecord.of(conflicts[path_key(item.path)])
    return result
