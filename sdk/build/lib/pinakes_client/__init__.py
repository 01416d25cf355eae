# generated from openapi/openapi.json by codegen/generate.py — do not edit
"""A client library for accessing Pinakes Sync"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
