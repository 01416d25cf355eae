"""Sanic request → openapi-core request protocol, matched to the operation Sanic routed to."""

from __future__ import annotations

from openapi_core.datatypes import RequestParameters
from sanic import Request
from werkzeug.datastructures import ImmutableMultiDict

from .spec import Operation

# The contract's server is relative ("/"): any fixed origin matches it, and a client's Host
# header never takes part in finding the operation.
HOST_URL = "http://localhost"


# Most requests have no query string and no cookies: one empty mapping serves them all.
_NONE: ImmutableMultiDict[str, str] = ImmutableMultiDict()


class SanicOpenAPIRequest:
    def __init__(self, request: Request, operation: Operation, path_params: dict[str, str]) -> None:
        self.request = request
        self.path_pattern = operation.path
        self.method = operation.method.lower()
        query = request.query_string
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.get_query_args(keep_blank_values=True))
            if query
            else _NONE,
            # Sanic's own headers: case-insensitive, with getall() for repeated ones.
            header=request.headers,
            cookie=ImmutableMultiDict(list(request.cookies.items())) if request.cookies else _NONE,
            path=path_params,
        )

    host_url = HOST_URL

    @property
    def path(self) -> str:
        return self.path_pattern

    @property
    def body(self) -> bytes | None:
        return self.request.body or None  # empty for a streamed body: it is never read here

    @property
    def content_type(self) -> str:
        return self.request.headers.get("content-type", "")
