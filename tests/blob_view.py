"""A live server's blob store as the tests look into it (and damage it on purpose): its
`<data-dir>/blobs` and `uploads`, or its prefix of the test bucket."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.session import get_session

from .live import LiveServer


def _client(env: dict[str, str]) -> Any:
    return _client_for(
        env["PINAKES_S3_ENDPOINT_URL"], env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    )


@functools.cache
def _client_for(endpoint: str, key: str, secret: str) -> Any:
    """One client per store, kept for the session (each holds a connection pool)."""
    return get_session().create_client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key=secret,
    )  # fmt: skip


@dataclass
class BlobView:
    server: LiveServer

    @property
    def on_s3(self) -> bool:
        return self.server.env.get("PINAKES_BLOB_STORE", "file") != "file"

    # The bucket's side
    @property
    def _bucket_prefix(self) -> tuple[str, str]:
        bucket, _, prefix = self.server.env["PINAKES_BLOB_STORE"][5:].partition("/")
        return bucket, f"{prefix}/" if prefix else ""

    def _keys(self, under: str) -> list[str]:
        bucket, prefix = self._bucket_prefix
        pages = _client(self.server.env).get_paginator("list_objects_v2")
        found = []
        for page in pages.paginate(Bucket=bucket, Prefix=prefix + under):
            found += [item["Key"].removeprefix(prefix) for item in page.get("Contents", [])]
        return found

    # Either
    def where(self, content_hash: str) -> str:
        """How `pinakes-server check` names the blob."""
        if self.on_s3:
            bucket, prefix = self._bucket_prefix
            return f"s3://{bucket}/{prefix}blobs/{content_hash}"
        return str(self._path(content_hash))

    def _path(self, content_hash: str) -> Path:
        return self.server.data_dir / "blobs" / content_hash[:2] / content_hash[2:4] / content_hash

    def hashes(self) -> set[str]:
        if self.on_s3:
            return {key.removeprefix("blobs/") for key in self._keys("blobs/")}
        return {path.name for path in (self.server.data_dir / "blobs").glob("*/*/*")}

    def has(self, content_hash: str) -> bool:
        return content_hash in self.hashes()

    def read(self, content_hash: str) -> bytes:
        if self.on_s3:
            bucket, prefix = self._bucket_prefix
            answer = _client(self.server.env).get_object(
                Bucket=bucket, Key=f"{prefix}blobs/{content_hash}"
            )
            return answer["Body"].read()
        return self._path(content_hash).read_bytes()

    def write(self, content_hash: str, data: bytes) -> None:
        if self.on_s3:
            bucket, prefix = self._bucket_prefix
            _client(self.server.env).put_object(
                Bucket=bucket, Key=f"{prefix}blobs/{content_hash}", Body=data
            )
            return
        self._path(content_hash).parent.mkdir(parents=True, exist_ok=True)
        self._path(content_hash).write_bytes(data)

    def remove(self, content_hash: str) -> None:
        if self.on_s3:
            bucket, prefix = self._bucket_prefix
            _client(self.server.env).delete_object(
                Bucket=bucket, Key=f"{prefix}blobs/{content_hash}"
            )
            return
        self._path(content_hash).unlink()

    def staged(self) -> list[str]:
        """Every staged chunk, write journal and unfinished assembly (the bucket's), and what
        the instance's spool holds."""
        spool = [p.name for p in (self.server.data_dir / "uploads").iterdir()]
        if not self.on_s3:
            return spool
        bucket, prefix = self._bucket_prefix
        unfinished = _client(self.server.env).list_multipart_uploads(Bucket=bucket, Prefix=prefix)
        assemblies = [upload["Key"] for upload in unfinished.get("Uploads", [])]
        return spool + self._keys("uploads/") + assemblies

    def plant_staged(self, session_id: str) -> None:
        """What a kill between closing a session and removing its staging leaves."""
        if self.on_s3:
            bucket, prefix = self._bucket_prefix
            _client(self.server.env).put_object(
                Bucket=bucket, Key=f"{prefix}uploads/{session_id}/0.left", Body=b"x"
            )
            return
        for suffix in ("writes", "part"):
            (self.server.data_dir / "uploads" / f"{session_id}.{suffix}").write_bytes(b"x")

    def whole(self) -> dict[str, bool]:
        """Each blob: do its bytes hash to its name?"""
        return {h: hashlib.sha256(self.read(h)).hexdigest() == h for h in self.hashes()}
