"""The OpenAI wire for images, speech and transcriptions, through the generic and Azure adapters."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from spidergate.catalog.model import IMAGE, SPEECH, TRANSCRIPTION, ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.azure import AzureOpenAIAdapter
from spidergate.providers.base import (
    AudioUpload,
    BinaryResult,
    Completion,
    ProviderDef,
    Target,
    UpstreamError,
)
from spidergate.providers.openai_compat import OpenAICompatAdapter
from spidergate.providers.openai_media import transcription_usage

OPENAI = ProviderDef(name="openai", display_name="OpenAI", wire="openai", base_url="https://openai.test/v1")
GROQ = ProviderDef(
    name="groq",
    display_name="Groq",
    wire="openai",
    base_url="https://groq.test/openai/v1",
    drop_params=frozenset({"prompt"}),
)
AZURE = ProviderDef(
    name="azure", display_name="Azure OpenAI", wire="azure", auth="api-key", api_version="2024-10-21"
)
KEY = ProviderKey(brand_id="b", key_id="pk_1", provider="openai", label="k1", masked="sk…", secret_name="s")
AZURE_KEY = KEY.model_copy(update={"provider": "azure", "base_url": "https://res.openai.azure.com"})
UPLOAD = AudioUpload(filename="talk.wav", content=b"RIFF....WAVEdata", content_type="audio/wav")


def target(provider: ProviderDef, name: str, mode: str, key: ProviderKey = KEY) -> Target:
    info = ModelInfo(id=f"{provider.name}/{name}", provider=provider.name, model=name, mode=mode)
    return Target(model=info, provider=provider, key=key, api_key="sk-secret-material")


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_images_post_json_and_read_token_usage() -> None:
    seen: list[httpx.Request] = []
    answer = {
        "created": 1,
        "data": [{"b64_json": "aGk="}],
        "usage": {"input_tokens": 12, "output_tokens": 272, "total_tokens": 284},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    adapter = OpenAICompatAdapter(client(handler))
    result = await adapter.images(target(OPENAI, "gpt-image-1", IMAGE), {"model": "image", "prompt": "fox"})
    assert str(seen[0].url) == "https://openai.test/v1/images/generations"
    assert json.loads(seen[0].content) == {"model": "gpt-image-1", "prompt": "fox"}
    assert seen[0].headers["authorization"] == "Bearer sk-secret-material"
    assert isinstance(result, Completion)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (12, 272)
    assert result.raw == httpx.Response(200, json=answer).content


async def test_speech_returns_the_audio_bytes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ID3audio", headers={"content-type": "audio/mpeg"})

    adapter = OpenAICompatAdapter(client(handler))
    body = {"model": "tts", "input": "hi", "voice": "alloy", "response_format": "mp3"}
    result = await adapter.speech(target(OPENAI, "tts-1", SPEECH), body)
    assert isinstance(result, BinaryResult)
    assert (result.content, result.content_type) == (b"ID3audio", "audio/mpeg")
    assert str(seen[0].url) == "https://openai.test/v1/audio/speech"
    assert json.loads(seen[0].content)["model"] == "tts-1"


async def test_transcription_is_multipart_with_fields_and_file() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"text": "hello", "usage": {"type": "duration", "seconds": 3}})

    adapter = OpenAICompatAdapter(client(handler))
    fields = {"language": ["en"], "timestamp_granularities[]": ["word", "segment"], "prompt": ["names"]}
    result = await adapter.transcription(target(GROQ, "whisper-large-v3", TRANSCRIPTION), fields, UPLOAD)
    request = seen[0]
    assert str(request.url) == "https://groq.test/openai/v1/audio/transcriptions"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = request.content
    assert b'name="model"\r\n\r\nwhisper-large-v3' in body
    assert b'name="language"\r\n\r\nen' in body
    assert body.count(b'name="timestamp_granularities[]"') == 2
    assert b'name="prompt"' not in body  # the provider drops it
    assert b'filename="talk.wav"' in body and b"RIFF....WAVEdata" in body
    assert isinstance(result, Completion) and result.usage.seconds == 3


async def test_text_transcripts_come_back_as_bytes() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=b"1\n00:00:00,000 --> 00:00:01,000\nhi\n\n",
            headers={"content-type": "text/plain; charset=utf-8"},
        )

    adapter = OpenAICompatAdapter(client(handler))
    result = await adapter.transcription(target(OPENAI, "whisper-1", TRANSCRIPTION), {}, UPLOAD)
    assert isinstance(result, BinaryResult)
    assert result.content.startswith(b"1\n00:00:00,000")
    assert result.content_type.startswith("text/plain")


@pytest.mark.parametrize("operation", ["images", "speech", "transcription"])
async def test_upstream_errors_keep_status_and_retry_after(operation: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"error": {"message": "slow down", "type": "requests", "code": None}},
            headers={"retry-after": "7"},
        )

    adapter = OpenAICompatAdapter(client(handler))
    with pytest.raises(UpstreamError) as caught:
        if operation == "images":
            await adapter.images(target(OPENAI, "dall-e-3", IMAGE), {"prompt": "p"})
        elif operation == "speech":
            await adapter.speech(target(OPENAI, "tts-1", SPEECH), {"input": "p", "voice": "alloy"})
        else:
            await adapter.transcription(target(OPENAI, "whisper-1", TRANSCRIPTION), {}, UPLOAD)
    assert (caught.value.status, caught.value.retry_after) == (429, 7.0)
    assert "sk-secret-material" not in caught.value.message


async def test_connection_failures_are_upstream_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    adapter = OpenAICompatAdapter(client(handler))
    with pytest.raises(UpstreamError) as caught:
        await adapter.speech(target(OPENAI, "tts-1", SPEECH), {"input": "p", "voice": "alloy"})
    assert caught.value.kind == "connection"


async def test_azure_uses_deployment_urls_for_media() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"audio", headers={"content-type": "audio/wav"})

    adapter = AzureOpenAIAdapter(client(handler))
    await adapter.speech(target(AZURE, "tts-1", SPEECH, AZURE_KEY), {"input": "p", "voice": "alloy"})
    assert str(seen[0].url) == (
        "https://res.openai.azure.com/openai/deployments/tts-1/audio/speech?api-version=2024-10-21"
    )
    assert seen[0].headers["api-key"] == "sk-secret-material"


def test_transcription_usage_shapes() -> None:
    tokens = transcription_usage(
        {
            "text": "t",
            "usage": {
                "type": "tokens",
                "input_tokens": 50,
                "output_tokens": 9,
                "total_tokens": 59,
                "input_token_details": {"text_tokens": 5, "audio_tokens": 45},
            },
        }
    )
    assert (tokens.prompt_tokens, tokens.completion_tokens, tokens.seconds) == (50, 9, 0)
    assert transcription_usage({"text": "t", "usage": {"type": "duration", "seconds": 4}}).seconds == 4
    verbose = transcription_usage(
        {"text": "t", "duration": 3.21, "usage": {"type": "duration", "seconds": 4}}
    )
    assert verbose.seconds == 3.21
    assert transcription_usage({"text": "t"}).seconds == 0
