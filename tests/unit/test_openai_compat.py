"""The generic OpenAI-compatible adapter: quirks applied on the way out, minimal parsing back."""

import json
from decimal import Decimal

import httpx
import pytest

from spidergate.catalog.model import ModelInfo, Prices
from spidergate.domain import ProviderKey
from spidergate.providers.base import ProviderDef, Target, UpstreamError
from spidergate.providers.openai_compat import OpenAICompatAdapter

KEY = ProviderKey(brand_id="b", key_id="pk_1", provider="mistral", label="m1", masked="sk…", secret_name="s")


def target(provider: ProviderDef, model: str = "m", caps: frozenset[str] = frozenset({"chat"})) -> Target:
    info = ModelInfo(
        id=f"{provider.name}/{model}",
        provider=provider.name,
        model=model,
        mode="chat",
        prices=Prices(input=Decimal("0.000001"), output=Decimal("0.000002")),
        capabilities=caps,
    )
    return Target(model=info, provider=provider, key=KEY, api_key="sk-secret-material")


MISTRAL = ProviderDef(
    name="mistral",
    display_name="Mistral",
    wire="openai",
    base_url="https://mistral.test/v1",
    drop_params=frozenset({"logit_bias"}),
    rename_params=(("seed", "random_seed"), ("max_completion_tokens", "max_tokens")),
    stream_usage_option=False,
)
OPENAI = ProviderDef(
    name="openai",
    display_name="OpenAI",
    wire="openai",
    base_url="https://openai.test/v1",
    reasoning_rename_params=(("max_tokens", "max_completion_tokens"),),
)

REQ = {
    "model": "fast",
    "messages": [{"role": "user", "content": "hi"}],
    "seed": 5,
    "logit_bias": {"1": 2},
    "max_completion_tokens": 9,
    "include_route_trace": True,
}


def test_prepare_applies_provider_quirks() -> None:
    adapter = OpenAICompatAdapter(httpx.AsyncClient())
    body = adapter.prepare(
        target(MISTRAL), {**REQ, "stream": True, "stream_options": {"include_usage": False}}, stream=True
    )
    assert body["model"] == "m"
    assert body["random_seed"] == 5 and "seed" not in body
    assert body["max_tokens"] == 9 and "max_completion_tokens" not in body
    assert "logit_bias" not in body and "include_route_trace" not in body
    assert "stream_options" not in body  # Mistral rejects it
    openai_body = adapter.prepare(target(OPENAI), {**REQ, "stream": True}, stream=True)
    assert openai_body["stream_options"] == {"include_usage": True}  # always metered


def test_reasoning_models_get_max_completion_tokens() -> None:
    adapter = OpenAICompatAdapter(httpx.AsyncClient())
    body = adapter.prepare(
        target(OPENAI, "o3", frozenset({"chat", "reasoning"})),
        {"model": "o3", "messages": [], "max_tokens": 5},
        stream=False,
    )
    assert body["max_completion_tokens"] == 5 and "max_tokens" not in body


async def test_chat_passes_bytes_through_and_reads_usage() -> None:
    raw = json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "choices": [],
            "usage": {
                "prompt_tokens": 3,
                "completion_tokens": 4,
                "total_tokens": 7,
                "prompt_tokens_details": {"cached_tokens": 1},
            },
        }
    ).encode()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=raw)

    adapter = OpenAICompatAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    result = await adapter.chat(target(OPENAI), REQ)
    assert result.raw == raw
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.cached_tokens) == (
        3,
        4,
        1,
    )
    assert seen[0].url == "https://openai.test/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer sk-secret-material"


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (
            429,
            {"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}},
            "rate_limit_exceeded",
        ),
        # A numeric ``code`` repeats the HTTP status (Gemini, vLLM): not an error code.
        (400, [{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}], None),
        (400, {"object": "error", "message": "bad", "type": "BadRequestError", "code": 400}, None),
        (
            422,
            {
                "object": "error",
                "message": {"detail": [{"type": "extra_forbidden"}]},
                "type": "invalid_request_error",
            },
            "extra_forbidden",  # Mistral's first detail type
        ),
    ],
)
async def test_error_bodies_of_every_shape(status: int, body: object, code: str | None) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers={"retry-after": "3"})

    adapter = OpenAICompatAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    with pytest.raises(UpstreamError) as caught:
        await adapter.chat(target(OPENAI), REQ)
    assert caught.value.status == status
    assert caught.value.code == code
    assert caught.value.retry_after == 3.0
    assert "sk-secret-material" not in str(caught.value)


def sse(*events: bytes) -> bytes:
    return b"".join(b"data: " + e + b"\n\n" for e in events)


async def test_stream_pass_through_marks_usage_chunk() -> None:
    chunk = b'{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}'
    usage = b'{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}'
    body = b": keep-alive\n\n" + sse(chunk, usage, b"[DONE]")

    adapter = OpenAICompatAdapter(
        httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200, content=body)))
    )
    pieces = [p async for p in adapter.chat_stream(target(OPENAI), {**REQ, "stream": True})]
    assert [p.data for p in pieces] == [chunk, usage]
    assert pieces[0].usage is None and not pieces[0].usage_only
    assert pieces[1].usage_only and pieces[1].usage is not None and pieces[1].usage.total_tokens == 3


async def test_stream_without_done_or_with_error_event_raises() -> None:
    chunk = b'{"choices":[{"index":0,"delta":{"content":"Hi"}}]}'
    for body, kind in ((sse(chunk), "stream"), (sse(chunk, b'{"error":{"message":"overloaded"}}'), "stream")):
        client = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda _, b=body: httpx.Response(200, content=b))
        )
        got = []
        with pytest.raises(UpstreamError) as caught:
            async for piece in OpenAICompatAdapter(client).chat_stream(target(OPENAI), REQ):
                got.append(piece)
        assert caught.value.kind == kind
        assert [p.data for p in got] == [chunk]


async def test_transport_failures_are_mapped() -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    def slow(_: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    for handler, kind in ((refuse, "connection"), (slow, "timeout")):
        adapter = OpenAICompatAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        with pytest.raises(UpstreamError) as caught:
            await adapter.chat(target(OPENAI), REQ)
        assert caught.value.kind == kind
