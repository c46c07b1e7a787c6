"""The sandbox's OpenAI media endpoints in-process: embeddings, images, speech and transcriptions."""

from __future__ import annotations

import base64
import io
import struct
import wave
import zlib
from typing import Any

import httpx
import pytest

from spidergate.local.sandbox import SandboxApp, create_sandbox_app
from tests.unit.sandbox_http import AUTH, send


@pytest.fixture
def app() -> SandboxApp:
    return create_sandbox_app()


# -- embeddings ---------------------------------------------------------------------------------
def test_embeddings_are_deterministic_unit_vectors_of_the_native_size(app: SandboxApp) -> None:
    body = {"model": "text-embedding-3-small", "input": ["hello world", "other text"]}
    first = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()
    again = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()
    assert first["object"] == "list"
    assert [d["index"] for d in first["data"]] == [0, 1]
    vectors = [d["embedding"] for d in first["data"]]
    assert all(len(v) == 1536 for v in vectors)
    assert abs(sum(x * x for x in vectors[0]) - 1.0) < 1e-9
    assert vectors[0] != vectors[1]
    assert vectors == [d["embedding"] for d in again["data"]]
    assert first["usage"] == {"prompt_tokens": 4, "total_tokens": 4}


def test_embeddings_honour_dimensions_and_base64(app: SandboxApp) -> None:
    body = {"model": "text-embedding-3-large", "input": "hello", "dimensions": 256}
    floats = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()["data"][0]["embedding"]
    assert len(floats) == 256
    body["encoding_format"] = "base64"
    encoded = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()["data"][0]["embedding"]
    decoded = struct.unpack("<256f", base64.b64decode(encoded))
    assert decoded == pytest.approx(floats, abs=1e-6)


def test_embeddings_accept_token_arrays(app: SandboxApp) -> None:
    one = send(app, "POST", "/v1/embeddings", headers=AUTH, json={"model": "e", "input": [1, 2, 3]}).json()
    many = send(
        app, "POST", "/v1/embeddings", headers=AUTH, json={"model": "e", "input": [[1, 2], [3]]}
    ).json()
    assert len(one["data"]) == 1
    assert one["usage"]["prompt_tokens"] == 3
    assert len(many["data"]) == 2
    assert many["usage"]["prompt_tokens"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"model": "e", "input": ""},
        {"model": "e", "input": []},
        {"model": "e", "input": [""]},
        {"model": "text-embedding-ada-002", "input": "x", "dimensions": 8},
        {"model": "text-embedding-3-small", "input": "x", "dimensions": 3072},
        {"model": "e", "input": "x", "encoding_format": "int8"},
    ],
)
def test_embeddings_refuse_invalid_input(app: SandboxApp, body: dict[str, Any]) -> None:
    r = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"


# -- images -------------------------------------------------------------------------------------
def png_chunks(data: bytes) -> list[bytes]:
    """Chunk types of a PNG, checking the signature and every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        kinds.append(kind)
        pos += 12 + length
    return kinds


def test_images_b64_json_is_a_valid_png(app: SandboxApp) -> None:
    body = {"model": "gpt-image-1", "prompt": "a red fox", "n": 2}
    r = send(app, "POST", "/v1/images/generations", headers=AUTH, json=body)
    data = r.json()["data"]
    assert len(data) == 2
    assert png_chunks(base64.b64decode(data[0]["b64_json"])) == [b"IHDR", b"IDAT", b"IEND"]
    assert r.json()["usage"]["input_tokens"] == 3


def test_images_url_points_at_a_png_the_sandbox_serves(app: SandboxApp) -> None:
    body = {"model": "dall-e-3", "prompt": "a red fox", "response_format": "url"}
    item = send(app, "POST", "/v1/images/generations", headers=AUTH, json=body).json()["data"][0]
    assert item["revised_prompt"] == "a red fox"
    url = httpx.URL(item["url"])
    image = send(app, "GET", url.path)
    assert image.headers["content-type"] == "image/png"
    assert png_chunks(image.content)[0] == b"IHDR"


# -- speech -------------------------------------------------------------------------------------
def speech(app: SandboxApp, fmt: str | None) -> httpx.Response:
    body: dict[str, Any] = {"model": "tts-1", "input": "Hello from the sandbox today", "voice": "alloy"}
    if fmt:
        body["response_format"] = fmt
    return send(app, "POST", "/v1/audio/speech", headers=AUTH, json=body)


def test_speech_wav_is_a_riff_pcm_file(app: SandboxApp) -> None:
    r = speech(app, "wav")
    assert r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, 24000)
        assert audio.getnframes() > 0
        assert any(audio.readframes(audio.getnframes()))


def test_speech_pcm_is_raw_samples_matching_the_wav_payload(app: SandboxApp) -> None:
    raw = speech(app, "pcm")
    assert raw.headers["content-type"] == "audio/pcm"
    with wave.open(io.BytesIO(speech(app, "wav").content)) as audio:
        assert raw.content == audio.readframes(audio.getnframes())


def test_speech_defaults_to_mp3_frames_after_an_id3_tag(app: SandboxApp) -> None:
    r = speech(app, None)
    assert r.headers["content-type"] == "audio/mpeg"
    data = r.content
    assert data[:3] == b"ID3"
    size = sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frames = data[10 + size :]
    assert frames[:4] == b"\xff\xfb\x90\xc4"
    assert len(frames) % 417 == 0
    assert frames[417:421] == b"\xff\xfb\x90\xc4"


def test_speech_opus_is_an_ogg_opus_stream(app: SandboxApp) -> None:
    r = speech(app, "opus")
    assert r.headers["content-type"] == "audio/opus"
    data = r.content
    assert data[:4] == b"OggS"
    assert data[28:36] == b"OpusHead"
    assert b"OpusTags" in data
    assert data[5] == 0x02  # first page: beginning of stream


def test_speech_flac_and_aac_carry_their_format_headers(app: SandboxApp) -> None:
    flac = speech(app, "flac")
    assert flac.headers["content-type"] == "audio/flac"
    assert flac.content[:4] == b"fLaC"
    assert flac.content[8 + 34 : 8 + 36] == b"\xff\xf8"  # the first frame follows STREAMINFO
    aac = speech(app, "aac")
    assert aac.headers["content-type"] == "audio/aac"
    assert aac.content[0] == 0xFF
    assert aac.content[1] & 0xF0 == 0xF0
    frame_length = ((aac.content[3] & 0x03) << 11) | (aac.content[4] << 3) | (aac.content[5] >> 5)
    assert aac.content[frame_length : frame_length + 2] == aac.content[:2]


@pytest.mark.parametrize(
    "body",
    [
        {"model": "tts-1", "voice": "alloy"},
        {"model": "tts-1", "input": "hi"},
        {"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "ogg"},
        {"model": "tts-1", "input": "hi", "voice": "alloy", "speed": 9},
        {"model": "tts-1", "input": "x" * 4097, "voice": "alloy"},
    ],
)
def test_speech_refuses_invalid_requests(app: SandboxApp, body: dict[str, Any]) -> None:
    assert send(app, "POST", "/v1/audio/speech", headers=AUTH, json=body).status_code == 400


# -- transcriptions -----------------------------------------------------------------------------
def transcribe(
    app: SandboxApp, fmt: str | None = None, model: str = "whisper-1", **fields: str
) -> httpx.Response:
    data = {"model": model, **fields}
    if fmt:
        data["response_format"] = fmt
    files = {"file": ("meeting.wav", b"\x00\x01" * 40_000, "audio/wav")}
    return send(app, "POST", "/v1/audio/transcriptions", headers=AUTH, data=data, files=files)


def test_transcription_json_text_is_derived_from_the_file_name_and_size(app: SandboxApp) -> None:
    body = transcribe(app).json()
    assert body["text"] == "Sandbox transcript of meeting.wav, 80000 bytes."
    assert body["usage"] == {"type": "duration", "seconds": 3}


def test_transcription_token_models_report_token_usage(app: SandboxApp) -> None:
    usage = transcribe(app, model="gpt-4o-transcribe", prompt="names: Ada").json()["usage"]
    assert usage["type"] == "tokens"
    assert usage["input_token_details"]["text_tokens"] == 2
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_transcription_text_srt_and_vtt_are_plain_text(app: SandboxApp) -> None:
    text = transcribe(app, "text", language="en")
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == "Sandbox transcript of meeting.wav, 80000 bytes. Language: en.\n"
    srt = transcribe(app, "srt").text
    assert srt.startswith("1\n00:00:00,000 --> 00:00:02,500\nSandbox transcript")
    vtt = transcribe(app, "vtt").text
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n")


def test_transcription_verbose_json_has_segments_and_words_on_request(app: SandboxApp) -> None:
    plain = transcribe(app, "verbose_json", language="fr").json()
    assert plain["language"] == "french"
    assert plain["duration"] == 2.5
    assert plain["segments"][0]["end"] == 2.5
    assert "words" not in plain
    worded = transcribe(app, "verbose_json", **{"timestamp_granularities[]": "word"}).json()
    assert [w["word"] for w in worded["words"]] == worded["text"].split()


@pytest.mark.parametrize(
    ("fmt", "model", "extra"),
    [("srt", "gpt-4o-transcribe", {}), ("xml", "whisper-1", {}), (None, "whisper-1", {"temperature": "3"})],
)
def test_transcription_refuses_invalid_options(
    app: SandboxApp, fmt: str | None, model: str, extra: dict[str, str]
) -> None:
    assert transcribe(app, fmt, model=model, **extra).status_code == 400


def test_transcription_requires_a_file(app: SandboxApp) -> None:
    r = send(
        app,
        "POST",
        "/v1/audio/transcriptions",
        headers=AUTH,
        data={"model": "whisper-1"},
        files={"x": ("a", b"1")},
    )
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "file"
