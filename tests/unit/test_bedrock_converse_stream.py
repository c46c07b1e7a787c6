"""Bedrock adapter, ConverseStream via real event-stream frames: chunks, errors, closing, the loop."""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from openai.types.chat import ChatCompletionChunk

from spidergate.providers.base import StreamPiece, UpstreamError
from tests.unit.bedrock_stubs import MODEL_ID, REQUEST, adapter, make_client, target


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude (lengths + CRC32), string headers, payload, message CRC32."""
    encoded = b"".join(
        bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
        for name, value in headers.items()
    )
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def event(event_type: str, payload: dict[str, Any]) -> bytes:
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return frame(headers, json.dumps(payload).encode())


def exception(exception_type: str, message: str) -> bytes:
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return frame(headers, json.dumps({"message": message}).encode())


class RawStream:
    """Stands in for urllib3's response: yields the frames in odd-sized pieces, records ``close``."""

    def __init__(self, data: bytes, delay: float = 0.0, size: int = 23) -> None:
        self.data = data
        self.delay = delay
        self.size = size
        self.closed = False

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Iterator[bytes]:
        for i in range(0, len(self.data), self.size):
            if self.closed:
                return
            if self.delay:
                time.sleep(self.delay)  # a slow upstream, read in a worker thread
            yield self.data[i : i + self.size]

    def close(self) -> None:
        self.closed = True


def streaming_client(raw: RawStream) -> Any:
    client = make_client()

    def respond(request: Any, **kwargs: Any) -> AWSResponse:
        assert request.url.endswith(f"/model/{MODEL_ID.replace(':', '%3A')}/converse-stream")
        headers = {"content-type": "application/vnd.amazon.eventstream"}
        return AWSResponse(request.url, 200, headers, raw)

    client.meta.events.register("before-send.bedrock-runtime.ConverseStream", respond)
    return client


STREAM_EVENTS = [
    event("messageStart", {"role": "assistant"}),
    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Think."}}}),
    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "sig"}}}),
    event("contentBlockStop", {"contentBlockIndex": 0}),
    event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "Checking "}}),
    event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "now."}}),
    event("contentBlockStop", {"contentBlockIndex": 1}),
    event(
        "contentBlockStart",
        {"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "tu_1", "name": "w"}}},
    ),
    event("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '{"city":'}}}),
    event("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '"Rome"}'}}}),
    event("contentBlockStop", {"contentBlockIndex": 2}),
    event(
        "contentBlockStart",
        {"contentBlockIndex": 3, "start": {"toolUse": {"toolUseId": "tu_2", "name": "t"}}},
    ),
    event("contentBlockDelta", {"contentBlockIndex": 3, "delta": {"toolUse": {"input": "{}"}}}),
    event("contentBlockStop", {"contentBlockIndex": 3}),
    event("messageStop", {"stopReason": "tool_use"}),
    event(
        "metadata",
        {
            "usage": {"inputTokens": 5, "outputTokens": 9, "totalTokens": 14, "cacheReadInputTokens": 50},
            "metrics": {"latencyMs": 300},
        },
    ),
]


async def collect(client: Any, limit: int | None = None) -> list[StreamPiece]:
    pieces: list[StreamPiece] = []
    stream = adapter(client).chat_stream(target(), REQUEST)
    try:
        async for piece in stream:
            pieces.append(piece)
            if limit is not None and len(pieces) >= limit:
                break
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    return pieces


def test_converse_stream_maps_events_to_chunks() -> None:
    raw = RawStream(b"".join(STREAM_EVENTS))
    pieces = asyncio.run(collect(streaming_client(raw)))
    parsed = [ChatCompletionChunk.model_validate(json.loads(p.data)) for p in pieces]
    assert len({c.id for c in parsed}) == 1
    assert parsed[0].model == MODEL_ID
    deltas = [json.loads(p.data)["choices"][0]["delta"] for p in pieces[:-1]]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert deltas[1] == {"reasoning_content": "Think."}
    assert "".join(d.get("content") or "" for d in deltas[1:]) == "Checking now."
    tool_deltas = [d["tool_calls"][0] for d in deltas if "tool_calls" in d]
    assert tool_deltas[0] == {
        "index": 0,
        "id": "tu_1",
        "type": "function",
        "function": {"name": "w", "arguments": ""},
    }
    assert "".join(t["function"]["arguments"] for t in tool_deltas if t["index"] == 0) == '{"city":"Rome"}'
    assert next(t.get("id") for t in tool_deltas if t["index"] == 1) == "tu_2"
    assert parsed[-2].choices[0].finish_reason == "tool_calls"
    last = pieces[-1]
    assert last.usage_only
    assert parsed[-1].choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.cached_tokens) == (55, 9, 50)
    assert raw.closed


def test_exception_frame_mid_stream_raises_a_stream_error() -> None:
    frames = [*STREAM_EVENTS[:2], exception("throttlingException", "Too many tokens, please wait.")]
    raw = RawStream(b"".join(frames))
    received: list[StreamPiece] = []

    async def go() -> None:
        async for piece in adapter(streaming_client(raw)).chat_stream(target(), REQUEST):
            received.append(piece)

    with pytest.raises(UpstreamError) as info:
        asyncio.run(go())
    assert (info.value.kind, info.value.status, info.value.code) == ("stream", 429, "ThrottlingException")
    assert len(received) == 2  # the role chunk and the reasoning delta came before the error
    assert raw.closed


def test_model_stream_error_frame_is_a_server_error() -> None:
    raw = RawStream(STREAM_EVENTS[0] + exception("modelStreamErrorException", "model broke"))
    with pytest.raises(UpstreamError) as info:
        asyncio.run(collect(streaming_client(raw)))
    assert (info.value.kind, info.value.status) == ("stream", 500)


def test_stream_without_message_stop_is_a_stream_error() -> None:
    raw = RawStream(b"".join(STREAM_EVENTS[:6]))
    with pytest.raises(UpstreamError) as info:
        asyncio.run(collect(streaming_client(raw)))
    assert info.value.kind == "stream"


def test_consumer_leaving_early_closes_the_event_stream() -> None:
    raw = RawStream(b"".join(STREAM_EVENTS))
    pieces = asyncio.run(collect(streaming_client(raw), limit=2))
    assert len(pieces) == 2
    assert raw.closed


def test_slow_stream_does_not_block_the_event_loop() -> None:
    raw = RawStream(b"".join(STREAM_EVENTS[:1] + STREAM_EVENTS[14:]), delay=0.03, size=80)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def go() -> list[StreamPiece]:
        task = asyncio.create_task(ticker())
        try:
            return await collect(streaming_client(raw))
        finally:
            task.cancel()

    started = time.monotonic()
    pieces = asyncio.run(go())
    elapsed = time.monotonic() - started
    assert pieces[-1].usage_only
    # The reads sleep in a worker thread; the loop kept ticking for most of that time.
    assert elapsed > 0.1
    assert ticks >= 5


def test_consumer_leaving_while_the_stream_opens_still_closes_it() -> None:
    release, closed = threading.Event(), threading.Event()

    class OpenedStream:
        def __iter__(self) -> Iterator[dict[str, Any]]:
            return iter([])

        def close(self) -> None:
            closed.set()

    class SlowClient:
        def converse_stream(self, **params: Any) -> Any:
            release.wait(5)
            return {"stream": OpenedStream()}

    async def go() -> None:
        stream = adapter(SlowClient()).chat_stream(target(), REQUEST)
        pending = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        release.set()
        await asyncio.to_thread(closed.wait, 5)  # keeps the loop running for the done callback

    asyncio.run(go())
    assert closed.is_set()
