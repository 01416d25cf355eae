"""Thin handlers, one module per tag: parse → call a service → render."""

from . import auth, devices, meta, pending
from .registry import HANDLERS

__all__ = ["HANDLERS", "auth", "devices", "meta", "pending"]
