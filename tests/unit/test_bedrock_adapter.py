"""Bedrock adapter: Converse via botocore's Stubber, ConverseStream via real event-stream frames."""

from __future__ import annotations

import asyncio
import functools
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.base import Completion, ProviderDef, StreamPiece, Target, UpstreamError
from spidergate.providers.bedrock import BedrockAdapter, bedrock_error

BEDROCK = ProviderDef(name="bedrock", display_name="Amazon Bedrock", wire="bedrock", auth="aws")
MODEL_ID = "anthropic.claude-x-v1:0"
REQUEST = {"model": "claude", "messages": [{"role": "user", "content": "Weather?"}]}
CONVERSE_PARAMS = {"modelId": MODEL_ID, "messages": [{"role": "user", "content": [{"text": "Weather?"}]}]}


def target() -> Target:
    info = ModelInfo(id="bedrock/claude-x", provider="bedrock", model=MODEL_ID, mode="chat")
    key = ProviderKey(
        brand_id="b", key_id="pk_b", provider="bedrock", label="b", masked="ia…", secret_name="s"
    )
    return Target(model=info, provider=BEDROCK, key=key, api_key="iam")


@functools.cache
def session() -> Any:
    return boto3.session.Session()  # shared: loading the service model once keeps the tests fast


def make_client() -> Any:
    return session().client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
    )


def adapter(client: Any) -> BedrockAdapter:
    return BedrockAdapter(httpx.AsyncClient(), client_factory=lambda _target: client)


def chat(client: Any, request: dict[str, Any] = REQUEST) -> Completion:
    return asyncio.run(adapter(client).chat(target(), request))


# --- Converse (buffered) -------------------------------------------------------------------------


def converse_response(content: list[dict[str, Any]], stop_reason: str, **usage: int) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop_reason,
        "usage": {"inputTokens": 10, "outputTokens": 7, "totalTokens": 17, **usage},
        "metrics": {"latencyMs": 120},
    }


def test_converse_text_tool_use_reasoning_and_cache_usage() -> None:
    client = make_client()
    content: list[dict[str, Any]] = [
        {"reasoningContent": {"reasoningText": {"text": "Need the tool.", "signature": "s"}}},
        {"text": "Checking."},
        {"toolUse": {"toolUseId": "tu_1", "name": "get_weather", "input": {"city": "Paris"}}},
    ]
    response = converse_response(content, "tool_use", cacheReadInputTokens=200, cacheWriteInputTokens=20)
    with Stubber(client) as stub:
        stub.add_response("converse", response, CONVERSE_PARAMS)
        completion = chat(client)
    parsed = ChatCompletion.model_validate(completion.body)
    message = parsed.choices[0].message
    assert parsed.choices[0].finish_reason == "tool_calls"
    assert message.content == "Checking."
    assert message.tool_calls is not None
    call = message.tool_calls[0]
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (  # type: ignore[union-attr]
        "tu_1",
        "get_weather",
        {"city": "Paris"},
    )
    assert completion.body["choices"][0]["message"]["reasoning_content"] == "Need the tool."
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens, usage.cache_write_tokens) == (
        230,
        7,
        200,
        20,
    )
    assert parsed.model == MODEL_ID


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("guardrail_intervened", "content_filter"),
        ("content_filtered", "content_filter"),
        ("malformed_model_output", "stop"),
    ],
)
def test_converse_stop_reasons(stop_reason: str, finish_reason: str) -> None:
    client = make_client()
    with Stubber(client) as stub:
        stub.add_response("converse", converse_response([{"text": "x"}], stop_reason))
        completion = chat(client)
    assert completion.body["choices"][0]["finish_reason"] == finish_reason


@pytest.mark.parametrize(
    ("code", "http_status", "message", "status", "upstream_code"),
    [
        ("ThrottlingException", 429, "Too many requests", 429, "ThrottlingException"),
        ("AccessDeniedException", 403, "not authorized", 403, "AccessDeniedException"),
        (
            "ValidationException",
            400,
            "Input is too long for requested model.",
            400,
            "context_length_exceeded",
        ),
        ("ValidationException", 400, "messages: roles must alternate", 400, "ValidationException"),
        ("ModelNotReadyException", 429, "not ready", 429, "ModelNotReadyException"),
        ("ModelTimeoutException", 408, "slow", 408, "ModelTimeoutException"),
        ("ModelErrorException", 424, "model error", 424, "ModelErrorException"),
        ("ServiceUnavailableException", 503, "unavailable", 503, "ServiceUnavailableException"),
        ("ResourceNotFoundException", 404, "no such model", 404, "ResourceNotFoundException"),
        ("UnrecognizedClientException", 403, "bad token", 401, "UnrecognizedClientException"),
    ],
)
def test_converse_client_errors_map_to_statuses(
    code: str, http_status: int, message: str, status: int, upstream_code: str
) -> None:
    client = make_client()
    with Stubber(client) as stub:
        stub.add_client_error(
            "converse", service_error_code=code, service_message=message, http_status_code=http_status
        )
        with pytest.raises(UpstreamError) as info:
            chat(client)
    error = info.value
    assert (error.status, error.kind, error.code, error.error_type) == (status, "http", upstream_code, code)
    assert message in error.message


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), "timeout"),
        (ConnectTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), "timeout"),
        (
            EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
            "connection",
        ),
    ],
)
def test_low_level_botocore_errors_are_mapped(exc: Exception, kind: str) -> None:
    class Failing:
        def converse(self, **params: Any) -> Any:
            raise exc

    with pytest.raises(UpstreamError) as info:
        chat(Failing())
    assert (info.value.kind, info.value.status) == (kind, None)
    assert info.value.__cause__ is exc
    assert bedrock_error(exc, streaming=True).kind == ("timeout" if kind == "timeout" else "stream")


def test_request_errors_fail_before_the_client_is_used() -> None:
    class Untouchable:
        def converse(self, **params: Any) -> Any:
            raise AssertionError("no call expected")

    with pytest.raises(UpstreamError) as info:
        chat(Untouchable(), {**REQUEST, "n": 2})
    assert info.value.code == "unsupported_parameter"


# --- ConverseStream: real application/vnd.amazon.eventstream frames --------------------------------


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
