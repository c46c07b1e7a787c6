"""CORS for browser clients of the SDKs (``dangerouslyAllowBrowser``, the AI SDK client-side).

Off unless ``SPIDERGATE_CORS_ALLOWED_ORIGINS`` lists origins (comma-separated, exact
``scheme://host[:port]``, or ``*`` for any). A pure ASGI middleware: an allowed origin's preflight
is answered here (204), a refused origin's preflight gets a 403 OpenAI error, and every other
response to an allowed origin carries ``Access-Control-Allow-Origin`` and exposes the headers SDKs
read (request id, rate limits, retry hints, the serving model). No credentials mode: tokens travel
in ``Authorization``, never in cookies.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spidergate.errors import PermissionDenied
from spidergate.web.errors import error_response

ALLOW_METHODS = "GET, HEAD, POST, PATCH, DELETE, OPTIONS"
# What a preflight allows when the browser names no headers; otherwise its list is echoed (the
# SDKs send their own x-stainless-* and openai-* headers besides these).
DEFAULT_ALLOW_HEADERS = "authorization, content-type, accept, x-request-id"
EXPOSE_HEADERS = ", ".join(
    (
        "x-request-id",
        "retry-after",
        "x-should-retry",
        "x-spidergate-model",
        "x-spidergate-fallback-from",
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-tokens",
    )
)
MAX_AGE = "600"


def parse_origins(setting: str) -> frozenset[str]:
    """The allowed origins from the setting's comma-separated list (empty: CORS off)."""
    return frozenset(o.strip().rstrip("/") for o in setting.split(",") if o.strip())


class Cors:
    """Answers preflights and marks responses to allowed origins."""

    def __init__(self, app: ASGIApp, origins: frozenset[str]) -> None:
        self.app = app
        self.any_origin = "*" in origins
        self.origins = origins - {"*"}

    def allowed(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, headers, scope, receive, send)
            return
        if not self.allowed(origin):
            await self.app(scope, receive, send)
            return
        extra = [
            (b"access-control-allow-origin", b"*" if self.any_origin else origin.encode("latin-1")),
            (b"access-control-expose-headers", EXPOSE_HEADERS.encode()),
            (b"vary", b"Origin"),
        ]

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_marked)

    async def _preflight(
        self, origin: str, headers: Headers, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if not self.allowed(origin):
            refused = error_response(
                PermissionDenied(
                    "This origin is not allowed to call the API from a browser "
                    "(SPIDERGATE_CORS_ALLOWED_ORIGINS).",
                    code="origin_not_allowed",
                )
            )
            refused.headers["vary"] = "Origin"
            await refused(scope, receive, send)
            return
        requested = headers.get("access-control-request-headers", "").strip()
        response_headers = [
            (b"access-control-allow-origin", b"*" if self.any_origin else origin.encode("latin-1")),
            (b"access-control-allow-methods", ALLOW_METHODS.encode()),
            (b"access-control-allow-headers", (requested or DEFAULT_ALLOW_HEADERS).encode("latin-1")),
            (b"access-control-max-age", MAX_AGE.encode()),
            (b"vary", b"Origin, Access-Control-Request-Headers"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": response_headers})
        await send({"type": "http.response.body", "body": b""})
