"""Embeddings, images, speech and transcription through the gateway process with the openai SDK."""

from __future__ import annotations

import base64
import io
import json
import wave

import pytest

from tests.integration.conftest import Sandbox, wait_for_records

pytestmark = pytest.mark.integration

OPENAI_KEYS = (("openai-1", "openai", "/v1"), ("openai-2", "openai", "/v1"))


def wav_bytes(seconds: float = 1.0, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def test_embeddings_images_speech_transcription(make_tenant, admin, tmp_path) -> None:
    tenant = make_tenant(keys=OPENAI_KEYS)
    client = tenant.client()
    emb = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"], dimensions=256)
    assert len(emb.data) == 2 and len(emb.data[0].embedding) == 256
    encoded = client.embeddings.create(model="embed", input="hello", encoding_format="base64")
    assert encoded.data[0].embedding
    image = client.images.generate(
        model="dall-e-3", prompt="a spider", size="1024x1024", response_format="b64_json"
    )
    assert base64.b64decode(image.data[0].b64_json or "")[:8] == b"\x89PNG\r\n\x1a\n"
    speech = client.audio.speech.create(
        model="tts-1", voice="alloy", input="Hello there", response_format="wav"
    )
    path = tmp_path / "hello.wav"
    speech.write_to_file(path)
    with wave.open(str(path)) as played:
        assert played.getnframes() > 0
    text = client.audio.transcriptions.create(model="whisper-1", file=("hello.wav", wav_bytes(), "audio/wav"))
    assert text.text
    records = wait_for_records(admin, tenant.brand_id, 5)
    by_endpoint = {r.endpoint: r for r in records}
    assert set(by_endpoint) >= {"embeddings", "images", "speech", "transcription"}
    assert all(r.cost > 0 for r in records), [(r.endpoint, r.cost) for r in records]
    assert by_endpoint["speech"].usage.characters == len("Hello there")
    assert by_endpoint["transcription"].usage.seconds == pytest.approx(1.0)


@pytest.mark.parametrize("endpoint", ["embeddings", "images", "speech", "transcription"])
def test_rate_limited_first_key_falls_back_to_second(make_tenant, sandbox: Sandbox, endpoint: str) -> None:
    tenant = make_tenant(keys=OPENAI_KEYS)
    sandbox.fault({"status": 429, "headers": {"retry-after": "5"}}, api_key=tenant.keys["openai-1"])
    client = tenant.client()
    if endpoint == "embeddings":
        raw = client.embeddings.with_raw_response.create(model="text-embedding-3-small", input="x")
    elif endpoint == "images":
        raw = client.images.with_raw_response.generate(
            model="dall-e-3", prompt="x", response_format="b64_json"
        )
    elif endpoint == "speech":
        raw = client.audio.speech.with_raw_response.create(model="tts-1", voice="nova", input="x")
    else:
        raw = client.audio.transcriptions.with_raw_response.create(
            model="whisper-1", file=("a.wav", wav_bytes(0.2), "audio/wav")
        )
    assert raw.status_code == 200
    used = [
        r
        for r in sandbox.requests()
        if r.get("key_hash") in {_hash(tenant.keys["openai-1"]), _hash(tenant.keys["openai-2"])}
    ]
    assert [r["key_hash"] for r in used] == [_hash(tenant.keys["openai-1"]), _hash(tenant.keys["openai-2"])]


def test_bad_media_input_is_400_or_413_and_records_nothing(make_tenant, admin) -> None:
    import httpx

    tenant = make_tenant(keys=OPENAI_KEYS)
    headers = {"authorization": f"Bearer {tenant.token}"}
    url = tenant.gateway.url
    bad_voice = httpx.post(
        url + "/audio/speech", headers=headers, json={"model": "tts-1", "voice": "darth", "input": "x"}
    )
    assert bad_voice.status_code == 400 and bad_voice.json()["error"]["param"] == "voice"
    bad_format = httpx.post(
        url + "/audio/speech",
        headers=headers,
        json={"model": "tts-1", "voice": "alloy", "input": "x", "response_format": "ogg"},
    )
    assert bad_format.status_code == 400
    too_big = httpx.post(
        url + "/audio/transcriptions",
        headers=headers,
        data={"model": "whisper-1"},
        files={"file": ("big.wav", b"\x00" * 5_000_000, "audio/wav")},
    )
    assert too_big.status_code == 413 and "upload" in too_big.json()["error"]["message"]
    no_file = httpx.post(url + "/audio/transcriptions", headers=headers, data={"model": "whisper-1"})
    assert no_file.status_code == 400
    dims = httpx.post(
        url + "/embeddings",
        headers=headers,
        json={"model": "text-embedding-ada-002", "input": "x", "dimensions": 64},
    )
    assert dims.status_code == 400 and json.loads(dims.text)["error"]["param"] == "dimensions"
    assert wait_for_records(admin, tenant.brand_id, 1, timeout=1.0) == []


def _hash(material: str) -> str:
    from tests.integration.conftest import key_hash_of

    return key_hash_of(material)
