"""Responses that settle usage while the client already has its bytes, but before the end.

On Lambda (Web Adapter, response streaming) the invocation lasts until the body ends, so work
done before the final (empty) body message is never lost to a frozen container; the client,
holding a complete Content-Length body, does not wait for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

import anyio
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send


class EventStream(Protocol):
    """A served stream (chat chunks or Messages events) that settles in ``close``."""

    headers: dict[str, str]

    def events(self) -> AsyncIterator[bytes]: ...

    async def close(self) -> None: ...


class SettledResponse(Response):
    """A complete JSON body, then ``finish()`` (shielded from cancellation), then end of body."""

    def __init__(
        self,
        content: bytes,
        finish: Callable[[], Awaitable[None]],
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        media_type: str = "application/json",
    ) -> None:
        super().__init__(content, status_code=status_code, headers=headers, media_type=media_type)
        self._finish = finish

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            await send({"type": "http.response.body", "body": self.body, "more_body": True})
        finally:
            with anyio.CancelScope(shield=True):
                await self._finish()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class SSEResponse(StreamingResponse):
    """An event stream; settlement runs before its last event and, on a disconnect, in a shielded
    close."""

    def __init__(self, answer: EventStream) -> None:
        headers = {"cache-control": "no-cache", "x-accel-buffering": "no", **answer.headers}
        super().__init__(answer.events(), media_type="text/event-stream", headers=headers)
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.answer.close()
