"""The protocol middlewares on bare ASGI apps: streams are never compressed or held back."""

from __future__ import annotations

import pytest
from starlette.types import Message, Receive, Scope, Send

from spidergate.web.compression import GzipLarge, accepts_gzip
from spidergate.web.methods import HeadAsGet, allow_header

SSE = [b'data: {"choices":[]}\n\n' * 200, b"data: [DONE]\n\n"]


async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [(b"content-type", b"text/event-stream")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for n, chunk in enumerate(SSE):
        await send({"type": "http.response.body", "body": chunk, "more_body": n < len(SSE) - 1})


def scope(method: str = "GET", accept_encoding: bytes = b"gzip") -> Scope:
    return {"type": "http", "method": method, "path": "/", "headers": [(b"accept-encoding", accept_encoding)]}


async def run(app: object, request: Scope) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(request, receive, send)  # type: ignore[operator]
    return sent


async def test_a_stream_passes_through_gzip_uncompressed_chunk_by_chunk() -> None:
    sent = await run(GzipLarge(streaming_app, minimum=10), scope())
    start, *bodies = sent
    assert dict(start["headers"]).get(b"content-encoding") is None
    assert [m["body"] for m in bodies] == SSE


async def test_head_drops_every_body_chunk_of_a_stream() -> None:
    sent = await run(HeadAsGet(streaming_app), scope("HEAD"))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"" and sent[1]["more_body"] is False


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("br, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
    ],
)
def test_accept_encoding_parsing(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_allow_adds_head_wherever_get_is_served() -> None:
    assert allow_header("GET") == "GET, HEAD"
    assert allow_header("POST") == "POST"
    assert allow_header("GET, HEAD, POST") == "GET, HEAD, POST"
