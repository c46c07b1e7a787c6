"""OpenAI chat request -> Anthropic Messages body (PROVIDERS.md section 2, request mapping)."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.anthropic_request import build_messages_request
from spidergate.providers.base import Target, UpstreamError
from spidergate.providers.chat_input import JSON_ONLY_INSTRUCTION

ANTHROPIC = get_catalog().providers["anthropic"]  # the real parameter rules
PNG_B64 = "iVBORw0KGgo="


def target(max_output: int | None = None) -> Target:
    info = ModelInfo(
        id="anthropic/claude-x", provider="anthropic", model="claude-x", mode="chat", max_output=max_output
    )
    key = ProviderKey(
        brand_id="b", key_id="pk_a", provider="anthropic", label="a", masked="sk…", secret_name="s"
    )
    return Target(model=info, provider=ANTHROPIC, key=key, api_key="sk-ant-secret")


def build(request: dict[str, Any], max_output: int | None = None, stream: bool = False) -> dict[str, Any]:
    return build_messages_request(target(max_output), request, stream=stream)


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


def test_system_and_developer_messages_become_system_blocks() -> None:
    body = build(
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "Use French."}]},
                user("Bonjour"),
            ]
        }
    )
    assert body["model"] == "claude-x"
    assert body["system"] == [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Use French."}]
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Bonjour"}]}]
    assert "stream" not in body
    assert build({"messages": [user()]}, stream=True)["stream"] is True


@pytest.mark.parametrize(
    ("request_fields", "max_output", "expected"),
    [
        ({}, None, 4096),
        ({}, 64000, 8192),
        ({}, 2000, 2000),
        ({"max_tokens": 300}, 64000, 300),
        ({"max_completion_tokens": 120, "max_tokens": 300}, None, 120),
        ({"max_tokens": 200_000}, 64000, 64000),  # clamped: above the model's maximum Anthropic 400s
        ({"max_completion_tokens": 200_000}, None, 200_000),  # unknown maximum: sent as asked
    ],
)
def test_max_tokens_is_always_sent_and_clamped_to_the_model_maximum(
    request_fields: dict[str, Any], max_output: int | None, expected: int
) -> None:
    assert build({"messages": [user()], **request_fields}, max_output)["max_tokens"] == expected


def test_stop_becomes_stop_sequences_without_whitespace_only_entries() -> None:
    assert build({"messages": [user()], "stop": ["END", " ", "\n"]})["stop_sequences"] == ["END"]
    assert build({"messages": [user()], "stop": "STOP"})["stop_sequences"] == ["STOP"]
    assert "stop_sequences" not in build({"messages": [user()], "stop": "\n"})


def test_only_one_sampling_parameter_is_sent_and_temperature_is_clamped() -> None:
    both = build({"messages": [user()], "temperature": 0.3, "top_p": 0.9})
    assert both["temperature"] == 0.3
    assert "top_p" not in both
    assert build({"messages": [user()], "temperature": 1.7})["temperature"] == 1.0
    only_top_p = build({"messages": [user()], "top_p": 0.5})
    assert only_top_p["top_p"] == 0.5
    assert "temperature" not in only_top_p


def test_parameters_without_an_anthropic_equivalent_are_dropped() -> None:
    body = build(
        {
            "messages": [user()],
            "n": 1,
            "logprobs": True,
            "top_logprobs": 3,
            "seed": 7,
            "presence_penalty": 0.5,
            "frequency_penalty": 0.5,
            "logit_bias": {"1": 3},
            "metadata": {"team": "x"},
            "user": "end-user-1",
        }
    )
    expected = {"model", "max_tokens", "messages", "metadata"}
    assert set(body) == expected
    assert body["metadata"] == {"user_id": "end-user-1"}


def test_n_above_one_is_refused_as_a_client_error() -> None:
    with pytest.raises(UpstreamError) as info:
        build({"messages": [user()], "n": 2})
    assert (info.value.status, info.value.kind, info.value.code) == (400, "http", "unsupported_parameter")


def test_tools_and_tool_choice_mapping() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                "strict": True,
            },
        },
        {"type": "function", "function": {"name": "now"}},
    ]
    body = build({"messages": [user()], "tools": tools})
    assert body["tools"] == [
        {
            "name": "get_weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
            "description": "Weather for a city",
            "strict": True,
        },
        {"name": "now", "input_schema": {"type": "object", "properties": {}}},
    ]
    assert "tool_choice" not in body
    choices = {
        "auto": {"type": "auto"},
        "required": {"type": "any"},
        "none": {"type": "none"},
    }
    for openai_choice, anthropic_choice in choices.items():
        assert build({"messages": [user()], "tools": tools, "tool_choice": openai_choice})["tool_choice"] == (
            anthropic_choice
        )
    named = {"type": "function", "function": {"name": "now"}}
    assert build({"messages": [user()], "tools": tools, "tool_choice": named})["tool_choice"] == {
        "type": "tool",
        "name": "now",
    }
    serial = build({"messages": [user()], "tools": tools, "parallel_tool_calls": False})
    assert serial["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    serial_any = build(
        {"messages": [user()], "tools": tools, "tool_choice": "required", "parallel_tool_calls": False}
    )
    assert serial_any["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}


def test_allowed_tools_choice_narrows_the_tool_list() -> None:
    tools = [{"type": "function", "function": {"name": n}} for n in ("a", "b", "c")]
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "b"}}]},
    }
    body = build({"messages": [user()], "tools": tools, "tool_choice": choice})
    assert [t["name"] for t in body["tools"]] == ["b"]
    assert body["tool_choice"] == {"type": "any"}


def test_tool_calls_and_results_become_blocks_with_results_merged_into_one_user_turn() -> None:
    messages = [
        user("Weather in Paris and Rome?"),
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "w", "arguments": '{"city":"Paris"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "w", "arguments": '{"city":"Rome"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "21C"}]},
        user("And tomorrow?"),
    ]
    tools = [{"type": "function", "function": {"name": "w"}}]
    body = build({"messages": messages, "tools": tools})
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "call_1", "name": "w", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "call_2", "name": "w", "input": {"city": "Rome"}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"},
        {"type": "tool_result", "tool_use_id": "call_2", "content": "21C"},
        {"type": "text", "text": "And tomorrow?"},
    ]


def test_tool_history_without_tools_gets_stand_in_definitions_and_no_tool_use() -> None:
    messages = [
        user("x"),
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": ""}}],
        },
        {"role": "tool", "tool_call_id": "c", "content": ""},
    ]
    body = build({"messages": messages})
    assert body["tools"] == [{"name": "f", "input_schema": {"type": "object"}}]
    assert body["tool_choice"] == {"type": "none"}
    assert body["messages"][1]["content"] == [{"type": "tool_use", "id": "c", "name": "f", "input": {}}]
    assert body["messages"][2]["content"] == [{"type": "tool_result", "tool_use_id": "c"}]


def test_malformed_tool_call_arguments_are_refused() -> None:
    bad = {
        "role": "assistant",
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{"}}],
    }
    with pytest.raises(UpstreamError) as info:
        build({"messages": [user(), bad]})
    assert info.value.status == 400
    assert info.value.code == "invalid_tool_arguments"


def test_images_data_urls_become_base64_and_http_urls_url_sources() -> None:
    content = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]
    blocks = build({"messages": [{"role": "user", "content": content}]})["messages"][0]["content"]
    assert blocks[1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64},
    }
    assert blocks[2] == {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}}


@pytest.mark.parametrize(
    ("url", "code"),
    [
        (f"data:image/bmp;base64,{PNG_B64}", "invalid_image_format"),
        ("data:image/png;base64,@@not-base64@@", "invalid_data_url"),
        ("ftp://example.com/a.png", "invalid_image_url"),
    ],
)
def test_unusable_images_are_refused(url: str, code: str) -> None:
    content = [{"type": "image_url", "image_url": {"url": url}}]
    with pytest.raises(UpstreamError) as info:
        build({"messages": [{"role": "user", "content": content}]})
    assert info.value.status == 400
    assert info.value.code == code


def test_response_format_json_schema_and_json_object() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "thing", "schema": schema, "strict": True}}
    body = build({"messages": [user()], "response_format": fmt})
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    json_mode = build(
        {"messages": [{"role": "system", "content": "S"}, user()], "response_format": {"type": "json_object"}}
    )
    assert json_mode["system"][-1] == {"type": "text", "text": JSON_ONLY_INSTRUCTION}
    assert "output_config" not in json_mode


def test_final_assistant_prefill_loses_trailing_whitespace() -> None:
    body = build({"messages": [user(), {"role": "assistant", "content": "The answer is "}]})
    assert body["messages"][-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "The answer is"}],
    }


def test_cache_control_on_parts_is_kept() -> None:
    part = {"type": "text", "text": "long context", "cache_control": {"type": "ephemeral"}}
    body = build({"messages": [{"role": "system", "content": [part]}, user()]})
    assert body["system"] == [
        {"type": "text", "text": "long context", "cache_control": {"type": "ephemeral"}}
    ]
