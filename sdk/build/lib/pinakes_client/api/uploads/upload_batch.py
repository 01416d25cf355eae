# generated from openapi/openapi.json by codegen/generate.py — do not edit
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_result import BatchResult
from ...models.problem import Problem
from ...models.upload_batch_body import UploadBatchBody
from ...types import Response


def _get_kwargs(
    *,
    body: UploadBatchBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sync/upload/batch",
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BatchResult | Problem | None:
    if response.status_code == 200:
        response_200 = BatchResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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

    if response.status_code == 507:
        response_507 = Problem.from_dict(response.json())

        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BatchResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UploadBatchBody,
) -> Response[BatchResult | Problem]:
    """Store many small files in one request

     A report whose bytes come along: one `multipart/form-data` request carries a `manifest` part (JSON,
    first) and one `files` part per manifest item, in its order. Each item's bytes are checked against
    its `content_hash` and `size`: a mismatch rejects that item (named in the answer), never the others.
    The bytes are stored durably first, then every item is applied in one transaction by the report's
    rules (base versions, conflicts, clashes, folder case); a retried batch applies nothing twice. At
    most 1000 items, each at most 64 MiB, the body at most PINAKES_MAX_BATCH_BYTES (default 32 MiB):
    beyond, 413 and nothing applied. The body is parsed as it arrives, never held whole in memory.

    Args:
        body (UploadBatchBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchResult | Problem]
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
    body: UploadBatchBody,
) -> BatchResult | Problem | None:
    """Store many small files in one request

     A report whose bytes come along: one `multipart/form-data` request carries a `manifest` part (JSON,
    first) and one `files` part per manifest item, in its order. Each item's bytes are checked against
    its `content_hash` and `size`: a mismatch rejects that item (named in the answer), never the others.
    The bytes are stored durably first, then every item is applied in one transaction by the report's
    rules (base versions, conflicts, clashes, folder case); a retried batch applies nothing twice. At
    most 1000 items, each at most 64 MiB, the body at most PINAKES_MAX_BATCH_BYTES (default 32 MiB):
    beyond, 413 and nothing applied. The body is parsed as it arrives, never held whole in memory.

    Args:
        body (UploadBatchBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchResult | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UploadBatchBody,
) -> Response[BatchResult | Problem]:
    """Store many small files in one request

     A report whose bytes come along: one `multipart/form-data` request carries a `manifest` part (JSON,
    first) and one `files` part per manifest item, in its order. Each item's bytes are checked against
    its `content_hash` and `size`: a mismatch rejects that item (named in the answer), never the others.
    The bytes are stored durably first, then every item is applied in one transaction by the report's
    rules (base versions, conflicts, clashes, folder case); a retried batch applies nothing twice. At
    most 1000 items, each at most 64 MiB, the body at most PINAKES_MAX_BATCH_BYTES (default 32 MiB):
    beyond, 413 and nothing applied. The body is parsed as it arrives, never held whole in memory.

    Args:
        body (UploadBatchBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchResult | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: UploadBatchBody,
) -> BatchResult | Problem | None:
    """Store many small files in one request

     A report whose bytes come along: one `multipart/form-data` request carries a `manifest` part (JSON,
    first) and one `files` part per manifest item, in its order. Each item's bytes are checked against
    its `content_hash` and `size`: a mismatch rejects that item (named in the answer), never the others.
    The bytes are stored durably first, then every item is applied in one transaction by the report's
    rules (base versions, conflicts, clashes, folder case); a retried batch applies nothing twice. At
    most 1000 items, each at most 64 MiB, the body at most PINAKES_MAX_BATCH_BYTES (default 32 MiB):
    beyond, 413 and nothing applied. The body is parsed as it arrives, never held whole in memory.

    Args:
        body (UploadBatchBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchResult | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
