"""Operations of the contract whose issue has not landed yet: an honest 501, never a stub."""

from __future__ import annotations

from sanic import HTTPResponse, Request

from ..errors import NotImplementedYet
from .registry import operation

PENDING = {
    # issue 4: content transfer
    "create_upload": 4, "get_upload": 4, "cancel_upload": 4, "upload_chunk": 4,
    "complete_upload": 4, "download_file": 4, "head_file": 4,
}  # fmt: skip


@operation(*PENDING)
async def not_implemented(request: Request, **_: str) -> HTTPResponse:
    operation_id = request.ctx.operation.operation_id
    raise NotImplementedYet(
        f"{operation_id} is not implemented yet (issue {PENDING[operation_id]})"
    )
