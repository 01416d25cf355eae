"""Sanic's HTTP/1.1 protocol with deadlines a trickling client cannot stretch (slowloris).

Sanic's own REQUEST_TIMEOUT is an idle timer, restarted by every byte that arrives, and it
stops once the head is in: one byte every few seconds held a connection for good. Here:

- a request head must be complete HEAD_TIMEOUT after its first byte (a fresh connection's
  first head: after accept), whatever trickles meanwhile: 408, or a quiet close when nothing
  of a request came;
- a body (buffered JSON, a streamed chunk, a batch, or the unread rest the server drains)
  must keep up a minimum rate: each byte earns 1 / MIN_RATE seconds the server may wait for
  the next ones, up to BODY_GRACE saved; waiting longer than was earned is 408. Only time the
  server spends waiting for bytes counts, never time it spends on storage while the client's
  bytes queue up;
- a connection over its address's cap, or the process's budget (admission.py), is closed at
  once, before it costs more than the accept.

Keep-alive idle between requests stays Sanic's (KEEP_ALIVE_TIMEOUT).
"""

from __future__ import annotations

import asyncio
from typing import NoReturn

from sanic import Request
from sanic.exceptions import RequestTimeout
from sanic.http import Http, Stage
from sanic.server.protocols.http_protocol import HttpProtocol

from .admission import Admission
from .config import Config


class GuardedHttpProtocol(HttpProtocol):
    __slots__ = (
        "_address", "_admission", "_arrived", "_config", "_credit", "_deadline", "_head_since",
        "_overdue", "_timer",
    )  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._config: Config = self.app.ctx.config
        self._admission: Admission = self.app.ctx.admission
        self._address: str | None = None  # None: refused (or not yet connected)
        self._head_since: float | None = None  # when the head now owed began
        self._credit = 0.0  # seconds the server may still wait for body bytes
        self._arrived = 0  # bytes received since the credit was last brought up to date
        # The wait under way must end by `_deadline`. One timer per connection, moved only
        # when it fires early (deadlines mostly move later): an asyncio.timeout per wait cost
        # several times the wait itself, a thousand times per 64 MiB chunk.
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._overdue = False

    def _setup(self) -> None:
        super()._setup()
        self.request_handler = self._head_arrived

    async def _head_arrived(self, request: Request) -> None:
        self._head_since = None
        self._credit, self._arrived = float(self._config.body_grace_seconds), 0
        await self.app.handle_request(request)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else ""  # a unix socket: one "address"
        if not self._admission.admit(address):
            transport.abort()
            return
        self._address = address
        self._head_since = self.loop.time()
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._address is None:
            return  # refused: Sanic never saw it
        self._admission.release(self._address)
        self._address = None
        if self._timer is not None:
            self._timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._arrived += len(data)
        super().data_received(data)

    async def receive_more(self) -> None:
        http = self._http
        if http.request_body:
            await self._more_body(http)
        elif self._head_since is not None or http.stage is Stage.REQUEST:
            await self._more_head(http)
        else:  # idle between requests: the keep-alive timeout's; the next head begins now
            await super().receive_more()
            self._head_since = self.loop.time()

    async def _more_head(self, http: Http) -> None:
        if self._head_since is None:  # a pipelined head, partly in the buffer already
            self._head_since = self.loop.time()
        if await self._wait_until(self._head_since + self._config.head_timeout_seconds):
            return
        if http.stage is Stage.IDLE:  # nothing of a request came: nothing to answer
            self._give_up()
        raise RequestTimeout("the request head did not arrive in time")

    async def _more_body(self, http: Http) -> None:
        config, started = self._config, self.loop.time()
        earned = self._arrived / config.min_body_bytes_per_second
        self._credit = min(float(config.body_grace_seconds), self._credit + earned)
        self._arrived = 0
        try:
            in_time = await self._wait_until(started + self._credit)
        finally:
            self._credit -= self.loop.time() - started
        if in_time:
            return
        http.keep_alive = False
        if http.stage is not Stage.HANDLER:
            self._give_up()  # the unread rest of a body already answered
        raise RequestTimeout("the request body arrived too slowly")

    async def _wait_until(self, deadline: float) -> bool:
        """Sanic's wait for more bytes, ended at `deadline`: False when it was."""
        self._deadline, self._overdue = deadline, False
        if self._timer is None or self._timer.when() > deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self.loop.call_at(deadline, self._check_deadline)
        try:
            await super().receive_more()
        finally:
            self._deadline = None
        return not self._overdue

    def _check_deadline(self) -> None:
        self._timer = None
        if self._deadline is None:
            return  # no wait under way: the next one arms the timer again
        if self.loop.time() < self._deadline:
            self._timer = self.loop.call_at(self._deadline, self._check_deadline)
            return
        self._overdue = True
        self._data_received.set()  # ends the wait

    def _give_up(self) -> NoReturn:
        """Where no answer can be given: close, and end the connection's task quietly."""
        self.close()
        raise asyncio.CancelledError
