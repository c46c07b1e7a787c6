"""Messages requests to Claude on Bedrock: InvokeModel in Anthropic's shape, events as received."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from spidergate.anthropic_api import bedrock_passthrough
from spidergate.anthropic_api.passthrough import read_head
from spidergate.providers.base import UpstreamError
from tests.unit.bedrock_stubs import target

BODY: dict[str, Any] = {
    "model": "anthropic/claude-x",
    "max_tokens": 100,
    "stream": True,
    "messages": [{"role": "user", "content": "Hi"}],
    "thinking": {"type": "enabled", "budget_tokens": 1024},
}
HEADERS = {"anthropic-beta": "interleaved-thinking-2025-05-14, fake-beta", "x-api-key": "gateway-token"}
SIGNATURE = (
    '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"Eq\\u00e9/+=="}}'
)
EVENTS = [
    '{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12,"output_tokens":1}}}',
    '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}}',
    SIGNATURE,
    '{"type":"content_block_stop","index":0}',
    '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}',
    '{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":12}}',
]


class Stream:
    def __init__(self, items: list[Any], fail_at: int | None = None) -> None:
        self.items, self.fail_at, self.closed = items, fail_at, False

    def __iter__(self) -> Iterator[Any]:
        for index, item in enumerate(self.items):
            if index == self.fail_at:
                raise ClientError(
                    {"Error": {"Code": "throttlingException", "Message": "slow"}},
                    "InvokeModelWithResponseStream",
                )
            yield item

    def close(self) -> None:
        self.closed = True


class Client:
    def __init__(self, stream: Stream | None = None, message: dict[str, Any] | None = None) -> None:
        self.stream, self.message = stream, message
        self.calls: list[dict[str, Any]] = []

    def invoke_model(self, **params: Any) -> Any:
        self.calls.append(params)
        if self.message is None:
            raise ClientError(
                {
                    "Error": {"Code": "ValidationException", "Message": "bad"},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                "InvokeModel",
            )
        return {"body": io.BytesIO(json.dumps(self.message).encode())}

    def invoke_model_with_response_stream(self, **params: Any) -> Any:
        self.calls.append(params)
        return {"body": self.stream}


def test_the_body_is_anthropics_with_bedrocks_version_and_betas() -> None:
    body = json.loads(bedrock_passthrough.invoke_body(BODY, HEADERS))
    assert "model" not in body and "stream" not in body
    assert body["anthropic_version"] == "bedrock-2023-05-31"
    assert body["anthropic_beta"] == ["interleaved-thinking-2025-05-14", "fake-beta"]
    assert body["thinking"] == BODY["thinking"]


def test_only_claude_on_bedrock_passes_through() -> None:
    assert bedrock_passthrough.is_bedrock_claude(target())


def test_buffered_answer_and_its_usage() -> None:
    message = {
        "type": "message",
        "content": [],
        "usage": {"input_tokens": 5, "output_tokens": 3, "cache_read_input_tokens": 2},
    }
    client = Client(message=message)
    passed = asyncio.run(bedrock_passthrough.send(lambda _t: client, target(), BODY, HEADERS))
    assert json.loads(passed.raw) == message
    assert (passed.usage.prompt_tokens, passed.usage.completion_tokens, passed.usage.cached_tokens) == (
        7,
        3,
        2,
    )
    assert client.calls[0]["modelId"] == target().model.model


def test_a_refusal_is_an_upstream_400() -> None:
    with pytest.raises(UpstreamError) as caught:
        asyncio.run(bedrock_passthrough.send(lambda _t: Client(), target(), BODY, HEADERS))
    assert caught.value.status == 400


def test_stream_events_keep_their_json_byte_for_byte() -> None:
    stream = Stream([{"chunk": {"bytes": e.encode()}} for e in EVENTS])

    async def run() -> list[Any]:
        head, rest = await read_head(
            bedrock_passthrough.events(lambda _t: Client(stream), target(), BODY, HEADERS)
        )
        return head + [e async for e in rest]

    got = asyncio.run(run())
    assert [e.data for e in got] == EVENTS
    assert [e.event for e in got][:2] == ["message_start", "content_block_start"]
    assert stream.closed


def test_a_throttle_before_content_raises_for_the_router() -> None:
    stream = Stream([{"chunk": {"bytes": e.encode()}} for e in EVENTS], fail_at=1)

    async def run() -> None:
        await read_head(bedrock_passthrough.events(lambda _t: Client(stream), target(), BODY, HEADERS))

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(run())
    assert caught.value.status == 429 and stream.closed
