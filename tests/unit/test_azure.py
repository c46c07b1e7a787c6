"""Azure OpenAI adapter: deployment URLs, the v1 form and the ``api-key`` header."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.azure import AzureOpenAIAdapter
from spidergate.providers.base import Completion, ProviderDef, StreamPiece, Target, UpstreamError

SECRET = "azure-secret-key"
AZURE = get_catalog().providers["azure"]  # the real parameter rules
CHAT = {"model": "azure/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "yo"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


def target(
    base_url: str, provider: ProviderDef = AZURE, deployment: str = "gpt-4o", mode: str = "chat"
) -> Target:
    info = ModelInfo(id=f"azure/{deployment}", provider="azure", model=deployment, mode=mode)
    key = ProviderKey(
        brand_id="b",
        key_id="pk_z",
        provider="azure",
        label="z",
        masked="az…",
        secret_name="s",
        base_url=base_url,
    )
    return Target(model=info, provider=provider, key=key, api_key=SECRET)


class Recorder:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response


def chat(recorder: Recorder, tgt: Target, request: dict[str, Any] = CHAT) -> Completion:
    async def go() -> Completion:
        async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
            return await AzureOpenAIAdapter(http).chat(tgt, request)

    return asyncio.run(go())


@pytest.mark.parametrize(
    "base_url",
    [
        "https://res.openai.azure.com",
        "https://res.openai.azure.com/openai",
        "https://res.openai.azure.com/openai/v1/",
    ],
)
def test_default_is_the_v1_api_without_api_version_and_with_the_api_key_header(base_url: str) -> None:
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    completion = chat(recorder, target(base_url, deployment="my-gpt4o"))
    sent = recorder.requests[0]
    assert str(sent.url) == "https://res.openai.azure.com/openai/v1/chat/completions"
    assert json.loads(sent.content)["model"] == "my-gpt4o"
    assert sent.headers["api-key"] == SECRET
    assert "authorization" not in sent.headers
    assert completion.body["choices"][0]["message"]["content"] == "yo"
    assert completion.usage.total_tokens == 4


def test_v1_reasoning_deployment_gets_max_completion_tokens_and_keeps_current_fields() -> None:
    """What 2024-10-21 refused (max_completion_tokens, reasoning_effort, store, developer) goes to v1."""
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    info = ModelInfo(
        id="azure/o4-mini",
        provider="azure",
        model="o4-mini",
        mode="chat",
        capabilities=frozenset({"chat", "reasoning"}),
    )
    tgt = target("https://res.openai.azure.com")
    tgt = Target(model=info, provider=tgt.provider, key=tgt.key, api_key=SECRET)
    request = {
        "model": "azure/o4-mini",
        "messages": [{"role": "developer", "content": "terse"}, {"role": "user", "content": "hi"}],
        "max_tokens": 50,
        "reasoning_effort": "low",
        "store": False,
    }
    chat(recorder, tgt, request)
    sent = recorder.requests[0]
    body = json.loads(sent.content)
    assert sent.url.path == "/openai/v1/chat/completions"
    assert "api-version" not in sent.url.params
    assert body["max_completion_tokens"] == 50
    assert "max_tokens" not in body
    assert (body["reasoning_effort"], body["store"], body["messages"][0]["role"]) == (
        "low",
        False,
        "developer",
    )


def test_a_key_pins_a_dated_api_version_through_its_base_url() -> None:
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    chat(recorder, target("https://res.openai.azure.com/openai?api-version=2024-12-01-preview"))
    assert str(recorder.requests[0].url) == (
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-12-01-preview"
    )


def test_an_explicit_v1_base_keeps_v1_with_a_preview_query() -> None:
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    chat(recorder, target("https://res.openai.azure.com/openai/v1?api-version=preview"))
    assert (
        str(recorder.requests[0].url)
        == "https://res.openai.azure.com/openai/v1/chat/completions?api-version=preview"
    )


def test_provider_api_version_overrides_the_default() -> None:
    preview = ProviderDef(
        name="azure", display_name="Azure", wire="azure", auth="api-key", api_version="2025-04-01-preview"
    )
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    chat(recorder, target("https://res.openai.azure.com", preview))
    assert str(recorder.requests[0].url) == (
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        "?api-version=2025-04-01-preview"
    )


def test_bearer_auth_sends_an_entra_token() -> None:
    entra = ProviderDef(name="azure", display_name="Azure", wire="azure", auth="bearer")
    recorder = Recorder(httpx.Response(200, json=COMPLETION))
    chat(recorder, target("https://res.openai.azure.com", entra))
    assert recorder.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert "api-key" not in recorder.requests[0].headers


def test_embeddings_name_the_deployment_as_model() -> None:
    body = {"object": "list", "data": [], "model": "emb", "usage": {"prompt_tokens": 2, "total_tokens": 2}}
    recorder = Recorder(httpx.Response(200, json=body))

    async def go() -> Completion:
        async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
            return await AzureOpenAIAdapter(http).embeddings(
                target("https://res.openai.azure.com", deployment="emb"), {"input": "x"}
            )

    completion = asyncio.run(go())
    assert str(recorder.requests[0].url) == "https://res.openai.azure.com/openai/v1/embeddings"
    assert json.loads(recorder.requests[0].content)["model"] == "emb"
    assert completion.usage.prompt_tokens == 2


def test_streaming_uses_the_v1_url() -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": "yo"}, "finish_reason": None}],
    }
    usage = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
    text = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(usage)}\n\ndata: [DONE]\n\n"
    recorder = Recorder(httpx.Response(200, text=text, headers={"content-type": "text/event-stream"}))

    async def go() -> list[StreamPiece]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
            return [
                p
                async for p in AzureOpenAIAdapter(http).chat_stream(
                    target("https://res.openai.azure.com"), CHAT
                )
            ]

    pieces = asyncio.run(go())
    assert recorder.requests[0].url.path == "/openai/v1/chat/completions"
    assert pieces[-1].usage_only
    assert pieces[-1].usage is not None
    assert pieces[-1].usage.total_tokens == 4


def test_azure_rate_limit_keeps_retry_after() -> None:
    error = {"error": {"code": "429", "message": "Requests to the deployment have exceeded the rate limit"}}
    recorder = Recorder(httpx.Response(429, json=error, headers={"retry-after": "12"}))
    with pytest.raises(UpstreamError) as info:
        chat(recorder, target("https://res.openai.azure.com"))
    assert info.value.status == 429
    assert info.value.retry_after == 12.0
    assert SECRET not in info.value.message
