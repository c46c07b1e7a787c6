"""Gateway requests and responses checked against the official OpenAI OpenAPI schema."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration import openapi_spec as openapi

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not openapi.available(), reason="the OpenAI spec is not beside the repo"),
]

HELLO = [{"role": "user", "content": "Say hello"}]


def test_chat_completion_request_examples_are_valid_spec_requests() -> None:
    request = {
        "model": "gpt-4o-mini",
        "messages": HELLO,
        "stream": True,
        "stream_options": {"include_usage": True},
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": "auto",
        "max_completion_tokens": 20,
        "n": 1,
        "stop": ["x"],
        "seed": 1,
    }
    assert openapi.errors("CreateChatCompletionRequest", request) == []
    assert openapi.errors(
        "CreateChatCompletionRequest", {"model": "gpt-4o-mini", "messages": []}
    )  # the spec refuses it too


def test_chat_completion_and_chunks_follow_the_spec(make_tenant) -> None:
    tenant = make_tenant()
    headers = {"authorization": f"Bearer {tenant.token}"}
    for model in ("openai/gpt-6.1-terra", "anthropic/claude-sonnet-5-5"):
        body = httpx.post(
            tenant.gateway.url + "/chat/completions",
            headers=headers,
            json={"model": model, "messages": HELLO},
        ).json()
        assert openapi.errors("CreateChatCompletionResponse", body) == [], model
        with httpx.stream(
            "POST",
            tenant.gateway.url + "/chat/completions",
            headers=headers,
            json={
                "model": model,
                "messages": HELLO,
                "stream": True,
                "stream_options": {"include_usage": True},
            },
        ) as response:
            chunks = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: {")]
        assert chunks
        for chunk in chunks:
            assert openapi.errors("CreateChatCompletionStreamResponse", chunk) == [], (model, chunk)


def test_errors_and_models_follow_the_spec(gateway) -> None:
    error = httpx.post(gateway.url + "/chat/completions", json={}).json()
    assert openapi.errors("ErrorResponse", error) == []
    listing = httpx.get(gateway.url + "/models", params={"limit": 20}).json()
    assert openapi.errors("ListModelsResponse", listing) == []
    one = httpx.get(gateway.url + "/models/openai/gpt-4o-mini").json()
    assert openapi.errors("Model", one) == []
