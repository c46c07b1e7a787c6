"""Anthropic adapter, buffered: the HTTP call, response translation and error mapping."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai.types.chat import ChatCompletion

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.anthropic import AnthropicAdapter
from spidergate.providers.base import Completion, ProviderDef, Target, UpstreamError

SECRET = "sk-ant-secret-material"
ANTHROPIC = get_catalog().providers["anthropic"]  # the real parameter rules
REQUEST = {"model": "smart", "messages": [{"role": "user", "content": "hi"}]}


def target(provider: ProviderDef = ANTHROPIC) -> Target:
    info = ModelInfo(
        id="anthropic/claude-x", provider="anthropic", model="claude-x", mode="chat", max_output=64000
    )
    key = ProviderKey(
        brand_id="b", key_id="pk_a", provider="anthropic", label="a", masked="sk…", secret_name="s"
    )
    return Target(model=info, provider=provider, key=key, api_key=SECRET)


def run_chat(
    handler: Callable[[httpx.Request], httpx.Response],
    request: dict[str, Any] = REQUEST,
    tgt: Target | None = None,
) -> Completion:
    async def go() -> Completion:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            return await AnthropicAdapter(http).chat(tgt or target(), request)

    return asyncio.run(go())


def message(content: list[dict[str, Any]], stop_reason: str = "end_turn", **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-x-20260101",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5, **usage},
    }


def test_chat_posts_to_messages_with_key_header_and_pinned_version() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=message([{"type": "text", "text": "Hello"}]))

    completion = run_chat(handler)
    sent = seen[0]
    assert str(sent.url) == "https://api.anthropic.com/v1/messages"
    assert sent.headers["x-api-key"] == SECRET
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent.headers
    assert json.loads(sent.content)["max_tokens"] == 8192
    parsed = ChatCompletion.model_validate(completion.body)
    assert parsed.choices[0].message.content == "Hello"
    assert parsed.choices[0].finish_reason == "stop"
    assert parsed.model == "claude-x-20260101"


def test_base_url_ending_in_v1_and_bearer_auth_are_honoured() -> None:
    proxy = ProviderDef(
        name="proxy",
        display_name="P",
        wire="anthropic",
        base_url="https://proxy.example/api/v1",
        auth="bearer",
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=message([{"type": "text", "text": "ok"}]))

    run_chat(handler, tgt=target(proxy))
    assert str(seen[0].url) == "https://proxy.example/api/v1/messages"
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"
    assert "x-api-key" not in seen[0].headers


def test_tool_use_thinking_and_cache_usage_are_translated() -> None:
    content: list[dict[str, Any]] = [
        {"type": "thinking", "thinking": "The user wants weather.", "signature": "sig"},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {}},
    ]
    body = message(content, "tool_use", cache_read_input_tokens=100, cache_creation_input_tokens=50)
    completion = run_chat(lambda _: httpx.Response(200, json=body))
    parsed = ChatCompletion.model_validate(completion.body)
    choice = parsed.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Let me check."
    assert choice.message.refusal is None
    calls = choice.message.tool_calls or []
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [  # type: ignore[union-attr]
        ("toolu_1", "get_weather", {"city": "Paris"}),
        ("toolu_2", "get_time", {}),
    ]
    assert completion.body["choices"][0]["message"]["reasoning_content"] == "The user wants weather."
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (160, 5)
    assert (completion.usage.cached_tokens, completion.usage.cache_write_tokens) == (100, 50)
    assert parsed.usage is not None
    assert parsed.usage.prompt_tokens == 160
    assert parsed.usage.total_tokens == 165
    assert parsed.usage.prompt_tokens_details is not None
    assert parsed.usage.prompt_tokens_details.cached_tokens == 100


def test_tool_only_answer_has_null_content() -> None:
    body = message([{"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}}], "tool_use")
    completion = run_chat(lambda _: httpx.Response(200, json=body))
    assert completion.body["choices"][0]["message"]["content"] is None
    ChatCompletion.model_validate(completion.body)


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("pause_turn", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
    ],
)
def test_stop_reasons_map_to_finish_reasons(stop_reason: str, finish_reason: str) -> None:
    body = message([{"type": "text", "text": "x"}], stop_reason)
    completion = run_chat(lambda _: httpx.Response(200, json=body))
    assert completion.body["choices"][0]["finish_reason"] == finish_reason


@pytest.mark.parametrize(
    ("status", "error_type", "headers"),
    [
        (400, "invalid_request_error", {}),
        (401, "authentication_error", {}),
        (402, "billing_error", {}),
        (403, "permission_error", {}),
        (429, "rate_limit_error", {"retry-after": "7"}),
        (500, "api_error", {}),
        (529, "overloaded_error", {}),
    ],
)
def test_error_bodies_become_upstream_errors(status: int, error_type: str, headers: dict[str, str]) -> None:
    payload = {"type": "error", "error": {"type": error_type, "message": "nope"}, "request_id": "req_1"}

    with pytest.raises(UpstreamError) as info:
        run_chat(lambda _: httpx.Response(status, json=payload, headers=headers))
    error = info.value
    assert (error.status, error.kind, error.code, error.error_type) == (
        status,
        "http",
        error_type,
        error_type,
    )
    assert "nope" in error.message
    assert "req_1" in error.raw
    assert error.retry_after == (7.0 if headers else None)
    assert SECRET not in error.message
    assert SECRET not in error.raw


def test_non_json_error_body_keeps_the_status() -> None:
    with pytest.raises(UpstreamError) as info:
        run_chat(lambda _: httpx.Response(502, text="<html>Bad gateway</html>"))
    assert (info.value.status, info.value.kind, info.value.code) == (502, "http", None)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ReadTimeout("read timed out"), "timeout"),
        (httpx.ConnectTimeout("connect timed out"), "timeout"),
        (httpx.ConnectError("connection refused"), "connection"),
        (httpx.RemoteProtocolError("peer closed connection"), "connection"),
    ],
)
def test_transport_failures_are_mapped(exc: Exception, kind: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(UpstreamError) as info:
        run_chat(handler)
    assert info.value.kind == kind
    assert info.value.status is None
    assert info.value.__cause__ is exc


def test_n_above_one_fails_before_any_network_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    with pytest.raises(UpstreamError) as info:
        run_chat(handler, {**REQUEST, "n": 3})
    assert info.value.code == "unsupported_parameter"
    assert calls == []
