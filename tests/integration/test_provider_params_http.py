"""Provider parameter rules end to end: the SDK through the gateway to the sandbox's strict providers."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Sandbox, key_hash_of

pytestmark = pytest.mark.integration

REPLAYED = [
    {"role": "user", "content": "Say hello"},
    {"role": "assistant", "content": "Hello!", "reasoning_content": "A greeting."},
    {"role": "user", "content": "Again"},
]


def test_cerebras_refusals_are_dropped_and_listed_in_the_header(make_tenant, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=(("cerebras-1", "cerebras", "/cerebras/v1"),))
    raw = tenant.client().chat.completions.with_raw_response.create(
        model="cerebras/gpt-oss-120b", messages=REPLAYED, store=True
    )
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-spidergate-dropped-params"] == "messages[].reasoning_content,store"
    sent = [r for r in sandbox.requests() if r["key_hash"] == key_hash_of(tenant.keys["cerebras-1"])][-1][
        "body"
    ]
    assert "store" not in sent
    assert all("reasoning_content" not in m for m in sent["messages"])


def test_streams_carry_the_header_too_and_clean_requests_have_none(make_tenant) -> None:
    tenant = make_tenant(keys=(("gemini-1", "gemini", "/gemini/v1beta/openai"),))
    client = tenant.client()
    with client.chat.completions.with_streaming_response.create(
        model="gemini/gemini-2.5-flash", messages=REPLAYED[:1], stream=True, metadata={"run": "1"}
    ) as response:
        assert response.headers["x-spidergate-dropped-params"] == "metadata"
        assert "".join(response.iter_lines())
    plain = client.chat.completions.with_raw_response.create(
        model="gemini/gemini-2.5-flash", messages=REPLAYED[:1]
    )
    assert "x-spidergate-dropped-params" not in plain.headers


def test_legacy_functions_on_claude_answer_in_the_legacy_shape(make_tenant) -> None:
    tenant = make_tenant(keys=(("anthropic-1", "anthropic", ""),))
    functions: list = [
        {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
    ]
    completion = tenant.client().chat.completions.create(
        model="anthropic/claude-sonnet-4-5", messages=REPLAYED[:1], functions=functions
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "function_call"
    assert choice.message.function_call is not None and choice.message.function_call.name == "lookup"
    assert not choice.message.tool_calls
