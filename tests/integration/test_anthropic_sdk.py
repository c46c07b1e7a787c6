"""The official ``anthropic`` SDK against the gateway's Anthropic base URL, to both upstream wires.

``anthropic/...`` models go to the sandbox's Messages API (passed through); ``openai/...`` models go
to its chat completions API (translated both ways).
"""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import httpx
import pytest

from tests.integration.conftest import Sandbox, wait_for_records

pytestmark = pytest.mark.integration

CLAUDE = "anthropic/claude-sonnet-4-5"
GPT = "openai/gpt-6.1-terra"
KEYS = (("anthropic-1", "anthropic", ""), ("openai-1", "openai", "/v1"))
HELLO: Any = [{"role": "user", "content": "Say hello"}]
TOOLS: Any = [
    {
        "name": "lookup",
        "description": "Look something up",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    }
]
THINKING: Any = {"type": "enabled", "budget_tokens": 1024}


def base(tenant: Any) -> str:
    return tenant.gateway.root + "/api/gate/anthropic"


def client(tenant: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=base(tenant), api_key=tenant.token, max_retries=0)


@pytest.mark.parametrize("model", [CLAUDE, GPT])
def test_sync_message_with_cost(make_tenant, model: str) -> None:
    tenant = make_tenant(keys=KEYS)
    raw = client(tenant).messages.with_raw_response.create(model=model, max_tokens=200, messages=HELLO)
    message = raw.parse()
    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    cost = (message.usage.model_extra or {})["cost"]
    assert cost > 0
    assert float(raw.headers["x-spidergate-cost-usd"]) == pytest.approx(cost)
    assert raw.headers["x-spidergate-model"] == model


@pytest.mark.parametrize("model", [CLAUDE, GPT])
def test_async_message(make_tenant, model: str) -> None:
    tenant = make_tenant(keys=KEYS)

    async def run() -> anthropic.types.Message:
        async with anthropic.AsyncAnthropic(base_url=base(tenant), api_key=tenant.token, max_retries=0) as c:
            return await c.messages.create(model=model, max_tokens=200, messages=HELLO)

    message = asyncio.run(run())
    assert message.content[0].type == "text" and message.content[0].text


@pytest.mark.parametrize("model", [CLAUDE, GPT])
def test_streaming_message(make_tenant, model: str) -> None:
    tenant = make_tenant(keys=KEYS)
    with client(tenant).messages.stream(model=model, max_tokens=200, messages=HELLO) as stream:
        events = list(stream)
        final = stream.get_final_message()
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start" and "content_block_delta" in kinds
    start = events[0]
    assert start.type == "message_start" and start.message.usage.input_tokens > 0
    assert final.content[0].type == "text" and final.content[0].text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0
    delta = next(e for e in events if e.type == "message_delta")
    assert delta.type == "message_delta" and (delta.usage.model_extra or {})["cost"] > 0


@pytest.mark.parametrize("model", [CLAUDE, GPT])
@pytest.mark.parametrize("streamed", [False, True])
def test_tool_use_loop(make_tenant, model: str, streamed: bool) -> None:
    tenant = make_tenant(keys=KEYS)
    c = client(tenant)
    question: Any = {"role": "user", "content": "Look up the weather"}
    if streamed:
        with c.messages.stream(model=model, max_tokens=300, messages=[question], tools=TOOLS) as stream:
            first = stream.get_final_message()
    else:
        first = c.messages.create(model=model, max_tokens=300, messages=[question], tools=TOOLS)
    assert first.stop_reason == "tool_use"
    calls = [b for b in first.content if b.type == "tool_use"]
    assert calls and calls[0].name == "lookup" and isinstance(calls[0].input, dict)
    results: Any = [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"} for call in calls]
    assistant: Any = {
        "role": "assistant",
        "content": [b.model_dump(exclude_none=True) for b in first.content],
    }
    second = c.messages.create(
        model=model,
        max_tokens=300,
        messages=[question, assistant, {"role": "user", "content": results}],
        tools=TOOLS,
        tool_choice={"type": "none"},
    )
    assert second.content[0].type == "text"


def test_thinking_signatures_arrive_byte_for_byte(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=KEYS)
    body = {"model": CLAUDE, "max_tokens": 2000, "messages": HELLO, "thinking": THINKING, "stream": True}
    headers = {"x-api-key": tenant.token, "anthropic-version": "2023-06-01"}
    with httpx.stream("POST", base(tenant) + "/v1/messages", json=body, headers=headers) as response:
        via_gateway = [line for line in response.iter_lines() if "signature_delta" in line]
    direct = httpx.post(
        sandbox.url + "/v1/messages",
        json={**body, "model": "claude-sonnet-4-5"},
        headers={"x-api-key": tenant.keys["anthropic-1"], "anthropic-version": "2023-06-01"},
    )
    expected = [line for line in direct.text.splitlines() if "signature_delta" in line]
    assert via_gateway and via_gateway == expected


def test_thinking_round_trip_in_a_tool_loop(make_tenant) -> None:
    tenant = make_tenant(keys=KEYS)
    c = client(tenant)
    question: Any = {"role": "user", "content": "Look up the weather"}
    first = c.messages.create(
        model=CLAUDE, max_tokens=2000, messages=[question], tools=TOOLS, thinking=THINKING
    )
    assert first.content[0].type == "thinking" and first.content[0].signature
    calls = [b for b in first.content if b.type == "tool_use"]
    assistant: Any = {
        "role": "assistant",
        "content": [b.model_dump(exclude_none=True) for b in first.content],
    }
    results: Any = [{"type": "tool_result", "tool_use_id": calls[0].id, "content": "sunny"}]
    second = c.messages.create(
        model=CLAUDE,
        max_tokens=2000,
        messages=[question, assistant, {"role": "user", "content": results}],
        tools=TOOLS,
        thinking=THINKING,
    )
    assert second.content


@pytest.mark.parametrize("model", [CLAUDE, GPT])
@pytest.mark.parametrize("streamed", [False, True])
def test_thinking_comes_back_as_thinking_blocks(make_tenant, model: str, streamed: bool) -> None:
    tenant = make_tenant(keys=KEYS)
    c = client(tenant)
    kwargs: Any = {"model": model, "max_tokens": 2000, "messages": HELLO, "thinking": THINKING}
    if streamed:
        with c.messages.stream(**kwargs) as stream:
            message = stream.get_final_message()
    else:
        message = c.messages.create(**kwargs)
    assert [b.type for b in message.content] == ["thinking", "text"]
    thinking = message.content[0]
    assert thinking.type == "thinking" and "Say hello" in thinking.thinking
    assert bool(thinking.signature) == (model == CLAUDE)  # a non-Claude reasoner signs nothing


def test_claude_counts_tokens_itself(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=KEYS)
    counted = client(tenant).messages.count_tokens(model=CLAUDE, messages=HELLO, system="Be brief")
    direct = httpx.post(
        sandbox.url + "/v1/messages/count_tokens",
        json={"model": "claude-sonnet-4-5", "messages": HELLO, "system": "Be brief"},
        headers={"x-api-key": tenant.keys["anthropic-1"], "anthropic-version": "2023-06-01"},
    )
    assert counted.input_tokens == direct.json()["input_tokens"]
    assert any(r["path"].endswith("/count_tokens") for r in sandbox.requests())


def test_errors_in_anthropic_shape(make_tenant) -> None:
    tenant = make_tenant(keys=KEYS)
    with pytest.raises(anthropic.NotFoundError) as missing:
        client(tenant).messages.create(model="no-such-model", max_tokens=10, messages=HELLO)
    assert missing.value.body == {
        "type": "error",
        "error": {"type": "not_found_error", "message": missing.value.body["error"]["message"]},  # type: ignore[index]
    }
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(base_url=base(tenant), api_key="nope", max_retries=0).messages.create(
            model=CLAUDE, max_tokens=10, messages=HELLO
        )
    with pytest.raises(anthropic.BadRequestError):
        client(tenant).messages.create(model=CLAUDE, max_tokens=0, messages=HELLO)
    with pytest.raises(anthropic.BadRequestError) as not_chat:  # a client mistake, never a retryable 5xx
        client(tenant).messages.create(model="embed", max_tokens=10, messages=HELLO)
    assert not_chat.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]


def test_blocks_chat_cannot_carry_pass_to_claude_and_are_refused_elsewhere(make_tenant) -> None:
    tenant = make_tenant(keys=KEYS)
    document: Any = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "The sky is green."},
    }
    messages: Any = [
        {"role": "user", "content": [document, {"type": "text", "text": "What colour is the sky?"}]}
    ]
    message = client(tenant).messages.create(model=CLAUDE, max_tokens=100, messages=messages)
    assert message.content[0].type == "text"
    with pytest.raises(anthropic.BadRequestError) as refused:
        client(tenant).messages.create(model=GPT, max_tokens=100, messages=messages)
    assert "messages.0.content.0" in refused.value.message and "document" in refused.value.message


def test_overloaded_upstream_is_529(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=(("anthropic-1", "anthropic", ""),))
    sandbox.fault({"status": 500}, times=3, api_key=tenant.keys["anthropic-1"])
    with pytest.raises(anthropic.OverloadedError):
        client(tenant).messages.create(model=CLAUDE, max_tokens=10, messages=HELLO)


def test_mid_stream_failure_is_an_error_event(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=(("openai-1", "openai", "/v1"),))
    sandbox.fault({"kind": "cut_after_first_token"}, api_key=tenant.keys["openai-1"])
    body = {"model": GPT, "max_tokens": 200, "messages": HELLO, "stream": True}
    with httpx.stream(
        "POST", base(tenant) + "/v1/messages", json=body, headers={"x-api-key": tenant.token}
    ) as response:
        text = response.read().decode()
    assert response.status_code == 200
    assert "event: error" in text and "message_stop" not in text


def test_upstream_error_event_mid_stream_passes_through(make_tenant, admin, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=(("anthropic-1", "anthropic", ""),))
    sandbox.fault({"kind": "error_event_after_first_token"}, api_key=tenant.keys["anthropic-1"])
    body = {"model": CLAUDE, "max_tokens": 200, "messages": HELLO, "stream": True}
    with httpx.stream(
        "POST", base(tenant) + "/v1/messages", json=body, headers={"x-api-key": tenant.token}
    ) as response:
        text = response.read().decode()
    assert "event: error" in text and "overloaded_error" in text and "message_stop" not in text
    (record,) = wait_for_records(admin, tenant.brand_id, 1)
    assert record.status == 529 and record.error_code == "upstream_stream_error"


def test_probe_models_count_tokens_and_beta(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=KEYS)
    assert httpx.head(base(tenant)).status_code == 200
    c = client(tenant)
    page = c.models.list(limit=1000)
    ids = [m.id for m in page.data]
    assert "fast" in ids and CLAUDE in ids and GPT in ids
    assert c.models.retrieve(CLAUDE).id == CLAUDE
    assert c.messages.count_tokens(model=GPT, messages=HELLO, system="Be brief").input_tokens > 0  # estimated
    with pytest.raises(anthropic.NotFoundError):
        c.messages.count_tokens(model="no-such-model", messages=HELLO)
    beta = c.beta.messages.create(model=CLAUDE, max_tokens=50, messages=HELLO, betas=["fake-beta-2025"])
    assert beta.content[0].type == "text"
    sent = [r for r in sandbox.requests() if r["path"] == "/v1/messages"][-1]
    assert sent["headers"]["anthropic-beta"] == "fake-beta-2025"
    bearer = httpx.post(
        base(tenant) + "/v1/messages?beta=true",
        json={"model": "fast", "max_tokens": 50, "messages": HELLO},
        headers={"authorization": f"Bearer {tenant.token}"},
    )
    assert bearer.status_code == 200 and bearer.json()["type"] == "message"
    traced = httpx.post(
        base(tenant) + "/v1/messages?include_route_trace=true",
        json={"model": "fast", "max_tokens": 50, "messages": HELLO},
        headers={"x-api-key": tenant.token},
    ).json()
    assert traced["route_trace"]["alias"] == "fast"
    assert traced["route_trace"]["attempts"][-1]["outcome"] == "success"
