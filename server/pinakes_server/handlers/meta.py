"""Health, metrics, the contract itself, and its interactive documentation."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import swagger_ui_bundle
from sanic import HTTPResponse, Request

from .. import __version__, metrics
from ..openapi.spec import spec_bytes
from ..services import uploads
from ..services.units import unit
from .io import render
from .registry import operation

SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
}
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Pinakes Sync API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""


@operation("health")
async def health(request: Request) -> HTTPResponse:
    return render({"status": "ok", "version": __version__})


@operation("get_metrics")
async def get_metrics(request: Request) -> HTTPResponse:
    body = await unit(lambda: metrics.exposition(uploads.open_count()))
    return HTTPResponse(body, content_type=metrics.CONTENT_TYPE)


@operation("get_openapi")
async def get_openapi(request: Request) -> HTTPResponse:
    return HTTPResponse(spec_bytes(), content_type="application/json")


@operation("get_docs")
async def get_docs(request: Request) -> HTTPResponse:
    return HTTPResponse(DOCS_PAGE, content_type="text/html; charset=utf-8")


@cache
def _asset(name: str) -> bytes:
    return (SWAGGER_DIR / name).read_bytes()


@operation("get_docs_asset")
async def get_docs_asset(request: Request, asset: str) -> HTTPResponse:
    # The contract's enum has already limited `asset` to DOCS_ASSETS' names.
    return HTTPResponse(
        _asset(asset),
        content_type=DOCS_ASSETS[asset],
        headers={"Cache-Control": "public, max-age=86400"},
    )
