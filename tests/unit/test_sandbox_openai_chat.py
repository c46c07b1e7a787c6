"""The sandbox's OpenAI chat completions in-process: shapes, tools, streaming, errors, auth, models."""

from __future__ import annotations

import json
from typing import Any

import pytest

from spidergate.local.sandbox import SandboxApp, create_sandbox_app
from tests.unit.sandbox_http import AUTH, send

USER = [{"role": "user", "content": "What is the capital of France?"}]


def sse_data(text: str) -> list[Any]:
    """The ``data:`` payloads of an OpenAI stream, ``[DONE]`` kept as the string."""
    out: list[Any] = []
    for block in text.split("\n\n"):
        if block.startswith("data: "):
            payload = block[len("data: ") :]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


@pytest.fixture
def app() -> SandboxApp:
    return create_sandbox_app()


# -- chat completions ---------------------------------------------------------------------------
def test_chat_answers_with_model_and_echo_and_counts_whitespace_tokens(app: SandboxApp) -> None:
    r = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "gpt-4o-mini", "messages": USER}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion"
    choice = body["choices"][0]
    assert choice["message"]["content"] == "Sandbox reply from gpt-4o-mini: What is the capital of France?"
    assert choice["finish_reason"] == "stop"
    assert body["usage"]["prompt_tokens"] == 6
    assert body["usage"]["completion_tokens"] == len(choice["message"]["content"].split())
    assert (
        body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )
    assert r.headers["x-request-id"]


def test_chat_output_does_not_depend_on_seed(app: SandboxApp) -> None:
    a = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, "seed": 1}
    )
    b = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, "seed": 9}
    )
    assert a.json()["choices"] == b.json()["choices"]
    assert a.json()["usage"] == b.json()["usage"]


def test_chat_echo_is_truncated_for_long_prompts(app: SandboxApp) -> None:
    words = [f"w{i}" for i in range(100)]
    messages = [{"role": "user", "content": " ".join(words)}]
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": messages})
    content = r.json()["choices"][0]["message"]["content"]
    assert "w0" in content
    assert "w99" not in content
    assert r.json()["usage"]["prompt_tokens"] == 100


def test_chat_reads_text_parts_of_the_last_user_message(app: SandboxApp) -> None:
    messages = [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "part"}]},
    ]
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": messages})
    assert r.json()["choices"][0]["message"]["content"] == "Sandbox reply from m: second part"
    assert r.json()["usage"]["prompt_tokens"] == 6


@pytest.mark.parametrize("field", ["max_completion_tokens", "max_tokens"])
def test_chat_truncates_to_the_token_limit_with_finish_reason_length(app: SandboxApp, field: str) -> None:
    r = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, field: 3}
    )
    body = r.json()
    assert body["choices"][0]["message"]["content"] == "Sandbox reply from"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3


def test_chat_limit_above_the_reply_keeps_finish_reason_stop(app: SandboxApp) -> None:
    r = send(
        app,
        "POST",
        "/v1/chat/completions",
        headers=AUTH,
        json={"model": "m", "messages": USER, "max_tokens": 500},
    )
    assert r.json()["choices"][0]["finish_reason"] == "stop"


def test_chat_n_gives_that_many_choices_and_usage(app: SandboxApp) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, "n": 3})
    body = r.json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    one = len(body["choices"][0]["message"]["content"].split())
    assert body["usage"]["completion_tokens"] == 3 * one


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string"},
            },
            "required": ["city", "days"],
        },
    },
}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}


def test_chat_with_tools_calls_the_first_tool_with_required_string_arguments(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "tools": [WEATHER_TOOL, TIME_TOOL]}
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body)
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "sandbox city"}


def test_chat_tool_choice_names_the_tool_and_none_disables_tools(app: SandboxApp) -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    body = {"model": "m", "messages": USER, "tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": named}
    call = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).json()["choices"][0]["message"]
    assert call["tool_calls"][0]["function"] == {"name": "get_time", "arguments": "{}"}
    body["tool_choice"] = "none"
    choice = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert "tool_calls" not in choice["message"]


def test_chat_stream_sends_role_content_finish_then_done(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True}
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body)
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_data(r.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    contents = [c["choices"][0]["delta"].get("content") for c in chunks[1:-1]]
    assert len(contents) > 3
    assert "".join(contents) == "Sandbox reply from m: What is the capital of France?"
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert all("usage" not in c for c in chunks)
    assert len({c["id"] for c in chunks}) == 1


def test_chat_stream_with_include_usage_ends_with_a_usage_chunk(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True, "stream_options": {"include_usage": True}}
    events = sse_data(send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).text)
    assert events[-1] == "[DONE]"
    usage_chunk = events[-2]
    assert usage_chunk["choices"] == []
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in events[:-2])
    assert usage_chunk["usage"]["completion_tokens"] == len(text.split())
    assert usage_chunk["usage"]["prompt_tokens"] == 6
    assert all(c["usage"] is None for c in events[:-2])


def test_chat_stream_tool_call_arrives_in_fragments_that_join_to_the_arguments(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True, "tools": [WEATHER_TOOL]}
    events = sse_data(send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).text)
    deltas = [e["choices"][0]["delta"] for e in events[:-1]]
    header = deltas[1]["tool_calls"][0]
    assert header["function"] == {"name": "get_weather", "arguments": ""}
    fragments = [d["tool_calls"][0]["function"]["arguments"] for d in deltas[2:-1]]
    assert len(fragments) > 1
    assert json.loads("".join(fragments)) == {"city": "sandbox city"}
    assert events[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_chat_stream_truncated_by_limit_finishes_with_length(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True, "max_completion_tokens": 2}
    events = sse_data(send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).text)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events[:-1]) == "Sandbox reply"
    assert events[-2]["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": USER}, "model"),
        ({"model": "m", "messages": []}, "messages"),
        ({"model": "m", "messages": USER, "stream_options": {"include_usage": True}}, "stream_options"),
        ({"model": "m", "messages": USER, "max_tokens": 0}, "max_tokens"),
        ({"model": "m", "messages": USER, "n": 99}, "n"),
    ],
)
def test_chat_invalid_requests_get_the_openai_400_body(
    app: SandboxApp, body: dict[str, Any], param: str
) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert r.json()["error"]["param"] == param


def test_chat_body_that_is_not_json_is_a_400(app: SandboxApp) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, content=b"{not json")
    assert r.status_code == 400
    assert "parse the JSON" in r.json()["error"]["message"]


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer "}, {"authorization": "Basic abc"}])
def test_openai_paths_require_a_bearer_key(app: SandboxApp, headers: dict[str, str]) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=headers, json={"model": "m", "messages": USER})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_api_key"


def test_unknown_path_is_an_openai_404(app: SandboxApp) -> None:
    r = send(app, "POST", "/v1/completions/legacy", headers=AUTH, json={})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "Invalid URL (POST /v1/completions/legacy)"


# -- models -------------------------------------------------------------------------------------
def test_models_list_in_openai_shape(app: SandboxApp) -> None:
    body = send(app, "GET", "/v1/models", headers=AUTH).json()
    assert body["object"] == "list"
    assert {"gpt-4o-mini", "whisper-1"} <= {m["id"] for m in body["data"]}
    assert all(m["object"] == "model" for m in body["data"])


def test_models_list_in_anthropic_shape_when_asked_anthropic_style(app: SandboxApp) -> None:
    headers = {"x-api-key": "ak", "anthropic-version": "2023-06-01"}
    body = send(app, "GET", "/v1/models", headers=headers).json()
    assert body["has_more"] is False
    assert all(m["type"] == "model" for m in body["data"])
