"""Chat completions through the official openai SDK against the gateway on loopback."""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
import pytest

from tests.integration.conftest import Sandbox, key_hash_of

pytestmark = pytest.mark.integration

HELLO = [{"role": "user", "content": "Say hello"}]


def test_sync_completion_serves_and_reports_usage(make_tenant) -> None:
    tenant = make_tenant()
    raw = tenant.client().chat.completions.with_raw_response.create(model="default", messages=HELLO)
    completion = raw.parse()
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert raw.headers["x-request-id"].startswith("req_")
    assert "x-spidergate-fallback-from" not in raw.headers


def test_async_completion_and_model_id_with_prefix(make_tenant) -> None:
    tenant = make_tenant()

    async def go() -> list[str]:
        async with tenant.async_client() as client:
            answers = await asyncio.gather(
                client.chat.completions.create(model="openai/gpt-6.1-terra", messages=HELLO),
                client.chat.completions.create(model="gpt-6.1-terra", messages=HELLO),
            )
        return [a.choices[0].message.content or "" for a in answers]

    assert all(asyncio.run(go()))


def test_streaming_yields_chunks_then_usage_when_asked(make_tenant) -> None:
    tenant = make_tenant()
    client = tenant.client()
    chunks = list(
        client.chat.completions.create(
            model="default", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert (
        chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    )
    plain = list(client.chat.completions.create(model="default", messages=HELLO, stream=True))
    assert all(c.usage is None for c in plain), "usage chunk must be stripped when the client did not ask"


def test_tools_round_trip(make_tenant) -> None:
    tenant = make_tenant()
    tools = [
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
    completion = tenant.client().chat.completions.create(model="tools", messages=HELLO, tools=tools)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls and choice.message.tool_calls[0].function.name == "get_weather"
    json.loads(choice.message.tool_calls[0].function.arguments)


def test_first_key_rate_limited_second_serves_and_cooling_key_is_skipped(
    make_tenant, sandbox: Sandbox
) -> None:
    tenant = make_tenant()
    sandbox.fault({"status": 429, "headers": {"retry-after": "30"}}, api_key=tenant.keys["openai-1"])
    client = tenant.client()
    first = client.chat.completions.with_raw_response.create(
        model="default", messages=HELLO, extra_query={"include_route_trace": "true"}
    )
    trace = json.loads(first.text)["route_trace"]
    assert [(a["key"], a["outcome"], a["status"]) for a in trace["attempts"]] == [
        (tenant.key_ids["openai-1"], "cooldown", 429),
        (tenant.key_ids["openai-2"], "success", 200),
    ]
    before = len([r for r in sandbox.requests() if r.get("key_hash") == key_hash_of(tenant.keys["openai-1"])])
    second = client.chat.completions.with_raw_response.create(
        model="default", messages=HELLO, extra_query={"include_route_trace": "true"}
    )
    attempts = json.loads(second.text)["route_trace"]["attempts"]
    assert [a["key"] for a in attempts] == [tenant.key_ids["openai-2"]]
    after = len([r for r in sandbox.requests() if r.get("key_hash") == key_hash_of(tenant.keys["openai-1"])])
    assert after == before, "the cooling key must not be called again"


def test_provider_down_falls_back_to_next_model_with_header(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant()
    for label in ("openai-1", "openai-2"):
        sandbox.fault({"status": 503}, times=-1, api_key=tenant.keys[label])
    raw = tenant.client().chat.completions.with_raw_response.create(model="default", messages=HELLO)
    assert raw.headers["x-spidergate-fallback-from"] == "openai/gpt-6.1-terra"
    assert raw.headers["x-spidergate-model"] == "anthropic/claude-sonnet-5-5"
    assert raw.parse().choices[0].message.content


def test_invalid_request_is_400_and_reaches_no_upstream(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant()
    before = len(sandbox.requests())
    with pytest.raises(openai.BadRequestError) as caught:
        tenant.client().chat.completions.create(model="default", messages=[])
    assert caught.value.status_code == 400
    assert caught.value.body["param"] == "messages"  # type: ignore[index]
    response = httpx.post(
        tenant.gateway.url + "/chat/completions",
        json={"model": "default"},
        headers={"authorization": f"Bearer {tenant.token}"},
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "messages"
    assert len(sandbox.requests()) == before


def test_unknown_model_is_404_model_not_found(make_tenant) -> None:
    tenant = make_tenant()
    with pytest.raises(openai.NotFoundError) as caught:
        tenant.client().chat.completions.create(model="no-such-model-xyz", messages=HELLO)
    assert caught.value.code == "model_not_found"


def test_stream_cut_after_first_token_ends_with_error_event(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant()
    for label in ("openai-1", "openai-2"):
        sandbox.fault({"kind": "cut_after_first_token"}, api_key=tenant.keys[label])
    stream = tenant.client().chat.completions.create(model="default", messages=HELLO, stream=True)
    received: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in stream:
            if chunk.choices:
                received.append(chunk.choices[0].delta.content or "")
    assert "".join(received), "the first token reached the client before the cut"
    assert "incomplete" in str(caught.value.message)


def test_anthropic_upstream_gives_standard_objects_and_chunks(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=(("anthropic-1", "anthropic", ""),))
    client = tenant.client()
    completion = client.chat.completions.create(model="anthropic/claude-sonnet-5-5", messages=HELLO)
    assert completion.object == "chat.completion" and completion.choices[0].message.content
    tools = [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
            },
        }
    ]
    chunks = list(
        client.chat.completions.create(
            model="anthropic/claude-sonnet-5-5",
            messages=HELLO,
            tools=tools,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert calls and calls[0].function is not None and calls[0].function.name == "lookup"
    assert any(c.choices and c.choices[0].finish_reason == "tool_calls" for c in chunks)
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens > 0
