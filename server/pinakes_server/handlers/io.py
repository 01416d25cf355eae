"""Parsing validated bodies into generated models, and rendering services' plain records
(dataclasses, dicts, lists of them) as JSON with orjson."""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sanic import HTTPResponse, Request

from ..auth import Claims, Principal
from ..errors import ValidationFailed, safe_str

M = TypeVar("M", bound=BaseModel)


def parse(request: Request, model: type[M]) -> M:
    """The body as the generated model; openapi-core has checked it already."""
    try:
        return model.model_validate_json(request.body)
    except PydanticError as exc:
        issues = [
            {
                "location": "body" + "".join(f".{p}" for p in err["loc"]),
                "message": safe_str(err["msg"], 200),
            }
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed("the body does not match its schema", issues) from None


def render(payload: object, status: int = 200) -> HTTPResponse:
    """UUIDs as strings, times as RFC 3339 with `Z`: what the contract's formats say."""
    body = orjson.dumps(payload, option=orjson.OPT_UTC_Z)
    return HTTPResponse(body, status=status, content_type="application/json")


def no_content() -> HTTPResponse:
    return HTTPResponse(status=204)


def principal(request: Request) -> Principal:
    """The authenticated caller (the middleware set it; required operations only)."""
    found: Principal | None = request.ctx.principal
    assert found is not None, "operation without bearer security asked for a principal"
    return found


def held_claims(request: Request) -> Claims:
    """The verified token the request was admitted with, for a request held open (its standing
    is checked again while it waits)."""
    found: Claims | None = request.ctx.claims
    assert found is not None, "operation without bearer security asked for its token"
    return found
