"""POST /embeddings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from spidergate.schemas.validation import json_object
from spidergate.serve.embeddings import create_embeddings
from spidergate.web.buffered import settled
from spidergate.web.deps import PrincipalDep, RequestIdDep, RuntimeDep

router = APIRouter()


@router.post("/embeddings")
async def embeddings(
    request: Request, principal: PrincipalDep, rt: RuntimeDep, request_id: RequestIdDep
) -> Response:
    payload = json_object(await request.body())
    return settled(await create_embeddings(rt, principal, request_id, payload))
