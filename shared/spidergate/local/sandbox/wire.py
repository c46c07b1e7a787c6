"""Responses on the wire: JSON, provider error bodies, SSE streams and dropped connections."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from spidergate.local.sandbox.text import dumps

# The outermost sandbox ASGI layer stores the connection's asyncio transport here (None in-process).
TRANSPORT_KEY = "sandbox.transport"

_OPENAI_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    402: ("insufficient_quota", "insufficient_quota"),
    403: ("permission_error", "permission_denied"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout", "timeout"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("requests", "rate_limit_exceeded"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "timeout"),
    529: ("server_error", "overloaded"),
}
_ANTHROPIC_ERRORS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(dumps(data).encode(), status_code=status, headers=headers, media_type="application/json")


def openai_error_body(status: int, message: str, *, code: str | None = None, param: str | None = None) -> Any:
    """The OpenAI error shape for ``status``: ``{"error": {message, type, param, code}}``."""
    err_type, default_code = _OPENAI_ERRORS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {"error": {"message": message, "type": err_type, "param": param, "code": code or default_code}}


def anthropic_error_body(status: int, message: str, request_id: str) -> Any:
    """The Anthropic error shape: ``{"type": "error", "error": {type, message}, "request_id"}``."""
    err_type = _ANTHROPIC_ERRORS.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": err_type, "message": message}, "request_id": request_id}


def error_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    """An error with the given body: JSON for objects and lists, the text itself for strings."""
    if isinstance(body, str):
        return Response(body.encode(), status_code=status, headers=headers, media_type="text/plain")
    return json_response(body, status, headers)


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event; OpenAI streams carry only ``data:``, Anthropic's name each event."""
    payload = data if isinstance(data, str) else dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


class EventStream(Response):
    """An SSE response written event by event, optionally cut short or ended by an error event.

    ``cut_after`` events are sent; then, with ``tail``, that error event and a normal end, or
    without it the connection is closed mid-body (no terminating chunk: the client sees a
    truncated stream).
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        events: list[bytes],
        *,
        cut_after: int | None = None,
        tail: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = 200
        self.background = None
        self.events = events
        self.cut_after = cut_after
        self.tail = tail
        self.init_headers({"cache-control": "no-cache", "x-accel-buffering": "no", **(headers or {})})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        events = self.events if self.cut_after is None else self.events[: self.cut_after]
        for event in events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        if self.cut_after is not None and self.tail is None:
            await drop_connection(scope, receive, flush=True)
            return
        if self.tail is not None:
            await send({"type": "http.response.body", "body": self.tail, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class DropConnection(Response):
    """No response at all: the connection is aborted as soon as the request was read."""

    def __init__(self) -> None:
        self.status_code = 0
        self.background = None
        self.raw_headers = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await drop_connection(scope, receive, flush=False)


async def drop_connection(scope: Scope, receive: Receive, *, flush: bool) -> None:
    """Close the client connection under the server's feet (``flush``: send what is buffered first).

    Under uvicorn the transport is closed directly, then we wait for the server to notice the
    disconnect, so it neither answers 500 nor logs an application error. In-process (ASGI test
    transport) there is no connection: the drop surfaces as ``ConnectionAbortedError``.
    """
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:
        raise ConnectionAbortedError("sandbox dropped the connection (fault injection)")
    if flush:
        transport.close()
    else:
        transport.abort()
    for _ in range(100):
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        await asyncio.sleep(0)
