# generated from openapi/openapi.json by codegen/generate.py — do not edit
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    path: str,
    *,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(range_, Unset):
        headers["Range"] = range_

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(if_range, Unset):
        headers["If-Range"] = if_range

    _kwargs: dict[str, Any] = {
        "method": "head",
        "url": "/api/v1/sync/download/{path}".format(
            path=quote(str(path), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
        return response_200

    if response.status_code == 206:
        response_206 = cast(Any, None)
        return response_206

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 416:
        response_416 = Problem.from_dict(response.json())

        return response_416

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    path: str,
    *,
    client: AuthenticatedClient | Client,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """A download's headers without its body

    Args:
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8,
            255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        range_ (str | Unset):
        if_none_match (str | Unset):
        if_range (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        path=path,
        range_=range_,
        if_none_match=if_none_match,
        if_range=if_range,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    path: str,
    *,
    client: AuthenticatedClient | Client,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,
) -> Any | Problem | None:
    """A download's headers without its body

    Args:
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8,
            255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        range_ (str | Unset):
        if_none_match (str | Unset):
        if_range (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        path=path,
        client=client,
        range_=range_,
        if_none_match=if_none_match,
        if_range=if_range,
    ).parsed


async def asyncio_detailed(
    path: str,
    *,
    client: AuthenticatedClient | Client,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,
) -> Response[Any | Problem]:
    """A download's headers without its body

    Args:
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8,
            255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        range_ (str | Unset):
        if_none_match (str | Unset):
        if_range (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        path=path,
        range_=range_,
        if_none_match=if_none_match,
        if_range=if_range,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    path: str,
    *,
    client: AuthenticatedClient | Client,
    range_: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_range: str | Unset = UNSET,
) -> Any | Problem | None:
    """A download's headers without its body

    Args:
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8,
            255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        range_ (str | Unset):
        if_none_match (str | Unset):
        if_range (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            path=path,
            client=client,
            range_=range_,
            if_none_match=if_none_match,
            if_range=if_range,
        )
    ).parsed
