"""Anthropic adapter, streamed: a real SSE body through httpx.MockTransport -> OpenAI chunks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from openai.types.chat import ChatCompletionChunk

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.anthropic import AnthropicAdapter
from spidergate.providers.base import StreamPiece, Target, UpstreamError

ANTHROPIC = get_catalog().providers["anthropic"]  # the real parameter rules
REQUEST = {"model": "smart", "messages": [{"role": "user", "content": "Weather?"}], "stream": True}


def target() -> Target:
    info = ModelInfo(id="anthropic/claude-x", provider="anthropic", model="claude-x", mode="chat")
    key = ProviderKey(
        brand_id="b", key_id="pk_a", provider="anthropic", label="a", masked="sk…", secret_name="s"
    )
    return Target(model=info, provider=ANTHROPIC, key=key, api_key="sk-ant-secret")


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


MESSAGE_START = sse(
    "message_start",
    {
        "type": "message_start",
        "message": {
            "id": "msg_stream",
            "type": "message",
            "role": "assistant",
            "model": "claude-x-20260101",
            "content": [],
            "stop_reason": None,
            "usage": {
                "input_tokens": 12,
                "cache_read_input_tokens": 30,
                "cache_creation_input_tokens": 4,
                "output_tokens": 1,
            },
        },
    },
)
TEXT_BLOCK = (
    sse(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    )
    + ": a comment line\n\n"
    + sse("ping", {"type": "ping"})
    + sse(
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Let me "}},
    )
    + sse(
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "check."}},
    )
    + sse("content_block_stop", {"type": "content_block_stop", "index": 0})
)


def tool_block(index: int, tool_id: str, name: str, fragments: list[str]) -> str:
    start = {"type": "tool_use", "id": tool_id, "name": name, "input": {}}
    out = sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
    for fragment in fragments:
        delta = {"type": "input_json_delta", "partial_json": fragment}
        out += sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
    return out + sse("content_block_stop", {"type": "content_block_stop", "index": index})


FULL_STREAM = (
    MESSAGE_START
    + TEXT_BLOCK
    + tool_block(1, "toolu_a", "get_weather", ['{"ci', 'ty": "Par', 'is"}'])
    + tool_block(2, "toolu_b", "get_time", ["", "{}"])
    + sse(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 42},
        },
    )
    + sse("message_stop", {"type": "message_stop"})
)


class ChunkedBody(httpx.AsyncByteStream):
    """A response body delivered in small pieces, recording whether it was closed."""

    def __init__(self, text: str, size: int = 37) -> None:
        self.data = text.encode()
        self.size = size
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.data), self.size):
            yield self.data[i : i + self.size]

    async def aclose(self) -> None:
        self.closed = True


async def collect(body: ChunkedBody, status: int = 200, limit: int | None = None) -> list[StreamPiece]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, stream=body, headers={"content-type": "text/event-stream"})

    pieces: list[StreamPiece] = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        stream = AnthropicAdapter(http).chat_stream(target(), REQUEST)
        try:
            async for piece in stream:
                pieces.append(piece)
                if limit is not None and len(pieces) >= limit:
                    break
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
    assert json.loads(seen[0].content)["stream"] is True
    return pieces


def chunks(pieces: list[StreamPiece]) -> list[ChatCompletionChunk]:
    return [ChatCompletionChunk.model_validate(json.loads(p.data)) for p in pieces]


def test_full_stream_maps_to_openai_chunks() -> None:
    body = ChunkedBody(FULL_STREAM)
    pieces = asyncio.run(collect(body))
    parsed = chunks(pieces)
    assert {c.id for c in parsed} == {"msg_stream"}
    assert {c.model for c in parsed} == {"claude-x-20260101"}
    assert len({c.created for c in parsed}) == 1
    first = parsed[0].choices[0]
    assert first.delta.role == "assistant"
    assert first.delta.content == ""
    text = "".join(c.choices[0].delta.content or "" for c in parsed[1:] if c.choices)
    assert text == "Let me check."
    calls: dict[int, dict[str, str]] = {}
    for c in parsed:
        for call in (c.choices[0].delta.tool_calls or []) if c.choices else []:
            entry = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
            if call.id:
                entry["id"] = call.id
            if call.function and call.function.name:
                entry["name"] = call.function.name
            if call.function and call.function.arguments:
                entry["arguments"] += call.function.arguments
    assert calls == {
        0: {"id": "toolu_a", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        1: {"id": "toolu_b", "name": "get_time", "arguments": "{}"},
    }
    finishes = [c.choices[0].finish_reason for c in parsed if c.choices and c.choices[0].finish_reason]
    assert finishes == ["tool_calls"]
    # The last piece is the usage chunk, and it is the only one carrying usage.
    last = pieces[-1]
    assert last.usage_only
    assert parsed[-1].choices == []
    assert [p for p in pieces[:-1] if p.usage is not None or p.usage_only] == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (46, 42)
    assert (last.usage.cached_tokens, last.usage.cache_write_tokens) == (30, 4)
    assert parsed[-1].usage is not None
    assert parsed[-1].usage.total_tokens == 88
    assert parsed[-2].choices[0].finish_reason == "tool_calls"
    assert body.closed


def test_error_event_mid_stream_raises_a_stream_error_after_the_first_chunks() -> None:
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    body = ChunkedBody(MESSAGE_START + TEXT_BLOCK + sse("error", error))
    received: list[StreamPiece] = []

    async def go() -> None:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(lambda _: httpx.Response(200, stream=body))
        ) as http:
            async for piece in AnthropicAdapter(http).chat_stream(target(), REQUEST):
                received.append(piece)

    with pytest.raises(UpstreamError) as info:
        asyncio.run(go())
    assert (info.value.kind, info.value.status, info.value.code) == ("stream", 529, "overloaded_error")
    assert [c.choices[0].delta.content for c in chunks(received)] == ["", "Let me ", "check."]
    assert body.closed


def test_stream_cut_before_the_message_finishes_is_a_stream_error() -> None:
    body = ChunkedBody(MESSAGE_START + TEXT_BLOCK)
    with pytest.raises(UpstreamError) as info:
        asyncio.run(collect(body))
    assert info.value.kind == "stream"
    assert body.closed


def test_http_error_before_the_stream_is_raised_with_its_status() -> None:
    payload = json.dumps({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
    body = ChunkedBody(payload)
    with pytest.raises(UpstreamError) as info:
        asyncio.run(collect(body, status=429))
    assert (info.value.kind, info.value.status, info.value.code) == ("http", 429, "rate_limit_error")
    assert body.closed


def test_consumer_leaving_early_closes_the_upstream_response() -> None:
    body = ChunkedBody(FULL_STREAM)
    pieces = asyncio.run(collect(body, limit=2))
    assert len(pieces) == 2
    assert body.closed


def test_thinking_deltas_become_reasoning_content() -> None:
    thinking = (
        sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": ""},
            },
        )
        + sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "thinking_delta", "thinking": "Hmm."},
            },
        )
        + sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "signature_delta", "signature": "x"},
            },
        )
        + sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    )
    end = sse(
        "message_delta",
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
    )
    pieces = asyncio.run(
        collect(ChunkedBody(MESSAGE_START + thinking + end + sse("message_stop", {"type": "message_stop"})))
    )
    deltas = [json.loads(p.data)["choices"] for p in pieces]
    assert deltas[1] == [
        {"index": 0, "delta": {"reasoning_content": "Hmm."}, "finish_reason": None, "logprobs": None}
    ]
    # The finished block, signed, for replay (providers.thinking).
    assert deltas[2][0]["delta"] == {
        "thinking_blocks": [{"type": "thinking", "thinking": "Hmm.", "signature": "x"}]
    }
    assert deltas[3][0]["finish_reason"] == "stop"
    assert deltas[4] == []
