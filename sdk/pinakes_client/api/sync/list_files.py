# generated from openapi/openapi.json by codegen/generate.py — do not edit
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.files_page import FilesPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: str | Unset = UNSET,
    limit: int | Unset = 500,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/sync/files",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FilesPage | Problem | None:
    if response.status_code == 200:
        response_200 = FilesPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[FilesPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = 500,
) -> Response[FilesPage | Problem]:
    """List the live files (snapshot)

     Keyset-paged in bytewise path order. Keep the first page's cursor and read the feed from it
    afterwards.

    Args:
        after (str | Unset): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in
            UTF-8, 255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FilesPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = 500,
) -> FilesPage | Problem | None:
    """List the live files (snapshot)

     Keyset-paged in bytewise path order. Keep the first page's cursor and read the feed from it
    afterwards.

    Args:
        after (str | Unset): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in
            UTF-8, 255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FilesPage | Problem
    """

    return sync_detailed(
        client=client,
        after=after,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = 500,
) -> Response[FilesPage | Problem]:
    """List the live files (snapshot)

     Keyset-paged in bytewise path order. Keep the first page's cursor and read the feed from it
    afterwards.

    Args:
        after (str | Unset): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in
            UTF-8, 255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FilesPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = 500,
) -> FilesPage | Problem | None:
    """List the live files (snapshot)

     Keyset-paged in bytewise path order. Keep the first page's cursor and read the feed from it
    afterwards.

    Args:
        after (str | Unset): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in
            UTF-8, 255 a segment. A path that would be new (a created or modified file, a move's or an
            upload's target not live now) must also be portable: no segment a Windows reserved name
            (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an extension), ending in a
            dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can
            still be read, listed, deleted and moved away from.
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FilesPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            limit=limit,
        )
    ).parsed
