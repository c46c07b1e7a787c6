"""The Anthropic base URL (``/api/gate/anthropic``): Messages, token counts, models; Anthropic errors.

Tokens are accepted as ``x-api-key`` (the Anthropic SDKs, Claude Code) or ``Authorization:
Bearer``; query strings such as ``?beta=true`` are ignored. Every error, unknown paths included,
leaves as ``{"type": "error", "error": {...}}`` with Anthropic's status.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from spidergate.anthropic_api.errors import error_body, status_of
from spidergate.anthropic_api.models import model_list, one_model
from spidergate.domain import Principal
from spidergate.errors import GatewayError, NotFound
from spidergate.schemas.validation import json_object
from spidergate.serve.catalog import configured_providers
from spidergate.serve.messages import count_tokens, create_message
from spidergate.serve.messages_stream import MessagesStream
from spidergate.web.deps import RequestIdDep, RuntimeDep
from spidergate.web.responses import SettledResponse, SSEResponse

router = APIRouter()
log = logging.getLogger("spidergate.web")


def anthropic_error(error: GatewayError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=status_of(error), headers=error.headers)


async def guarded(handler: Callable[[], Awaitable[Response]]) -> Response:
    """Run ``handler``; gateway errors (and surprises) answer in Anthropic's shape."""
    try:
        return await handler()
    except GatewayError as exc:
        return anthropic_error(exc)
    except Exception:
        log.exception("unhandled error")
        return anthropic_error(GatewayError("The gateway hit an internal error.", code="internal_error"))


async def principal_of(request: Request, rt: RuntimeDep) -> Principal:
    """The caller from ``x-api-key`` or ``Authorization: Bearer`` (a 401 when neither is valid)."""
    key = request.headers.get("x-api-key")
    header = request.headers.get("authorization") or (f"Bearer {key}" if key else None)
    return await rt.auth.authenticate(header)


@router.get("")
@router.get("/", include_in_schema=False)
async def probe() -> Response:
    """Clients probe the base URL with HEAD (served by this GET route); no authentication."""
    return Response(status_code=200)


@router.post("/v1/messages")
async def messages(request: Request, rt: RuntimeDep, request_id: RequestIdDep) -> Response:
    async def handle() -> Response:
        principal = await principal_of(request, rt)
        payload = json_object(await request.body())
        trace = request.query_params.get("include_route_trace", "").lower() in ("1", "true")
        answer = await create_message(
            rt, principal, request_id, payload, request.headers, include_trace=trace
        )
        if isinstance(answer, MessagesStream):
            return SSEResponse(answer)
        return SettledResponse(answer.body, answer.exchange.finish, headers=answer.headers)

    return await guarded(handle)


@router.post("/v1/messages/count_tokens")
async def messages_count_tokens(request: Request, rt: RuntimeDep) -> Response:
    async def handle() -> Response:
        principal = await principal_of(request, rt)
        payload = json_object(await request.body())
        return JSONResponse({"input_tokens": await count_tokens(rt, principal, payload, request.headers)})

    return await guarded(handle)


@router.get("/v1/models")
async def models(request: Request, rt: RuntimeDep) -> Response:
    async def handle() -> Response:
        principal = await principal_of(request, rt)
        configured = await configured_providers(rt, principal)
        query = request.query_params
        body = model_list(
            rt.catalog, configured, query.get("limit"), query.get("after_id"), query.get("before_id")
        )
        return Response(json.dumps(body).encode(), media_type="application/json")

    return await guarded(handle)


@router.get("/v1/models/{model_id:path}")
async def model(model_id: str, request: Request, rt: RuntimeDep) -> Response:
    async def handle() -> Response:
        await principal_of(request, rt)
        return JSONResponse(one_model(rt.catalog, model_id))

    return await guarded(handle)


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown(path: str) -> Response:
    return anthropic_error(NotFound(f"Unknown path /{path} on the Anthropic base URL."))
