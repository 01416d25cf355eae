"""Calling the server: the generated API underneath, one policy on top. A 429 or 503 that says
when to come back (Retry-After) is asked again, a bounded number of times; a device whose JWT
expired signs in again by itself, once; a transport failure is `ConnectionFailed`; any other
answer that is not what was asked for is raised as its `ProblemError`."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx
from pinakes_client import AuthenticatedClient, Client

from .errors import ConnectionFailed, problem_of

T = TypeVar("T")
TIMEOUT = httpx.Timeout(30.0, read=120.0)


class _Answer(Protocol):
    """What both a generated `Response` and an `httpx.Response` have."""

    @property
    def status_code(self) -> Any: ...

    @property
    def headers(self) -> Any: ...

    @property
    def content(self) -> bytes: ...


A = TypeVar("A", bound=_Answer)


@dataclass
class Retries:
    """How often a 429 or 503 with Retry-After is asked again, and the longest wait."""

    attempts: int = 3
    longest_wait: float = 60.0


class Caller:
    """One signed-in identity: its client, and the way every call is made."""

    def __init__(
        self,
        base_url: str,
        token: str,
        retries: Retries,
        sign_in_again: Callable[[], str] | None = None,
    ) -> None:
        self.base_url, self.retries = base_url, retries
        self._sign_in_again = sign_in_again
        self._renewing = threading.Lock()  # calls may run on several threads at once
        self._retired: list[AuthenticatedClient] = []
        self.client = AuthenticatedClient(base_url=base_url, token=token, timeout=TIMEOUT)

    def close(self) -> None:
        for client in [*self._retired, self.client]:
            client.get_httpx_client().close()

    def send(self, call: Callable[[AuthenticatedClient], A]) -> A:
        """The answer to `call`, after the retries and sign-ins the policy allows."""
        return self._taken(lambda client: guarded(self.base_url, functools.partial(call, client)),
                           lambda refused: None)  # fmt: skip

    @contextlib.contextmanager
    def stream(self, method: str, url: str, **request: Any) -> Iterator[httpx.Response]:
        """A streamed answer (its body not read yet), under the same policy; closed after."""

        def open_(client: AuthenticatedClient) -> httpx.Response:
            http = client.get_httpx_client()
            built = http.build_request(method, url, **request)
            return guarded(self.base_url, lambda: http.send(built, stream=True))

        answer = self._taken(open_, lambda refused: refused.close())
        try:
            yield answer
        finally:
            answer.close()

    def _taken(self, call: Callable[[AuthenticatedClient], A], discard: Callable[[A], None]) -> A:
        """The first answer to take: a refused JWT is renewed once, and a 429/503 with
        Retry-After waited out as often as `retries` allows (`discard` lets such an answer go)."""
        signed_in_again, attempt = False, 0
        while True:
            client = self.client
            answer = call(client)
            status = int(answer.status_code)
            if status == 401 and self._sign_in_again is not None and not signed_in_again:
                discard(answer)
                self._renew(client)
                signed_in_again = True
                continue
            if (wait := waited(answer, attempt, self.retries)) is None:
                return answer
            discard(answer)
            time.sleep(wait)
            attempt += 1

    def _renew(self, refused: AuthenticatedClient) -> None:
        """A client with a new JWT (unless another thread made one since `refused` was
        refused). The old one is closed with the session: another thread may be using it."""
        assert self._sign_in_again is not None
        with self._renewing:
            if self.client is not refused:
                return
            token = self._sign_in_again()
            self._retired.append(self.client)
            self.client = AuthenticatedClient(base_url=self.base_url, token=token,
                                              timeout=TIMEOUT)  # fmt: skip

    def call(self, call: Callable[[AuthenticatedClient], Any], wanted: type[T]) -> T:
        """A generated call's parsed answer, or its problem raised."""
        return expect(self.send(call), wanted)


def waited(answer: _Answer, attempt: int, retries: Retries) -> float | None:
    """Seconds to wait before asking again, or None to take this answer."""
    raw = answer.headers.get("retry-after", "")
    if int(answer.status_code) not in (429, 503) or not raw.isdigit():
        return None
    if attempt >= retries.attempts:
        return None
    return min(float(raw), retries.longest_wait)


def guarded(base_url: str, call: Callable[[], A]) -> A:
    try:
        return call()
    except httpx.TransportError as exc:
        raise ConnectionFailed(f"cannot reach the server at {base_url}: {exc}") from None


def expect(answer: Any, wanted: type[T]) -> T:
    """The parsed answer when it is a success of the wanted type; else its problem, raised."""
    status = int(answer.status_code)
    if 200 <= status < 300 and isinstance(answer.parsed, wanted):
        return answer.parsed
    raise problem_of(status, answer.content, answer.headers)


def anonymous(base_url: str, retries: Retries, call: Callable[[Any], Any], wanted: type[T]) -> T:
    """A call before signing in (login, device login), under the same policy."""
    with Client(base_url=base_url, timeout=TIMEOUT) as client:
        attempt = 0
        while True:
            answer = guarded(base_url, lambda: call(client))
            if (wait := waited(answer, attempt, retries)) is None:
                return expect(answer, wanted)
            time.sleep(wait)
            attempt += 1
