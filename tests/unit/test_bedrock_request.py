"""OpenAI chat request -> Bedrock Converse parameters (PROVIDERS.md section 4)."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.base import Target, UpstreamError
from spidergate.providers.bedrock_request import EMPTY_TOOL_RESULT, build_converse_request
from spidergate.providers.chat_input import JSON_ONLY_INSTRUCTION

BEDROCK = get_catalog().providers["bedrock"]  # the real parameter rules
MODEL_ID = "anthropic.claude-x-v1:0"
PNG = b"\x89PNG\r\n\x1a\n"
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def target() -> Target:
    info = ModelInfo(id="bedrock/claude-x", provider="bedrock", model=MODEL_ID, mode="chat", max_output=64000)
    key = ProviderKey(
        brand_id="b", key_id="pk_b", provider="bedrock", label="b", masked="ia…", secret_name="s"
    )
    return Target(model=info, provider=BEDROCK, key=key, api_key="iam")


def build(request: dict[str, Any]) -> dict[str, Any]:
    return build_converse_request(target(), request)


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


def test_system_messages_inference_config_and_dropped_parameters() -> None:
    params = build(
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": "No emoji."},
                user(),
            ],
            "max_completion_tokens": 256,
            "temperature": 0.2,
            "top_p": 0.9,
            "stop": ["END", "  "],
            "seed": 1,
            "logprobs": True,
            "presence_penalty": 1,
            "logit_bias": {"1": 1},
            "user": "u",
            "parallel_tool_calls": False,
        }
    )
    assert params == {
        "modelId": MODEL_ID,
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "system": [{"text": "Be brief."}, {"text": "No emoji."}],
        "inferenceConfig": {"maxTokens": 256, "temperature": 0.2, "stopSequences": ["END"]},
    }
    assert build({"messages": [user()], "top_p": 0.5})["inferenceConfig"] == {"maxTokens": 8192, "topP": 0.5}


def test_max_tokens_default_matches_anthropic_and_clamps_to_the_model_maximum() -> None:
    """Without maxTokens Bedrock cuts Claude at 4,096; the default is Anthropic's, min(model max, 8192)."""
    assert build({"messages": [user()]})["inferenceConfig"] == {"maxTokens": 8192}
    assert build({"messages": [user()], "max_tokens": 500_000})["inferenceConfig"] == {"maxTokens": 64000}
    assert build({"messages": [user()], "max_completion_tokens": 100})["inferenceConfig"] == {
        "maxTokens": 100
    }


def test_n_above_one_is_refused() -> None:
    with pytest.raises(UpstreamError) as info:
        build({"messages": [user()], "n": 2})
    assert (info.value.status, info.value.code) == (400, "unsupported_parameter")


def test_tool_calls_and_merged_tool_results_alternate_roles() -> None:
    messages = [
        user("Paris and Rome?"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "t1", "type": "function", "function": {"name": "w", "arguments": '{"city":"Paris"}'}},
                {"id": "t2", "type": "function", "function": {"name": "w", "arguments": '{"city":"Rome"}'}},
            ],
        },
        {"role": "tool", "tool_call_id": "t1", "content": "18C"},
        {"role": "tool", "tool_call_id": "t2", "content": ""},
        user("Thanks"),
    ]
    tools = [
        {
            "type": "function",
            "function": {"name": "w", "description": "weather", "parameters": {"type": "object"}},
        }
    ]
    params = build({"messages": messages, "tools": tools, "tool_choice": "required"})
    assert [m["role"] for m in params["messages"]] == ["user", "assistant", "user"]
    assert params["messages"][1]["content"] == [
        {"toolUse": {"toolUseId": "t1", "name": "w", "input": {"city": "Paris"}}},
        {"toolUse": {"toolUseId": "t2", "name": "w", "input": {"city": "Rome"}}},
    ]
    assert params["messages"][2]["content"] == [
        {"toolResult": {"toolUseId": "t1", "content": [{"text": "18C"}]}},
        {"toolResult": {"toolUseId": "t2", "content": [{"text": EMPTY_TOOL_RESULT}]}},
        {"text": "Thanks"},
    ]
    assert params["toolConfig"] == {
        "tools": [
            {"toolSpec": {"name": "w", "inputSchema": {"json": {"type": "object"}}, "description": "weather"}}
        ],
        "toolChoice": {"any": {}},
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"auto": {}}),
        ("required", {"any": {}}),
        ({"type": "function", "function": {"name": "f"}}, {"tool": {"name": "f"}}),
        (None, None),
    ],
)
def test_tool_choice_mapping(choice: Any, expected: dict[str, Any] | None) -> None:
    request: dict[str, Any] = {
        "messages": [user()],
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }
    if choice is not None:
        request["tool_choice"] = choice
    config = build(request)["toolConfig"]
    assert config.get("toolChoice") == expected


def test_tool_choice_none_omits_tools_unless_the_history_needs_them() -> None:
    tools = [{"type": "function", "function": {"name": "f"}}]
    assert "toolConfig" not in build({"messages": [user()], "tools": tools, "tool_choice": "none"})
    history = [
        user(),
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c", "content": "ok"},
    ]
    kept = build({"messages": history, "tools": tools, "tool_choice": "none"})["toolConfig"]
    assert [t["toolSpec"]["name"] for t in kept["tools"]] == ["f"]
    assert "toolChoice" not in kept
    stand_in = build({"messages": history})["toolConfig"]
    assert stand_in == {
        "tools": [{"toolSpec": {"name": "f", "inputSchema": {"json": {"type": "object", "properties": {}}}}}]
    }


def test_images_must_be_inline_and_become_bytes() -> None:
    content = [{"type": "text", "text": "What?"}, {"type": "image_url", "image_url": {"url": PNG_URL}}]
    blocks = build({"messages": [{"role": "user", "content": content}]})["messages"][0]["content"]
    assert blocks[1] == {"image": {"format": "png", "source": {"bytes": PNG}}}
    remote = [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
    with pytest.raises(UpstreamError) as info:
        build({"messages": [{"role": "user", "content": remote}]})
    assert info.value.status == 400
    assert info.value.code == "unsupported_image_url"
    assert "inline" in info.value.message


def test_response_formats() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    out = build({"messages": [user()], "response_format": fmt})["outputConfig"]["textFormat"]
    assert out["type"] == "json_schema"
    assert out["structure"]["jsonSchema"]["name"] == "answer"
    assert json.loads(out["structure"]["jsonSchema"]["schema"]) == schema
    json_mode = build({"messages": [user()], "response_format": {"type": "json_object"}})
    assert json_mode["system"] == [{"text": JSON_ONLY_INSTRUCTION}]


def test_a_rich_request_passes_botocore_validation() -> None:
    """The translated parameters are valid against the real bedrock-runtime service model."""
    pdf = "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4").decode()
    request = {
        "messages": [
            {
                "role": "system",
                "content": [{"type": "text", "text": "S", "cache_control": {"type": "ephemeral"}}],
            },
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Look"},
                    {"type": "image_url", "image_url": {"url": PNG_URL}},
                    {"type": "file", "file": {"filename": "report_2026.final.pdf", "file_data": pdf}},
                ],
            },
            {
                "role": "assistant",
                "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "c", "content": "done"},
        ],
        "tools": [
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}, "strict": True}}
        ],
        "tool_choice": "auto",
        "max_tokens": 10,
        "temperature": 0.5,
        "stop": "X",
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "n", "schema": {"type": "object"}},
        },
    }
    params = build(request)
    assert params["system"][1] == {"cachePoint": {"type": "default"}}
    document = params["messages"][0]["content"][2]["document"]
    assert document["name"] == "report 2026 final"
    assert document["source"]["bytes"] == b"%PDF-1.4"
    client = boto3.session.Session().client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    response = {
        "output": {"message": {"role": "assistant", "content": [{"text": "{}"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
        "metrics": {"latencyMs": 1},
    }
    with Stubber(client) as stub:
        stub.add_response("converse", response, params)
        assert client.converse(**params)["stopReason"] == "end_turn"
        stub.assert_no_pending_responses()
