"""gzip for large complete bodies (``/models?limit=2000`` is ~750 KB of JSON), never for streams.

A pure ASGI middleware: a response whose whole body arrives in one message (a JSON answer) is
compressed when the client accepts gzip, the body is at least ``minimum`` bytes and of a textual
type; a body sent in several messages (SSE, streamed audio) passes through untouched, so a stream's
first token is never held back. Deployed behind API Gateway the functions leave this to the API's
own compression (``MinimumCompressionSize``; ``SPIDERGATE_COMPRESS_MIN_BYTES=0`` here).
"""

from __future__ import annotations

import gzip

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPRESSIBLE = ("application/json", "text/")
LEVEL = 5  # about as small as 9 on JSON, several times faster


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (a ``q=0`` refuses it)."""
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().replace(" ", "")
            return not q.startswith("q=") or q[2:].rstrip("0").rstrip(".") not in ("", "0")
    return False


class GzipLarge:
    """Compresses complete textual bodies of at least ``minimum`` bytes for clients that accept gzip."""

    def __init__(self, app: ASGIApp, minimum: int) -> None:
        self.app = app
        self.minimum = minimum

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not accepts_gzip(Headers(scope=scope).get("accept-encoding", "")):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        passthrough = False

        async def send_compressed(message: Message) -> None:
            nonlocal start, passthrough
            if message["type"] == "http.response.start":
                start = message
                return
            if passthrough or start is None or message["type"] != "http.response.body":
                await send(message)
                return
            head, start = start, None
            body = message.get("body", b"")
            if message.get("more_body", False) or not self._worth_it(head, body):
                passthrough = True
                await send(head)
                await send(message)
                return
            compressed = gzip.compress(body, compresslevel=LEVEL, mtime=0)
            headers = MutableHeaders(raw=list(head.get("headers", [])))
            headers["content-encoding"] = "gzip"
            headers["content-length"] = str(len(compressed))
            headers.add_vary_header("Accept-Encoding")
            await send({**head, "headers": headers.raw})
            await send({"type": "http.response.body", "body": compressed, "more_body": False})

        await self.app(scope, receive, send_compressed)
        if start is not None:  # a response that never sent its body message
            await send(start)

    def _worth_it(self, head: Message, body: bytes) -> bool:
        if len(body) < self.minimum or head.get("status", 200) in (204, 304):
            return False
        headers = Headers(raw=head.get("headers", []))
        if "content-encoding" in headers:
            return False
        return headers.get("content-type", "").startswith(COMPRESSIBLE)
