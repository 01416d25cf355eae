# generated from openapi/openapi.json by codegen/generate.py — do not edit
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.report_request import ReportRequest
from ...models.report_result import ReportResult
from ...types import Response


def _get_kwargs(
    *,
    body: ReportRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sync/report",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReportResult | None:
    if response.status_code == 200:
        response_200 = ReportResult.from_dict(response.json())

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
) -> Response[Problem | ReportResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReportRequest,
) -> Response[Problem | ReportResult]:
    """Report local changes from client

     All changes of one report apply in one transaction, taking consecutive seqs in order. Among a user's
    live files no path is a proper ancestor folder of another and no two share a comparison key (NFC of
    the case-folded path): a change that would break this is a conflict naming the live path it clashes
    with. A new file in an existing folder takes that folder's stored case (`stored_path`).

    Args:
        body (ReportRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReportResult]
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
    body: ReportRequest,
) -> Problem | ReportResult | None:
    """Report local changes from client

     All changes of one report apply in one transaction, taking consecutive seqs in order. Among a user's
    live files no path is a proper ancestor folder of another and no two share a comparison key (NFC of
    the case-folded path): a change that would break this is a conflict naming the live path it clashes
    with. A new file in an existing folder takes that folder's stored case (`stored_path`).

    Args:
        body (ReportRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReportResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReportRequest,
) -> Response[Problem | ReportResult]:
    """Report local changes from client

     All changes of one report apply in one transaction, taking consecutive seqs in order. Among a user's
    live files no path is a proper ancestor folder of another and no two share a comparison key (NFC of
    the case-folded path): a change that would break this is a conflict naming the live path it clashes
    with. A new file in an existing folder takes that folder's stored case (`stored_path`).

    Args:
        body (ReportRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReportResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ReportRequest,
) -> Problem | ReportResult | None:
    """Report local changes from client

     All changes of one report apply in one transaction, taking consecutive seqs in order. Among a user's
    live files no path is a proper ancestor folder of another and no two share a comparison key (NFC of
    the case-folded path): a change that would break this is a conflict naming the live path it clashes
    with. A new file in an existing folder takes that folder's stored case (`stored_path`).

    Args:
        body (ReportRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReportResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
