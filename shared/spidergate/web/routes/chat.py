"""POST /chat/completions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from spidergate.schemas.validation import json_object
from spidergate.serve.chat import StreamAnswer, chat_completion
from spidergate.web.deps import PrincipalDep, RequestIdDep, RuntimeDep
from spidergate.web.responses import SettledResponse, SSEResponse

router = APIRouter()


@router.post("/chat/completions")
async def chat_completions(
    request: Request,
    principal: PrincipalDep,
    rt: RuntimeDep,
    request_id: RequestIdDep,
    include_route_trace: bool = False,
) -> Response:
    payload = json_object(await request.body())
    answer = await chat_completion(rt, principal, request_id, payload, include_trace=include_route_trace)
    if isinstance(answer, StreamAnswer):
        return SSEResponse(answer)
    return SettledResponse(
        answer.body, answer.exchange.finish, status_code=answer.status, headers=answer.headers
    )
