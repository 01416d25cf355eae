"""Sanic response → openapi-core response protocol."""

from __future__ import annotations

from sanic import HTTPResponse


class SanicOpenAPIResponse:
    def __init__(self, response: HTTPResponse) -> None:
        self.status_code = response.status
        self.content_type = response.content_type or ""
        self.headers = response.headers  # case-insensitive, like the request's
        self.data = response.body or b""
