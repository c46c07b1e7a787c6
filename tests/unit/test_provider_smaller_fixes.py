"""Issue 16 item 15: effort mapping, argument-less streamed tool calls, legacy functions translated."""

from __future__ import annotations

import json
from typing import Any

import httpx

from spidergate.catalog import get_catalog
from spidergate.domain import ProviderKey
from spidergate.local.sandbox import create_sandbox_app
from spidergate.providers.anthropic import AnthropicAdapter
from spidergate.providers.anthropic_request import build_messages_request
from spidergate.providers.anthropic_stream import AnthropicStreamTranslator, SseEvent
from spidergate.providers.base import Target
from spidergate.providers.bedrock_request import build_converse_request
from spidergate.providers.bedrock_stream import BedrockStreamTranslator
from spidergate.providers.params import plan_params

USER = {"role": "user", "content": "Plan a trip"}


def target(model_id: str) -> Target:
    catalog = get_catalog()
    model = catalog.get(model_id)
    assert model is not None
    key = ProviderKey(
        brand_id="b", key_id="pk", provider=model.provider, label="k", masked="m", secret_name="s"
    )
    return Target(model=model, provider=catalog.providers[model.provider], key=key, api_key="k")


# -- reasoning_effort ---------------------------------------------------------------------------
def test_effort_on_an_adaptive_model_is_output_config_effort_with_adaptive_thinking() -> None:
    body = build_messages_request(
        target("anthropic/claude-opus-4-7"), {"messages": [USER], "reasoning_effort": "xhigh"}, stream=False
    )
    assert body["output_config"] == {"effort": "high"}
    assert body["thinking"] == {"type": "adaptive"}


def test_effort_without_adaptive_thinking_gets_a_budget_below_max_tokens() -> None:
    body = build_messages_request(
        target("anthropic/claude-opus-4-5"),
        {"messages": [USER], "reasoning_effort": "medium", "max_tokens": 1500},
        stream=False,
    )
    assert body["output_config"] == {"effort": "medium"}
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] > 2048  # raised so the budget fits under it


def test_effort_on_a_reasoning_model_without_effort_is_a_thinking_budget_and_none_is_nothing() -> None:
    tgt = target("anthropic/claude-sonnet-4-5")
    body = build_messages_request(tgt, {"messages": [USER], "reasoning_effort": "low"}, stream=False)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert "output_config" not in body
    plain = build_messages_request(tgt, {"messages": [USER], "reasoning_effort": "none"}, stream=False)
    assert "thinking" not in plain


def test_a_forced_tool_keeps_the_effort_but_not_thinking() -> None:
    request = {"messages": [USER], "reasoning_effort": "high", "tool_choice": "required", "temperature": 0.3}
    request["tools"] = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    tgt = target("anthropic/claude-opus-4-5")
    body = build_messages_request(tgt, request, stream=False)
    assert body["output_config"] == {"effort": "high"}
    assert "thinking" not in body
    assert body["temperature"] == 0.3
    assert plan_params(tgt, request).dropped == ()


def test_thinking_drops_sampling_params_and_reports_them() -> None:
    tgt = target("anthropic/claude-sonnet-4-5")
    request = {"messages": [USER], "reasoning_effort": "high", "temperature": 0.3}
    assert plan_params(tgt, request).dropped == ("temperature",)
    assert "temperature" not in build_messages_request(tgt, request, stream=False)
    assert plan_params(tgt, {"messages": [USER], "temperature": 0.3}).dropped == ()


def test_bedrock_claude_gets_the_same_settings_in_additional_fields() -> None:
    params = build_converse_request(
        target("bedrock/anthropic.claude-opus-4-8"), {"messages": [USER], "reasoning_effort": "low"}
    )
    assert params["additionalModelRequestFields"] == {
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "low"},
    }
    native = build_converse_request(
        target("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"),
        {"messages": [USER], "thinking": {"type": "enabled", "budget_tokens": 2000}},
    )
    assert native["additionalModelRequestFields"] == {"thinking": {"type": "enabled", "budget_tokens": 2000}}


# -- tool calls without arguments stream "{}" ---------------------------------------------------
def _arguments(chunks: list[dict[str, Any]]) -> str:
    calls = [
        c for chunk in chunks for choice in chunk["choices"] for c in choice["delta"].get("tool_calls") or []
    ]
    return "".join(c["function"].get("arguments") or "" for c in calls)


def test_anthropic_stream_of_an_argumentless_tool_call_gives_an_empty_object() -> None:
    """Anthropic streams such a call as one empty input_json_delta."""
    translator = AnthropicStreamTranslator("m")
    events = [
        (
            "message_start",
            {"type": "message_start", "message": {"id": "msg", "model": "m", "usage": {"input_tokens": 3}}},
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": ""},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 5}},
        ),
    ]
    chunks = [
        json.loads(p.data) for name, data in events for p in translator.feed(SseEvent(name, json.dumps(data)))
    ]
    assert _arguments(chunks) == "{}"


def test_bedrock_stream_of_an_argumentless_tool_call_gives_an_empty_object() -> None:
    translator = BedrockStreamTranslator("chatcmpl-1", "m")
    events = [
        {"messageStart": {"role": "assistant"}},
        {
            "contentBlockStart": {
                "contentBlockIndex": 0,
                "start": {"toolUse": {"toolUseId": "tu", "name": "now"}},
            }
        },
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "tool_use"}},
    ]
    chunks = [json.loads(p.data) for e in events for p in translator.feed(e)]
    assert _arguments(chunks) == "{}"


def test_a_tool_call_with_arguments_gets_no_extra_object() -> None:
    translator = BedrockStreamTranslator("chatcmpl-1", "m")
    events = [
        {
            "contentBlockStart": {
                "contentBlockIndex": 0,
                "start": {"toolUse": {"toolUseId": "tu", "name": "f"}},
            }
        },
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"toolUse": {"input": '{"a":1}'}}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
    ]
    chunks = [json.loads(p.data) for e in events for p in translator.feed(e)]
    assert _arguments(chunks) == '{"a":1}'


# -- legacy functions ---------------------------------------------------------------------------
FUNCTIONS = [
    {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
]


def test_legacy_functions_become_tools_with_one_call_at_a_time() -> None:
    request = {"messages": [USER], "functions": FUNCTIONS, "function_call": {"name": "get_weather"}}
    body = build_messages_request(target("anthropic/claude-sonnet-4-5"), request, stream=False)
    assert [t["name"] for t in body["tools"]] == ["get_weather"]
    assert body["tool_choice"] == {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True}
    assert plan_params(target("anthropic/claude-sonnet-4-5"), request).dropped == ()
    params = build_converse_request(
        target("bedrock/anthropic.claude-opus-4-8"), {**request, "function_call": "auto"}
    )
    assert params["toolConfig"]["tools"][0]["toolSpec"]["name"] == "get_weather"
    assert params["toolConfig"]["toolChoice"] == {"auto": {}}
    assert plan_params(target("bedrock/anthropic.claude-opus-4-8"), request).dropped == ()


def test_legacy_function_history_pairs_the_call_with_its_result() -> None:
    request = {
        "messages": [
            USER,
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
            },
            {"role": "function", "name": "get_weather", "content": "18C"},
        ],
        "functions": FUNCTIONS,
    }
    body = build_messages_request(target("anthropic/claude-sonnet-4-5"), request, stream=False)
    use = body["messages"][1]["content"][0]
    result = body["messages"][2]["content"][0]
    assert (use["type"], use["name"], use["input"]) == ("tool_use", "get_weather", {"city": "Paris"})
    assert (result["type"], result["tool_use_id"], result["content"]) == ("tool_result", use["id"], "18C")


async def test_a_legacy_request_gets_a_legacy_answer_buffered_and_streamed() -> None:
    tgt = target("anthropic/claude-sonnet-4-5")
    tgt = Target(
        model=tgt.model,
        provider=tgt.provider,
        key=tgt.key.model_copy(update={"base_url": "http://sandbox.test"}),
        api_key="k",
    )
    request = {"messages": [USER], "functions": FUNCTIONS}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sandbox_app())) as http:
        adapter = AnthropicAdapter(http)
        body = (await adapter.chat(tgt, request)).body
        chunks = [json.loads(p.data) async for p in adapter.chat_stream(tgt, {**request, "stream": True})]
    choice = body["choices"][0]
    assert choice["finish_reason"] == "function_call"
    assert "tool_calls" not in choice["message"]
    assert choice["message"]["function_call"]["name"] == "get_weather"
    assert (
        json.loads(choice["message"]["function_call"]["arguments"]) == {"city": "sandbox"}
        or choice["message"]["function_call"]["arguments"]
    )
    deltas = [c["choices"][0] for c in chunks if c["choices"]]
    streamed = [d["delta"]["function_call"] for d in deltas if "function_call" in d["delta"]]
    assert streamed[0]["name"] == "get_weather"
    assert (
        "".join(f.get("arguments", "") for f in streamed) == choice["message"]["function_call"]["arguments"]
    )
    assert not any("tool_calls" in d["delta"] for d in deltas)
    assert deltas[-1]["finish_reason"] == "function_call"
