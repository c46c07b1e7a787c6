"""The sandbox upstream: a Starlette app answering like OpenAI and Anthropic, deterministically.

Every request to a provider path is recorded, authenticated (a key must be present; any key is
accepted), matched against scripted faults, then answered by its handler. Handlers are plain
functions ``SandboxCall -> Response``; ``BadRequest`` becomes the provider's own 400 body.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from spidergate.local.sandbox import control
from spidergate.local.sandbox.anthropic import handle_messages
from spidergate.local.sandbox.call import BadRequest, SandboxCall
from spidergate.local.sandbox.chat import handle_chat
from spidergate.local.sandbox.embeddings import handle_embeddings
from spidergate.local.sandbox.images import handle_images, serve_image
from spidergate.local.sandbox.models import handle_anthropic_models, handle_models
from spidergate.local.sandbox.multipart import parse_form
from spidergate.local.sandbox.speech import handle_speech
from spidergate.local.sandbox.state import Fault, SandboxState
from spidergate.local.sandbox.strict import PROFILES as STRICT_PROFILES
from spidergate.local.sandbox.strict import strict_chat
from spidergate.local.sandbox.text import content_text, count_tokens, messages_tokens
from spidergate.local.sandbox.transcription import handle_transcription
from spidergate.local.sandbox.wire import (
    TRANSPORT_KEY,
    DropConnection,
    anthropic_error_body,
    error_response,
    json_response,
    openai_error_body,
)

Handler = Callable[[SandboxCall], Response]
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "cookie"})


@dataclass(frozen=True, slots=True)
class Endpoint:
    handler: Handler
    anthropic: bool = False
    multipart: bool = False


def handle_count_tokens(call: SandboxCall) -> Response:
    """``POST /v1/messages/count_tokens``: the input tokens ``/v1/messages`` would report."""
    messages = call.body.get("messages")
    if not isinstance(messages, list) or not isinstance(call.body.get("model"), str):
        raise BadRequest("model and messages are required")
    tokens = count_tokens(content_text(call.body.get("system"))) + messages_tokens(messages)
    return json_response({"input_tokens": tokens}, headers={"request-id": call.request_id})


ENDPOINTS: dict[str, Endpoint] = {
    "/v1/chat/completions": Endpoint(handle_chat),
    "/v1/embeddings": Endpoint(handle_embeddings),
    "/v1/images/generations": Endpoint(handle_images),
    "/v1/audio/speech": Endpoint(handle_speech),
    "/v1/audio/transcriptions": Endpoint(handle_transcription, multipart=True),
    "/v1/messages": Endpoint(handle_messages, anthropic=True),
    "/v1/messages/count_tokens": Endpoint(handle_count_tokens, anthropic=True),
    **{path: Endpoint(strict_chat(path)) for path in STRICT_PROFILES},
}


def _presented_key(headers: Any, anthropic: bool) -> str | None:
    """The key the caller sent: ``x-api-key`` on Anthropic paths, a Bearer token elsewhere."""
    if anthropic:
        return headers.get("x-api-key") or None
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _error(anthropic: bool, status: int, message: str, request_id: str, param: str | None = None) -> Response:
    if anthropic:
        body = anthropic_error_body(status, message, request_id)
        return error_response(status, body, {"request-id": request_id})
    body = openai_error_body(status, message, param=param)
    return error_response(status, body, {"x-request-id": request_id})


def _parse(raw: bytes, content_type: str, multipart: bool, call: SandboxCall) -> dict[str, Any]:
    """Fill ``call`` from the body; returns what the recording keeps (JSON body or part names)."""
    if multipart:
        call.fields, call.files = parse_form(raw, content_type)
        return {"fields": {**{k: v[0] for k, v in call.fields.items()}, **{k: "" for k in call.files}}}
    if not raw:
        return {"body": None}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {"body": None, "invalid": True}
    if isinstance(body, dict):
        call.body = body
    return {"body": body, "invalid": not isinstance(body, dict)}


def _refusal(
    request: Request, path: str, endpoint: Endpoint | None, key: str | None, anthropic: bool, request_id: str
) -> Response | None:
    """The 401/404 a request gets before any handler runs, if it gets one."""
    if key is None:
        message = "x-api-key header is required" if anthropic else "You didn't provide an API key."
        return _error(anthropic, 401, message, request_id)
    if anthropic and not request.headers.get("anthropic-version"):
        return _error(anthropic, 401, "anthropic-version header is required", request_id)
    if endpoint is None:
        message = f"Invalid URL ({request.method} {path})"
        if anthropic:
            return _error(anthropic, 404, message, request_id)
        body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
        return error_response(404, body, {"x-request-id": request_id})
    return None


async def _apply_fault(fault: Fault, call: SandboxCall, anthropic: bool) -> Response | None:
    """The response a fault replaces the answer with, or None to answer (after a delay, or mid-stream)."""
    if fault.kind == "timeout":
        await asyncio.sleep(fault.seconds)
        return None
    if fault.kind == "reset":
        return DropConnection()
    if fault.status is None:
        call.stream_fault = fault  # a stream-only kind: the streaming handler acts on it
        return None
    headers = {"request-id" if anthropic else "x-request-id": call.request_id, **fault.headers}
    if fault.body is not None:
        return error_response(fault.status, fault.body, headers)
    message = f"Sandbox injected HTTP {fault.status}."
    if anthropic:
        return error_response(
            fault.status, anthropic_error_body(fault.status, message, call.request_id), headers
        )
    return error_response(fault.status, openai_error_body(fault.status, message), headers)


async def _answer(request: Request, path: str, endpoint: Endpoint | None) -> Response:
    """Record, authenticate, apply a scripted fault, then let the endpoint's handler answer."""
    state: SandboxState = request.app.state.sandbox
    headers = request.headers
    if endpoint is not None:
        anthropic = endpoint.anthropic
    else:
        anthropic = bool(headers.get("x-api-key") and not headers.get("authorization"))
    key = _presented_key(headers, anthropic)
    call = SandboxCall(path=path, base_url=str(request.base_url).rstrip("/"), request_id="")
    bad: BadRequest | None = None
    try:
        multipart = endpoint is not None and endpoint.multipart
        payload = _parse(await request.body(), headers.get("content-type", ""), multipart, call)
    except BadRequest as exc:
        payload, bad = {"fields": {}}, exc
    kept = {k: v for k, v in headers.items() if k not in _SECRET_HEADERS}
    entry = state.record(request.method, path, key, kept, payload)
    call.request_id = f"req_sandbox_{entry['seq']:06d}"
    refused = _refusal(request, path, endpoint, key, anthropic, call.request_id)
    if refused is not None:
        return refused
    assert endpoint is not None  # unknown paths were refused
    if bad is not None:
        return _error(anthropic, bad.status, bad.message, call.request_id, bad.param)
    if payload.get("invalid"):
        return _error(anthropic, 400, "We could not parse the JSON body of your request.", call.request_id)
    fault = state.take_fault(path, key, entry["model"], entry["stream"])
    if fault is not None:
        entry["fault"] = fault.label
        replaced = await _apply_fault(fault, call, anthropic)
        if replaced is not None:
            return replaced
    try:
        return endpoint.handler(call)
    except BadRequest as exc:
        return _error(anthropic, exc.status, exc.message, call.request_id, exc.param)


def _route(path: str, endpoint: Endpoint) -> Route:
    async def answer(request: Request) -> Response:
        return await _answer(request, path, endpoint)

    return Route(path, answer, methods=["POST"])


async def list_models(request: Request) -> Response:
    anthropic = bool(request.headers.get("x-api-key") and not request.headers.get("authorization"))
    handler = handle_anthropic_models if anthropic else handle_models
    return await _answer(request, "/v1/models", Endpoint(handler, anthropic=anthropic))


async def unknown(request: Request) -> Response:
    return await _answer(request, request.url.path, None)


class SandboxApp:
    """The ASGI entry point: hands each connection's transport to the fault machinery."""

    def __init__(self, app: Starlette, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # uvicorn's receive is a bound method of the request cycle, which owns the transport.
            scope[TRANSPORT_KEY] = getattr(getattr(receive, "__self__", None), "transport", None)
        await self.app(scope, receive, send)


def create_sandbox_app(state: SandboxState | None = None) -> SandboxApp:
    """A fresh sandbox (its own faults and recordings unless ``state`` is shared)."""
    state = state or SandboxState()
    routes = [
        *(_route(path, endpoint) for path, endpoint in ENDPOINTS.items()),
        Route("/v1/models", list_models, methods=["GET"]),
        *control.ROUTES,
        Route("/_files/img_{colour}.png", serve_image, methods=["GET"]),
        Route("/{rest:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = state
    return SandboxApp(app, state)
