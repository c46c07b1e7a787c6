"""Request body limit in the app itself (413), as API Gateway and Lambda enforce it when deployed.

The local run and any container deployment then behave like the deployed stack: a 100 MB chat
body is refused before it is read into memory, not forwarded. A declared ``content-length`` over
the limit is answered at once; a chunked body is counted as it arrives and cut off at the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spidergate.errors import PayloadTooLarge
from spidergate.web.errors import error_response

# Lambda's synchronous invocation payload (6 MB); API Gateway's own cap (10 MB) is higher.
MAX_BODY_BYTES = 6 * 1024 * 1024


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body is larger than this gateway accepts ({limit} bytes). For audio up to 25 MB "
        "use the /uploads flow.",
    )


class BodyLimit:
    """Pure ASGI middleware: refuse request bodies over ``max_bytes`` with the OpenAI 413 body."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await error_response(too_large(self.max_bytes))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large(self.max_bytes)  # raised inside the route: the error handler answers
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
