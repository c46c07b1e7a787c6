"""POST /audio/speech and /audio/transcriptions (direct uploads) in-process, with their costs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.functional.media_harness import MediaStack, error_of, media_stack, wav


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    with media_stack(monkeypatch) as stack:
        yield stack


# -- speech ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("mp3", "audio/mpeg", b"ID3"),
        ("opus", "audio/opus", b"OggS"),
        ("aac", "audio/aac", b"\xff\xf1"),
        ("flac", "audio/flac", b"fLaC"),
        ("wav", "audio/wav", b"RIFF"),
        ("pcm", "audio/pcm", b""),
    ],
)
async def test_speech_returns_audio_with_its_content_type(
    media: MediaStack, fmt: str, content_type: str, magic: bytes
) -> None:
    text = "The quick brown fox jumps over the lazy dog."
    r = await media.post(
        "/audio/speech", json={"model": "tts-1", "input": text, "voice": "nova", "response_format": fmt}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == content_type
    assert r.content.startswith(magic) and len(r.content) > 100
    record = media.only_record()
    assert (record.endpoint, record.usage.characters) == ("speech", len(text))
    assert record.cost == len(text) * media.model("openai/tts-1").prices.per_character


async def test_tts_alias_on_a_token_priced_model_is_estimated(media: MediaStack) -> None:
    r = await media.post(
        "/audio/speech",
        json={
            "model": "tts",
            "input": "Hello there, friend.",
            "voice": "coral",
            "response_format": "wav",
            "instructions": "warm",
        },
    )
    assert r.status_code == 200, r.text
    record = media.only_record()
    assert record.served_model == "openai/gpt-4o-mini-tts"
    assert record.usage.estimated and record.usage.seconds > 0 and record.cost > 0


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"voice": "robot"}, "voice"),
        ({"response_format": "ogg"}, "response_format"),
        ({"speed": 5}, "speed"),
        ({"input": "x" * 4097}, "input"),
        ({"instructions": "calm"}, "instructions"),
    ],
)
async def test_speech_validation(media: MediaStack, body: dict, param: str) -> None:
    r = await media.post("/audio/speech", json={"model": "tts-1", "input": "hi", "voice": "alloy", **body})
    assert r.status_code == 400, r.text
    assert error_of(r)["param"] == param
    assert media.records() == []


# -- transcription --------------------------------------------------------------------------


async def test_transcription_json_billed_by_the_reported_seconds(media: MediaStack) -> None:
    audio = wav(2.5)
    r = await media.post(
        "/audio/transcriptions",
        data={"model": "whisper-1", "language": "en"},
        files={"file": ("talk.wav", audio, "audio/wav")},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "talk.wav" in body["text"]
    record = media.only_record()
    seconds = body["usage"]["seconds"]
    assert (record.endpoint, record.usage.seconds, record.usage.estimated) == (
        "transcription",
        seconds,
        False,
    )
    assert record.cost == Decimal(str(seconds)) * media.model("openai/whisper-1").prices.per_second


async def test_text_transcripts_billed_by_the_wav_duration(media: MediaStack) -> None:
    r = await media.post(
        "/audio/transcriptions",
        data={"model": "whisper-1", "response_format": "srt"},
        files={"file": ("talk.wav", wav(3.25), "audio/wav")},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("1\n00:00:00,000 --> ")
    record = media.only_record()
    assert (record.usage.seconds, record.usage.estimated) == (3.25, False)
    assert record.cost == Decimal("3.25") * media.model("openai/whisper-1").prices.per_second


async def test_verbose_json_uses_the_exact_duration(media: MediaStack) -> None:
    r = await media.post(
        "/audio/transcriptions",
        files={"file": ("talk.wav", wav(2.0), "audio/wav")},
        data={
            "model": "whisper-1",
            "response_format": "verbose_json",
            "timestamp_granularities[]": ["word", "segment"],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "words" in body
    assert media.only_record().usage.seconds == body["duration"]
    sent = (await media.upstream_requests("/v1/audio/transcriptions"))[0]
    assert "timestamp_granularities[]" in sent["fields"] and "upload_id" not in sent["fields"]


async def test_non_wav_audio_is_an_estimate(media: MediaStack) -> None:
    webm = b"\x1aE\xdf\xa3" + bytes(48_000)
    r = await media.post(
        "/audio/transcriptions",
        data={"model": "whisper-1", "response_format": "text"},
        files={"file": ("talk.webm", webm, "audio/webm")},
    )
    assert r.status_code == 200, r.text
    record = media.only_record()
    assert record.usage.estimated and record.usage.seconds == pytest.approx(len(webm) / 16_000, abs=0.001)


async def test_gpt_transcribe_reports_tokens(media: MediaStack) -> None:
    r = await media.post(
        "/audio/transcriptions",
        data={"model": "gpt-4o-transcribe"},
        files={"file": ("talk.wav", wav(4.0), "audio/wav")},
    )
    assert r.status_code == 200, r.text
    usage = r.json()["usage"]
    record = media.only_record()
    assert (record.usage.prompt_tokens, record.usage.completion_tokens) == (
        usage["input_tokens"],
        usage["output_tokens"],
    )
    # Priced per second in the catalog: the file's exact length, not the tokens.
    assert record.usage.seconds == 4.0
    assert record.cost == Decimal("4.0") * media.model("openai/gpt-4o-transcribe").prices.per_second
    assert math.isclose(float(record.cost), 4.0 * 0.0001)


@pytest.mark.parametrize(
    ("data", "param"),
    [
        ({"model": "gpt-4o-transcribe", "response_format": "srt"}, "response_format"),
        ({"model": "whisper-1", "temperature": "1.5"}, "temperature"),
        ({"model": "whisper-1", "timestamp_granularities[]": "word"}, "timestamp_granularities"),
        ({"model": "tts-1"}, "model"),
        ({"language": "en"}, "model"),
    ],
)
async def test_transcription_validation(media: MediaStack, data: dict, param: str) -> None:
    r = await media.post("/audio/transcriptions", data=data, files={"file": ("a.wav", wav(0.5), "audio/wav")})
    assert r.status_code == 400, r.text
    assert error_of(r)["param"] == param
    assert media.records() == []
    assert await media.upstream_requests("/v1/audio/transcriptions") == []


async def test_transcription_needs_a_file(media: MediaStack) -> None:
    r = await media.post("/audio/transcriptions", data={"model": "whisper-1"})
    assert r.status_code == 400
    assert error_of(r)["param"] == "file"
    empty = await media.post(
        "/audio/transcriptions", data={"model": "whisper-1"}, files={"file": ("a.wav", b"", "audio/wav")}
    )
    assert empty.status_code == 400 and error_of(empty)["param"] == "file"


async def test_malformed_multipart_is_a_400(media: MediaStack) -> None:
    r = await media.post(
        "/audio/transcriptions",
        content=b"--xyz\r\nnot a part",
        headers={"content-type": "multipart/form-data"},
    )
    assert r.status_code == 400, r.text
    other = await media.post("/audio/transcriptions", content=b"{}", headers={"content-type": "text/plain"})
    assert other.status_code == 400


async def test_answer_too_large_for_lambda_is_a_recorded_non_retryable_502(media: MediaStack) -> None:
    media.rt.settings.max_response_bytes = 2_000  # base64 of the WAV below is far larger
    r = await media.post(
        "/audio/speech",
        json={
            "model": "tts-1",
            "input": "A long enough sentence to speak.",
            "voice": "alloy",
            "response_format": "wav",
        },
    )
    assert r.status_code == 502, r.text
    assert r.headers["x-should-retry"] == "false"
    assert error_of(r)["code"] == "response_too_large"
    record = media.only_record()
    assert (record.status, record.error_code) == (502, "response_too_large")
    assert record.cost > 0  # the upstream was paid
