"""Thin handlers, one module per tag: parse → call a service → render."""

from . import auth, conflicts, devices, download, meta, sync, uploads
from .registry import HANDLERS

__all__ = [
    "HANDLERS", "auth", "conflicts", "devices", "download", "meta", "sync", "uploads",
]  # fmt: skip
