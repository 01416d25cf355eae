"""Sanic request → openapi-core request protocol, matched to the operation Sanic routed to."""

from __future__ import annotations

from openapi_core.datatypes import RequestParameters
from sanic import Request
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .spec import Operation

# The contract's server is relative ("/"): any fixed origin matches it, and a client's Host
# header never takes part in finding the operation.
HOST_URL = "http://localhost"


class SanicOpenAPIRequest:
    def __init__(self, request: Request, operation: Operation, path_params: dict[str, str]) -> None:
        self.request = request
        self.path_pattern = operation.path
        self.method = operation.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.get_query_args(keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(list(request.cookies.items())),
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
