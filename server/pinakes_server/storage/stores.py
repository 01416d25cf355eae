"""The blob store the settings name (PINAKES_BLOB_STORE)."""

from __future__ import annotations

from ..config import Config
from .blob_store import BlobStore
from .file_store import FileStore


def open_blob_store(config: Config) -> BlobStore:
    if config.blob_store == "file":
        return FileStore(config.data_dir)
    from .s3_store import S3Store  # its client is imported only when it is used

    return S3Store(config)
