"""Thinking carried both ways through the OpenAI shape (issue 16 item 11), against the sandbox.

The sandbox signs its thinking blocks and refuses, as the Messages API does, a tool loop whose
assistant turn lost them ("Expected `thinking` or `redacted_thinking`, but found `tool_use`").
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from spidergate.catalog import get_catalog
from spidergate.domain import ProviderKey
from spidergate.local.sandbox import create_sandbox_app
from spidergate.providers.anthropic import AnthropicAdapter
from spidergate.providers.anthropic_request import build_messages_request
from spidergate.providers.anthropic_response import to_completion
from spidergate.providers.base import Target, UpstreamError
from spidergate.providers.bedrock_request import build_converse_request
from spidergate.providers.bedrock_response import to_completion as bedrock_completion
from spidergate.providers.bedrock_stream import BedrockStreamTranslator

SANDBOX = "http://sandbox.test"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
THINKING = {"type": "enabled", "budget_tokens": 1024}
QUESTION = {"role": "user", "content": "Weather in Paris?"}


def target(model_id: str) -> Target:
    catalog = get_catalog()
    model = catalog.get(model_id)
    assert model is not None
    key = ProviderKey(
        brand_id="b",
        key_id="pk_1",
        provider=model.provider,
        label="k",
        masked="sk…",
        secret_name="s",
        base_url=SANDBOX,
    )
    return Target(model=model, provider=catalog.providers[model.provider], key=key, api_key="sk-ant")


TARGET = target("anthropic/claude-sonnet-4-5")


async def chat(request: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sandbox_app())) as http:
        return (await AnthropicAdapter(http).chat(TARGET, request)).body


async def stream(request: dict[str, Any]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sandbox_app())) as http:
        return [json.loads(p.data) async for p in AnthropicAdapter(http).chat_stream(TARGET, request)]


def tool_result(message: dict[str, Any]) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": message["tool_calls"][0]["id"], "content": "18C, clear"}


async def test_a_tool_loop_with_thinking_round_trips_its_signed_blocks() -> None:
    first = (await chat({"messages": [QUESTION], "tools": TOOLS, "thinking": THINKING}))["choices"][0][
        "message"
    ]
    blocks = first["thinking_blocks"]
    assert blocks[0]["type"] == "thinking" and blocks[0]["signature"].startswith("sig_")
    assert first["reasoning_content"] == blocks[0]["thinking"]
    assert first["tool_calls"][0]["function"]["name"] == "get_weather"

    # The client replays the assistant message as it got it: the loop goes on.
    second = await chat(
        {"messages": [QUESTION, first, tool_result(first)], "tools": TOOLS, "thinking": THINKING}
    )
    assert second["choices"][0]["finish_reason"] in ("stop", "tool_calls")

    # Without the blocks, the real API's refusal.
    stripped = {k: v for k, v in first.items() if k != "thinking_blocks"}
    with pytest.raises(UpstreamError) as refused:
        await chat(
            {"messages": [QUESTION, stripped, tool_result(first)], "tools": TOOLS, "thinking": THINKING}
        )
    assert refused.value.status == 400
    assert "Expected `thinking` or `redacted_thinking`, but found `text`" in refused.value.message


async def test_streamed_blocks_are_whole_and_replayable() -> None:
    chunks = await stream({"messages": [QUESTION], "tools": TOOLS, "thinking": THINKING, "stream": True})
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas)
    blocks = [b for d in deltas for b in d.get("thinking_blocks") or []]
    assert (
        len(blocks) == 1 and blocks[0]["thinking"] == reasoning and blocks[0]["signature"].startswith("sig_")
    )
    calls = [c for d in deltas for c in d.get("tool_calls") or []]
    arguments = "".join(c["function"].get("arguments") or "" for c in calls)
    assistant = {
        "role": "assistant",
        "content": None,
        "thinking_blocks": blocks,
        "tool_calls": [
            {
                "id": calls[0]["id"],
                "type": "function",
                "function": {"name": "get_weather", "arguments": arguments},
            }
        ],
    }
    replay = await chat(
        {"messages": [QUESTION, assistant, tool_result(assistant)], "tools": TOOLS, "thinking": THINKING}
    )
    assert replay["choices"][0]["message"]["thinking_blocks"]


def test_redacted_thinking_comes_back_and_goes_out_first() -> None:
    message = {
        "id": "msg_1",
        "model": "claude-sonnet-4-5",
        "content": [
            {
                "type": "redacted_thinking",
                "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP",
            },
            {"type": "thinking", "thinking": "Check the tool.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 10, "output_tokens": 40, "output_tokens_details": {"thinking_tokens": 25}},
    }
    completion = to_completion(message, "claude-sonnet-4-5")
    answer = completion.body["choices"][0]["message"]
    assert [b["type"] for b in answer["thinking_blocks"]] == ["redacted_thinking", "thinking"]
    assert completion.usage.reasoning_tokens == 25  # item 15: thinking tokens as reasoning_tokens
    assert completion.body["usage"]["completion_tokens_details"] == {"reasoning_tokens": 25}
    body = build_messages_request(TARGET, {"messages": [QUESTION, answer, tool_result(answer)]}, stream=False)
    sent = body["messages"][1]["content"]
    assert [b["type"] for b in sent] == ["redacted_thinking", "thinking", "tool_use"]
    assert sent[0]["data"] == message["content"][0]["data"]
    assert sent[1]["signature"] == "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"


def test_bedrock_reasoning_content_round_trips_with_signature_and_redacted_bytes() -> None:
    secret = b"\x00\x01opaque"
    response = {
        "output": {
            "message": {
                "role": "assistant",
                "content": [
                    {"reasoningContent": {"reasoningText": {"text": "Use the tool.", "signature": "sigB"}}},
                    {"reasoningContent": {"redactedContent": secret}},
                    {"toolUse": {"toolUseId": "tu_1", "name": "get_weather", "input": {"city": "Paris"}}},
                ],
            }
        },
        "stopReason": "tool_use",
        "usage": {"inputTokens": 5, "outputTokens": 9, "totalTokens": 14},
    }
    answer = bedrock_completion(response, "anthropic.claude-sonnet-4-5").body["choices"][0]["message"]
    assert answer["thinking_blocks"] == [
        {"type": "thinking", "thinking": "Use the tool.", "signature": "sigB"},
        {"type": "redacted_thinking", "data": base64.b64encode(secret).decode()},
    ]
    params = build_converse_request(
        target("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"),
        {"messages": [QUESTION, answer, tool_result(answer)], "tools": TOOLS},
    )
    content = params["messages"][1]["content"]
    assert content[0] == {
        "reasoningContent": {"reasoningText": {"text": "Use the tool.", "signature": "sigB"}}
    }
    assert content[1] == {"reasoningContent": {"redactedContent": secret}}
    assert "toolUse" in content[2]


def test_bedrock_stream_emits_the_signed_block_when_it_stops() -> None:
    translator = BedrockStreamTranslator("chatcmpl-x", "m")
    events = [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Hm"}}}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "sigS"}}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
    ]
    deltas = [json.loads(p.data)["choices"][0]["delta"] for e in events for p in translator.feed(e)]
    assert {"reasoning_content": "Hm"} in deltas
    assert {"thinking_blocks": [{"type": "thinking", "thinking": "Hm", "signature": "sigS"}]} in deltas
