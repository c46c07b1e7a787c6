"""The official OpenAI SDK against the media endpoints in-process (its own request shapes and parsing)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.functional.media_harness import MediaStack, media_stack, s3_form_post, wav


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    with media_stack(monkeypatch) as stack:
        yield stack


def sdk(media: MediaStack) -> openai.AsyncOpenAI:
    transport = httpx.ASGITransport(media.app)
    return openai.AsyncOpenAI(
        api_key=media.bearer, base_url="http://gateway.test/api/gate/v1", max_retries=0,
        http_client=httpx.AsyncClient(transport=transport),
    )  # fmt: skip


async def test_sdk_embeddings_speech_images(media: MediaStack) -> None:
    client = sdk(media)
    embedded = await client.embeddings.create(model="embed-large", input=["a", "b"], dimensions=64)
    assert [len(d.embedding) for d in embedded.data] == [64, 64]  # the SDK asked for base64 and decoded it
    assert embedded.usage.prompt_tokens > 0
    spoken = await client.audio.speech.create(
        model="tts-1-hd", voice="shimmer", input="Hi.", response_format="flac"
    )
    assert spoken.content.startswith(b"fLaC")
    image = await client.images.generate(model="dall-e-3", prompt="a kite", size="1024x1792", quality="hd")
    assert image.data and image.data[0].url
    assert [r.endpoint for r in sorted(media.records(), key=lambda r: r.started_at)] == [
        "embeddings",
        "speech",
        "images",
    ]


async def test_sdk_transcription_direct_and_by_upload_reference(media: MediaStack) -> None:
    client = sdk(media)
    direct = await client.audio.transcriptions.create(
        model="whisper-1", file=("hi.wav", wav(1.0), "audio/wav")
    )
    assert "hi.wav" in direct.text
    granted = (
        await media.post(
            "/uploads", json={"filename": "long.wav", "content_type": "audio/wav", "bytes": len(wav(8.0))}
        )
    ).json()
    stored = s3_form_post(granted["url"], granted["fields"], "long.wav", wav(8.0), "audio/wav")
    assert stored.status_code == 204
    by_ref = await client.audio.transcriptions.create(
        model="whisper-1",
        file=("ref.txt", b""),
        extra_body={"upload_id": granted["upload_id"]},
        response_format="verbose_json",
    )
    assert "long.wav" in by_ref.text
    assert media.s3_keys() == []


async def test_sdk_sees_openai_errors(media: MediaStack) -> None:
    client = sdk(media)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.images.generate(model="dall-e-3", prompt="p", n=2)
    assert caught.value.body["param"] == "n"  # type: ignore[index]
    with pytest.raises(openai.APIStatusError) as too_big:
        await client.audio.transcriptions.create(
            model="whisper-1",
            file=("big.wav", bytes(media.rt.settings.max_direct_upload_bytes + 1), "audio/wav"),
        )
    assert too_big.value.status_code == 413
