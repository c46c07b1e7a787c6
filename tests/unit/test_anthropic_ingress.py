"""Messages API ⇄ chat translation, the event stream built from chat chunks, Anthropic errors."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from spidergate.anthropic_api.chat_events import ChatToEvents
from spidergate.anthropic_api.errors import error_body, status_of
from spidergate.anthropic_api.from_chat import anthropic_usage, to_message
from spidergate.anthropic_api.to_chat import for_wire, to_chat
from spidergate.errors import AllKeysRateLimited, InvalidRequest, NoCapacity, QuotaExceeded, UpstreamFailed
from spidergate.usage.counts import Usage

SIGNED = {"type": "thinking", "thinking": "Let me think.", "signature": "c2lnbmVk/+=="}


def test_parallel_tool_results_stay_in_one_turn_before_the_text() -> None:
    chat = to_chat(
        {
            "model": "fast",
            "max_tokens": 100,
            "system": [{"type": "text", "text": "Be brief", "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {"role": "user", "content": "Weather in Paris and Rome?"},
                {
                    "role": "assistant",
                    "content": [
                        SIGNED,
                        {"type": "text", "text": "Checking."},
                        {"type": "tool_use", "id": "t1", "name": "w", "input": {"city": "Paris"}},
                        {"type": "tool_use", "id": "t2", "name": "w", "input": {"city": "Rome"}},
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "t1", "content": "sunny"},
                        {
                            "type": "tool_result",
                            "tool_use_id": "t2",
                            "content": [{"type": "text", "text": "rain"}],
                        },
                        {"type": "text", "text": "Thanks"},
                    ],
                },
            ],
        }
    )
    roles = [m["role"] for m in chat["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool", "user"]
    assert chat["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assistant = chat["messages"][2]
    assert assistant["thinking_blocks"] == [SIGNED]
    assert [c["function"]["arguments"] for c in assistant["tool_calls"]] == [
        '{"city":"Paris"}',
        '{"city":"Rome"}',
    ]
    assert [m.get("tool_call_id") for m in chat["messages"][3:5]] == ["t1", "t2"]
    assert chat["messages"][4]["content"] == "rain"


def test_images_keep_url_sources_as_urls_and_base64_as_data_urls() -> None:
    chat = to_chat(
        {
            "model": "m",
            "max_tokens": 5,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/jpeg", "data": "QUJD"},
                        },
                    ],
                }
            ],
        }
    )
    urls = [p["image_url"]["url"] for p in chat["messages"][0]["content"]]
    assert urls == ["https://example.com/a.png", "data:image/jpeg;base64,QUJD"]


def test_tool_choice_stop_sequences_and_stream_usage() -> None:
    chat = to_chat(
        {
            "model": "m",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"name": "w", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
            "stop_sequences": ["END"],
            "stream": True,
        }
    )
    assert chat["tool_choice"] == "required" and chat["parallel_tool_calls"] is False
    assert chat["stop"] == ["END"]
    assert chat["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}]}, "max_tokens"),
        (
            {
                "model": "m",
                "max_tokens": 5,
                "messages": [{"role": "user", "content": [{"type": "document"}]}],
            },
            "messages.0.content.0",
        ),
        (
            {
                "model": "m",
                "max_tokens": 5,
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "web_search_20250305", "name": "web_search"}],
            },
            "tools.0",
        ),
    ],
)
def test_untranslatable_requests_are_a_400_naming_the_field(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        to_chat(body)
    assert caught.value.param == param


def test_lenient_translation_leaves_out_what_chat_cannot_carry() -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": [{"type": "document"}, {"type": "text", "text": "hi"}]}],
        "tools": [{"type": "web_search_20250305", "name": "web_search"}, {"name": "w", "input_schema": {}}],
    }
    chat = to_chat(body, strict=False)
    assert chat["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert [t["function"]["name"] for t in chat["tools"]] == ["w"]


def test_thinking_becomes_an_effort_only_for_non_claude_reasoners() -> None:
    chat = {"model": "m", "thinking": {"type": "enabled", "budget_tokens": 4000}, "top_k": 5}
    assert for_wire(chat, "anthropic", True) is chat
    assert for_wire(chat, "openai", True) == {"model": "m", "reasoning_effort": "medium"}
    assert for_wire(chat, "openai", False) == {"model": "m"}


def test_completion_as_message_keeps_signed_thinking_first_and_splits_cache_usage() -> None:
    body = {
        "choices": [
            {
                "finish_reason": "tool_calls",
                "message": {
                    "content": "Calling.",
                    "reasoning_content": "Let me think.",
                    "thinking_blocks": [SIGNED],
                    "tool_calls": [{"id": "c1", "function": {"name": "w", "arguments": '{"a":1}'}}],
                },
            }
        ]
    }
    usage = Usage(prompt_tokens=100, completion_tokens=10, cached_tokens=60, cache_write_tokens=30)
    message = to_message(body, "openai/x", usage, Decimal("0.0012"))
    assert [b["type"] for b in message["content"]] == ["thinking", "text", "tool_use"]
    assert message["content"][0] == SIGNED
    assert message["content"][2]["input"] == {"a": 1}
    assert message["stop_reason"] == "tool_use"
    assert message["usage"] == {
        "input_tokens": 10,
        "output_tokens": 10,
        "cache_creation_input_tokens": 30,
        "cache_read_input_tokens": 60,
        "cost": 0.0012,
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}).encode()


def test_chat_chunks_become_message_events_in_order() -> None:
    translator = ChatToEvents("openai/x", 42)
    out: list[bytes] = []
    for payload in (
        _chunk({"role": "assistant", "reasoning_content": "Hmm"}),
        _chunk({"thinking_blocks": [{"type": "thinking", "thinking": "Hmm", "signature": "sig=="}]}),
        _chunk({"content": "Hi"}),
        _chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "a", "arguments": ""}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}),
        _chunk({"tool_calls": [{"index": 1, "id": "c2", "function": {"name": "b", "arguments": "{}"}}]}),
        _chunk({}, "tool_calls"),
    ):
        out += translator.feed(payload)
    out += translator.close(anthropic_usage(Usage(prompt_tokens=50, completion_tokens=7)))
    events = [json.loads(e.split(b"data: ", 1)[1]) for e in out]
    kinds = [
        (e["type"], e.get("index"), (e.get("delta") or e.get("content_block") or {}).get("type"))
        for e in events
    ]
    assert kinds == [
        ("message_start", None, None),
        ("content_block_start", 0, "thinking"),
        ("content_block_delta", 0, "thinking_delta"),
        ("content_block_delta", 0, "signature_delta"),
        ("content_block_stop", 0, None),
        ("content_block_start", 1, "text"),
        ("content_block_delta", 1, "text_delta"),
        ("content_block_stop", 1, None),
        ("content_block_start", 2, "tool_use"),
        ("content_block_delta", 2, "input_json_delta"),
        ("content_block_stop", 2, None),
        ("content_block_start", 3, "tool_use"),
        ("content_block_delta", 3, "input_json_delta"),
        ("content_block_stop", 3, None),
        ("message_delta", None, None),
        ("message_stop", None, None),
    ]
    assert events[0]["message"]["usage"]["input_tokens"] == 42
    assert events[3]["delta"]["signature"] == "sig=="
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    assert events[-2]["usage"]["input_tokens"] == 50


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (InvalidRequest("bad"), 400, "invalid_request_error"),
        (AllKeysRateLimited("slow down", retry_after=3), 429, "rate_limit_error"),
        (QuotaExceeded("spent"), 429, "rate_limit_error"),
        (NoCapacity("none"), 529, "overloaded_error"),
        (UpstreamFailed("cut"), 529, "overloaded_error"),
    ],
)
def test_gateway_errors_in_anthropic_shape(error: Any, status: int, kind: str) -> None:
    assert status_of(error) == status
    assert error_body(error) == {"type": "error", "error": {"type": kind, "message": error.message}}
