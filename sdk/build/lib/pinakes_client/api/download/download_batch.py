# generated from openapi/openapi.json by codegen/generate.py — do not edit
from http import HTTPStatus
from io import BytesIO
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.download_batch_request import DownloadBatchRequest
from ...models.problem import Problem
from ...types import File, Response


def _get_kwargs(
    *,
    body: DownloadBatchRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sync/download-batch",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> File | Problem | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[File | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DownloadBatchRequest,
) -> Response[File | Problem]:
    """Many small files in one response

     The bytes of up to 1000 live files in one streamed response, for a device that pulls many small
    files. The body is a manifest line, then the files' bytes back to back: first one line of JSON
    (UTF-8, ended by `\\n`) `{"files": [{"path", "content_hash", "size"}], "missing": [paths], "later":
    [paths]}`, then each listed file's `size` bytes in the order of `files`. `missing`: no live file
    there (deleted, never existed). `later`: not in this response because the body would pass
    PINAKES_MAX_BATCH_BYTES (ask again, or download them one by one). Each file's bytes are the version
    its `content_hash` names: check them against it.

    Args:
        body (DownloadBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: DownloadBatchRequest,
) -> File | Problem | None:
    """Many small files in one response

     The bytes of up to 1000 live files in one streamed response, for a device that pulls many small
    files. The body is a manifest line, then the files' bytes back to back: first one line of JSON
    (UTF-8, ended by `\\n`) `{"files": [{"path", "content_hash", "size"}], "missing": [paths], "later":
    [paths]}`, then each listed file's `size` bytes in the order of `files`. `missing`: no live file
    there (deleted, never existed). `later`: not in this response because the body would pass
    PINAKES_MAX_BATCH_BYTES (ask again, or download them one by one). Each file's bytes are the version
    its `content_hash` names: check them against it.

    Args:
        body (DownloadBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DownloadBatchRequest,
) -> Response[File | Problem]:
    """Many small files in one response

     The bytes of up to 1000 live files in one streamed response, for a device that pulls many small
    files. The body is a manifest line, then the files' bytes back to back: first one line of JSON
    (UTF-8, ended by `\\n`) `{"files": [{"path", "content_hash", "size"}], "missing": [paths], "later":
    [paths]}`, then each listed file's `size` bytes in the order of `files`. `missing`: no live file
    there (deleted, never existed). `later`: not in this response because the body would pass
    PINAKES_MAX_BATCH_BYTES (ask again, or download them one by one). Each file's bytes are the version
    its `content_hash` names: check them against it.

    Args:
        body (DownloadBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: DownloadBatchRequest,
) -> File | Problem | None:
    """Many small files in one response

     The bytes of up to 1000 live files in one streamed response, for a device that pulls many small
    files. The body is a manifest line, then the files' bytes back to back: first one line of JSON
    (UTF-8, ended by `\\n`) `{"files": [{"path", "content_hash", "size"}], "missing": [paths], "later":
    [paths]}`, then each listed file's `size` bytes in the order of `files`. `missing`: no live file
    there (deleted, never existed). `later`: not in this response because the body would pass
    PINAKES_MAX_BATCH_BYTES (ask again, or download them one by one). Each file's bytes are the version
    its `content_hash` names: check them against it.

    Args:
        body (DownloadBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
