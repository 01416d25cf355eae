"""Pinakes Sync: the multi-device library synchronization server."""

__version__ = "0.1.0"
