# generated from openapi/openapi.json by codegen/generate.py — do not edit
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.chunk_receipt import ChunkReceipt
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    id: UUID,
    index: int,
    *,
    body: File,
    content_digest: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(content_digest, Unset):
        headers["Content-Digest"] = content_digest

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/sync/upload/{id}/chunks/{index}".format(
            id=quote(str(id), safe=""),
            index=quote(str(index), safe=""),
        ),
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ChunkReceipt | Problem | None:
    if response.status_code == 200:
        response_200 = ChunkReceipt.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 410:
        response_410 = Problem.from_dict(response.json())

        return response_410

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 507:
        response_507 = Problem.from_dict(response.json())

        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ChunkReceipt | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    index: int,
    *,
    client: AuthenticatedClient | Client,
    body: File,
    content_digest: str | Unset = UNSET,
) -> Response[ChunkReceipt | Problem]:
    """Upload a chunk

     Raw bytes: exactly `chunk_size` of them, the remainder for the last chunk. Re-sending a chunk
    replaces it.

    Args:
        id (UUID):
        index (int):
        content_digest (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChunkReceipt | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        index=index,
        body=body,
        content_digest=content_digest,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    index: int,
    *,
    client: AuthenticatedClient | Client,
    body: File,
    content_digest: str | Unset = UNSET,
) -> ChunkReceipt | Problem | None:
    """Upload a chunk

     Raw bytes: exactly `chunk_size` of them, the remainder for the last chunk. Re-sending a chunk
    replaces it.

    Args:
        id (UUID):
        index (int):
        content_digest (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChunkReceipt | Problem
    """

    return sync_detailed(
        id=id,
        index=index,
        client=client,
        body=body,
        content_digest=content_digest,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    index: int,
    *,
    client: AuthenticatedClient | Client,
    body: File,
    content_digest: str | Unset = UNSET,
) -> Response[ChunkReceipt | Problem]:
    """Upload a chunk

     Raw bytes: exactly `chunk_size` of them, the remainder for the last chunk. Re-sending a chunk
    replaces it.

    Args:
        id (UUID):
        index (int):
        content_digest (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChunkReceipt | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        index=index,
        body=body,
        content_digest=content_digest,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    index: int,
    *,
    client: AuthenticatedClient | Client,
    body: File,
    content_digest: str | Unset = UNSET,
) -> ChunkReceipt | Problem | None:
    """Upload a chunk

     Raw bytes: exactly `chunk_size` of them, the remainder for the last chunk. Re-sending a chunk
    replaces it.

    Args:
        id (UUID):
        index (int):
        content_digest (str | Unset):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChunkReceipt | Problem
    """

    return (
        await asyncio_detailed(
            id=id,
            index=index,
            client=client,
            body=body,
            content_digest=content_digest,
        )
    ).parsed
