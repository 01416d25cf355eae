"""Users and tokens: register, login, device-login, me."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from sanic import HTTPResponse, Request

from .._generated import models
from ..auth import Grant, TokenCodec
from ..services import users
from ..services.throttle import SignInThrottle
from ..services.units import unit
from .io import parse, principal, render
from .registry import operation


def _token(request: Request, grant: Grant) -> HTTPResponse:
    codec: TokenCodec = request.app.ctx.tokens
    return render(
        {
            "access_token": codec.issue(grant),
            "token_type": "Bearer",
            "expires_in": codec.ttl_seconds,
        }
    )


@operation("register_user")
async def register_user(request: Request) -> HTTPResponse:
    body = parse(request, models.Credentials)
    user = await users.register(
        body.username,
        body.password.get_secret_value(),
        actor=request.ctx.principal,
        open_registration=request.app.ctx.config.open_registration,
    )
    return render(user, status=201)


def _sign_in(request: Request, name: str) -> AbstractAsyncContextManager[None]:
    """Failed sign-ins are counted per client address (and name) and throttled (429)."""
    throttle: SignInThrottle = request.app.ctx.sign_ins
    return throttle.attempt(request.remote_addr or request.ip, name)


@operation("login")
async def login(request: Request) -> HTTPResponse:
    body = parse(request, models.Credentials)
    async with _sign_in(request, body.username):
        grant = await users.authenticate_password(body.username, body.password.get_secret_value())
    return _token(request, grant)


@operation("device_login")
async def device_login(request: Request) -> HTTPResponse:
    body = parse(request, models.DeviceLogin)
    async with _sign_in(request, ""):  # device tokens are counted under one name
        grant = await unit(users.device_for_token, body.device_token)
    return _token(request, grant)


@operation("get_me")
async def get_me(request: Request) -> HTTPResponse:
    caller = principal(request)
    user = await unit(users.get_user, caller.user_id)
    return render({"user": user, "device_id": caller.device_id})
