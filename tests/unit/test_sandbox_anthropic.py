"""The sandbox's Anthropic Messages endpoint, in-process: JSON, the SSE event sequence, auth, errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from spidergate.local.sandbox import SandboxApp, create_sandbox_app

HEADERS = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
MESSAGES = [{"role": "user", "content": "Tell me a short story"}]
TOOL = {
    "name": "lookup",
    "description": "Look something up",
    "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
}


def send(app: SandboxApp, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return await client.post(
                "/v1/messages", json=body, headers=HEADERS if headers is None else headers
            )

    return asyncio.run(go())


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) of each named SSE event."""
    out = []
    for block in text.strip().split("\n\n"):
        name_line, data_line = block.split("\n")
        assert name_line.startswith("event: ")
        assert data_line.startswith("data: ")
        out.append((name_line[len("event: ") :], json.loads(data_line[len("data: ") :])))
    return out


@pytest.fixture
def app() -> SandboxApp:
    return create_sandbox_app()


def test_message_json_has_the_anthropic_shape(app: SandboxApp) -> None:
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "system": "Be brief please",
        "messages": MESSAGES,
    }
    r = send(app, body)
    assert r.status_code == 200
    msg = r.json()
    assert msg["type"] == "message"
    assert msg["role"] == "assistant"
    assert msg["content"] == [
        {"type": "text", "text": "Sandbox reply from claude-sonnet-4-5: Tell me a short story"}
    ]
    assert msg["stop_reason"] == "end_turn"
    assert msg["stop_sequence"] is None
    assert msg["usage"]["input_tokens"] == 3 + 5
    assert msg["usage"]["output_tokens"] == len(msg["content"][0]["text"].split())
    assert r.headers["request-id"]


def test_message_cut_at_max_tokens_stops_with_max_tokens(app: SandboxApp) -> None:
    msg = send(app, {"model": "c", "max_tokens": 2, "messages": MESSAGES}).json()
    assert msg["content"][0]["text"] == "Sandbox reply"
    assert msg["stop_reason"] == "max_tokens"
    assert msg["usage"]["output_tokens"] == 2


def test_message_with_tools_answers_text_then_tool_use(app: SandboxApp) -> None:
    msg = send(app, {"model": "c", "max_tokens": 100, "messages": MESSAGES, "tools": [TOOL]}).json()
    text, tool_use = msg["content"]
    assert text["type"] == "text"
    assert tool_use["type"] == "tool_use"
    assert tool_use["id"].startswith("toolu_")
    assert tool_use["name"] == "lookup"
    assert tool_use["input"] == {"query": "sandbox query"}
    assert msg["stop_reason"] == "tool_use"


def test_message_tool_choice_none_gives_plain_text(app: SandboxApp) -> None:
    body = {
        "model": "c",
        "max_tokens": 100,
        "messages": MESSAGES,
        "tools": [TOOL],
        "tool_choice": {"type": "none"},
    }
    msg = send(app, body).json()
    assert [b["type"] for b in msg["content"]] == ["text"]
    assert msg["stop_reason"] == "end_turn"


def test_stream_follows_the_anthropic_event_sequence(app: SandboxApp) -> None:
    r = send(app, {"model": "c", "max_tokens": 100, "messages": MESSAGES, "stream": True})
    assert r.headers["content-type"].startswith("text/event-stream")
    seq = events(r.text)
    names = [name for name, _ in seq]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert all(name == data["type"] for name, data in seq)
    start = seq[0][1]["message"]
    assert start["content"] == []
    assert start["stop_reason"] is None
    text = "".join(d["delta"]["text"] for n, d in seq if n == "content_block_delta")
    assert text == "Sandbox reply from c: Tell me a short story"
    delta = seq[-2][1]
    assert delta["delta"]["stop_reason"] == "end_turn"
    assert delta["usage"]["output_tokens"] == len(text.split())


def test_stream_tool_use_input_arrives_as_json_deltas(app: SandboxApp) -> None:
    r = send(app, {"model": "c", "max_tokens": 100, "messages": MESSAGES, "tools": [TOOL], "stream": True})
    seq = events(r.text)
    starts = [d for n, d in seq if n == "content_block_start"]
    assert [s["content_block"]["type"] for s in starts] == ["text", "tool_use"]
    assert starts[1]["index"] == 1
    assert starts[1]["content_block"]["input"] == {}
    partial = [d["delta"]["partial_json"] for n, d in seq if n == "content_block_delta" and d["index"] == 1]
    assert all(
        d["delta"]["type"] == "input_json_delta"
        for n, d in seq
        if n == "content_block_delta" and d["index"] == 1
    )
    assert len(partial) > 1
    assert json.loads("".join(partial)) == {"query": "sandbox query"}
    assert seq[-2][1]["delta"]["stop_reason"] == "tool_use"


@pytest.mark.parametrize(
    "headers",
    [
        {"anthropic-version": "2023-06-01"},
        {"x-api-key": "k"},
        {"authorization": "Bearer k", "anthropic-version": "x"},
    ],
)
def test_missing_key_or_version_is_an_authentication_error(app: SandboxApp, headers: dict[str, str]) -> None:
    r = send(app, {"model": "c", "max_tokens": 1, "messages": MESSAGES}, headers=headers)
    assert r.status_code == 401
    body = r.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "authentication_error"
    assert body["request_id"] == r.headers["request-id"]


@pytest.mark.parametrize(
    "body",
    [
        {"model": "c", "messages": MESSAGES},
        {"max_tokens": 10, "messages": MESSAGES},
        {"model": "c", "max_tokens": 10, "messages": []},
        {
            "model": "c",
            "max_tokens": 10,
            "messages": MESSAGES,
            "tools": [TOOL],
            "tool_choice": {"type": "tool", "name": "x"},
        },
    ],
)
def test_invalid_requests_get_the_anthropic_error_body(app: SandboxApp, body: dict[str, Any]) -> None:
    r = send(app, body)
    assert r.status_code == 400
    assert r.json()["type"] == "error"
    assert r.json()["error"]["type"] == "invalid_request_error"
