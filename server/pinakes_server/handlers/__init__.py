"""Thin handlers, one module per tag: parse → call a service → render."""

from . import auth, conflicts, devices, meta, pending, sync
from .registry import HANDLERS

__all__ = ["HANDLERS", "auth", "conflicts", "devices", "meta", "pending", "sync"]
