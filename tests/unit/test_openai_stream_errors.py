"""Mid-stream errors on OpenAI-compatible streams, wherever the ``error`` key sits in the chunk."""

from __future__ import annotations

import json

import httpx
import pytest

from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.local.sandbox import create_sandbox_app
from spidergate.providers.base import ProviderDef, StreamPiece, Target, UpstreamError
from spidergate.providers.openai_compat import OpenAICompatAdapter

OPENROUTER = ProviderDef(
    name="openrouter", display_name="OpenRouter", wire="openai", base_url="http://sandbox.test/v1"
)
KEY = ProviderKey(
    brand_id="b", key_id="pk_or", provider="openrouter", label="or", masked="sk…", secret_name="s"
)
TARGET = Target(
    model=ModelInfo(id="openrouter/openai/gpt-4o", provider="openrouter", model="openai/gpt-4o", mode="chat"),
    provider=OPENROUTER,
    key=KEY,
    api_key="sk-or-test",
)
REQUEST = {"model": "openrouter/openai/gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}
# openrouter.ai/docs/api/errors: after the 200, an error is a chunk with a top-level ``error`` (past
# the first 40 bytes) and ``finish_reason: "error"``.
OPENROUTER_STREAM_ERROR = {
    "id": "cmpl-abc123",
    "object": "chat.completion.chunk",
    "created": 1234567890,
    "model": "gpt-3.5-turbo",
    "provider": "openai",
    "error": {"code": "server_error", "message": "Provider disconnected unexpectedly"},
    "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
}


async def test_openrouter_error_chunk_from_the_sandbox_raises_a_stream_error() -> None:
    app = create_sandbox_app()
    got: list[StreamPiece] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        doc = {"fault": {"kind": "error_event_after_first_token", "body": OPENROUTER_STREAM_ERROR}}
        added = await http.post("http://sandbox.test/_control/faults", json=doc)
        assert added.status_code == 201
        with pytest.raises(UpstreamError) as caught:
            async for piece in OpenAICompatAdapter(http).chat_stream(TARGET, REQUEST):
                got.append(piece)
    assert caught.value.kind == "stream"
    assert caught.value.code == "server_error"
    assert "Provider disconnected unexpectedly" in caught.value.message
    assert b'finish_reason":"error' not in b"".join(p.data for p in got)  # never passed as content
    assert json.loads(got[-1].data)["choices"][0]["delta"]["content"] == "Sandbox"


def _stream(*payloads: bytes) -> httpx.AsyncClient:
    body = b"".join(b"data: " + p + b"\n\n" for p in payloads) + b"data: [DONE]\n\n"
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200, content=body)))


async def test_error_words_inside_content_are_content() -> None:
    """A model writing ``"error": {`` in its text is escaped JSON, not an error key."""
    text = 'Use {"error": {"code": 1}} and "object": "error"'
    chunk = json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}).encode()
    pieces = [p async for p in OpenAICompatAdapter(_stream(chunk)).chat_stream(TARGET, REQUEST)]
    assert [p.data for p in pieces] == [chunk]


async def test_older_vllm_error_object_mid_stream_raises() -> None:
    error = b'{"object":"error","message":"engine died","type":"InternalServerError","code":500}'
    with pytest.raises(UpstreamError) as caught:
        async for _ in OpenAICompatAdapter(_stream(error)).chat_stream(TARGET, REQUEST):
            pass
    # A numeric code is an HTTP status, not an error code: the parser keeps only the type.
    assert (caught.value.kind, caught.value.code, caught.value.error_type) == (
        "stream",
        None,
        "InternalServerError",
    )
