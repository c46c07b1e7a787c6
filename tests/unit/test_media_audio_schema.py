"""Speech, transcription and upload request validation with their per-model rules."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.catalog.model import SPEECH, TRANSCRIPTION, ModelInfo
from spidergate.errors import InvalidRequest
from spidergate.schemas.audio import (
    REFERENCE_VOICES,
    SpeechRequest,
    TranscriptionRequest,
    UploadRequest,
    transcription_fields,
)
from spidergate.schemas.validation import validate


def speech_model(name: str) -> ModelInfo:
    return ModelInfo(id=f"openai/{name}", provider="openai", model=name, mode=SPEECH)


def stt_model(name: str) -> ModelInfo:
    return ModelInfo(id=f"openai/{name}", provider="openai", model=name, mode=TRANSCRIPTION)


def speech(**fields: Any) -> SpeechRequest:
    return validate(SpeechRequest, {"model": "tts-1", "input": "Hello there.", "voice": "alloy", **fields})


def transcription(**fields: Any) -> TranscriptionRequest:
    return validate(TranscriptionRequest, {"model": "whisper-1", **fields})


# -- speech ---------------------------------------------------------------------------------


@pytest.mark.parametrize("voice", sorted(REFERENCE_VOICES))
def test_reference_voices_on_every_openai_tts_model(voice: str) -> None:
    for name in ("tts-1", "tts-1-hd", "gpt-4o-mini-tts"):
        assert speech(voice=voice).problem_with(speech_model(name)) is None


def test_unknown_voice_is_a_400_naming_voice() -> None:
    found = speech(voice="bogus").problem_with(speech_model("tts-1"))
    assert found is not None and found.param == "voice" and "alloy" in found.message
    # The newer voices and custom voices are GPT TTS only.
    assert speech(voice="coral").problem_with(speech_model("tts-1")) is not None
    assert speech(voice="coral").problem_with(speech_model("gpt-4o-mini-tts")) is None
    assert speech(voice={"id": "voice_123"}).problem_with(speech_model("gpt-4o-mini-tts")) is None
    assert speech(voice={"id": "voice_123"}).problem_with(speech_model("tts-1-hd")) is not None


def test_other_providers_voices_pass_to_the_upstream() -> None:
    assert speech(voice="tara").problem_with(speech_model("canopylabs/orpheus-v1-english")) is None


def test_instructions_only_for_gpt_tts() -> None:
    found = speech(instructions="calm").problem_with(speech_model("tts-1"))
    assert found is not None and found.param == "instructions"
    assert speech(instructions="calm").problem_with(speech_model("gpt-4o-mini-tts")) is None


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("mp3", "audio/mpeg"),
        ("opus", "audio/opus"),
        ("aac", "audio/aac"),
        ("flac", "audio/flac"),
        ("wav", "audio/wav"),
        ("pcm", "audio/pcm"),
    ],
)
def test_formats_and_content_types(fmt: str, content_type: str) -> None:
    assert speech(response_format=fmt).content_type == content_type


def test_default_format_is_mp3() -> None:
    assert (speech().audio_format, speech().content_type) == ("mp3", "audio/mpeg")


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"response_format": "ogg"}, "response_format"),
        ({"speed": 0.2}, "speed"),
        ({"speed": 4.1}, "speed"),
        ({"input": "x" * 4097}, "input"),
        ({"input": ""}, "input"),
        ({"stream_format": "sse"}, "stream_format"),
        ({"voice": 3}, "voice"),
    ],
)
def test_speech_generic_checks(fields: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        speech(**fields)
    assert caught.value.param == param


def test_speech_limits_inclusive() -> None:
    assert speech(speed=0.25).speed == 0.25
    assert speech(speed=4).speed == 4
    assert len(speech(input="y" * 4096).input) == 4096


# -- transcription --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "verbose_json", "vtt"])
def test_whisper_takes_every_format(fmt: str) -> None:
    assert transcription(response_format=fmt).problem_with(stt_model("whisper-1")) is None


@pytest.mark.parametrize("name", ["gpt-4o-transcribe", "gpt-4o-mini-transcribe"])
def test_gpt_transcribe_only_json_and_text(name: str) -> None:
    for fmt in ("json", "text"):
        assert transcription(response_format=fmt).problem_with(stt_model(name)) is None
    for fmt in ("srt", "verbose_json", "vtt"):
        found = transcription(response_format=fmt).problem_with(stt_model(name))
        assert found is not None and found.param == "response_format"


def test_granularities_need_verbose_json() -> None:
    found = transcription(timestamp_granularities=["word"]).problem_with(stt_model("whisper-1"))
    assert found is not None and found.param == "timestamp_granularities"
    ok = transcription(timestamp_granularities=["word"], response_format="verbose_json")
    assert ok.problem_with(stt_model("whisper-1")) is None


def test_logprobs_only_gpt_json() -> None:
    assert transcription(include=["logprobs"]).problem_with(stt_model("gpt-4o-transcribe")) is None
    found = transcription(include=["logprobs"]).problem_with(stt_model("whisper-1"))
    assert found is not None and found.param == "include"


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"temperature": "1.5"}, "temperature"),
        ({"temperature": "-0.1"}, "temperature"),
        ({"response_format": "xml"}, "response_format"),
        ({"language": "english!"}, "language"),
        ({"upload_id": "upl_../../x"}, "upload_id"),
        ({"stream": "true"}, None),
    ],
)
def test_transcription_generic_checks(fields: dict[str, Any], param: str | None) -> None:
    with pytest.raises(InvalidRequest) as caught:
        transcription(**fields)
    assert caught.value.param == param


def test_form_values_parse() -> None:
    req = transcription(temperature="0.3", language="en", upload_id="upl_" + "a" * 32)
    assert (req.temperature, req.language, req.output_format) == (0.3, "en", "json")


def test_transcription_fields_from_a_form() -> None:
    form = {
        "model": ["whisper-1"],
        "timestamp_granularities[]": ["word", "segment"],
        "language": ["fr", "en"],
    }
    assert transcription_fields(form) == {
        "model": "whisper-1",
        "timestamp_granularities": ["word", "segment"],
        "language": "en",
    }


# -- uploads --------------------------------------------------------------------------------


def test_upload_request() -> None:
    req = validate(UploadRequest, {"filename": "talk.mp3", "content_type": "Audio/MPEG", "bytes": 10})
    assert req.content_type == "audio/mpeg"
    for bad, param in [
        ({"bytes": 0}, "bytes"),
        ({"content_type": "nonsense"}, "content_type"),
        ({"filename": ""}, "filename"),
        ({"extra": 1}, "extra"),
    ]:
        with pytest.raises(InvalidRequest) as caught:
            validate(UploadRequest, {"filename": "a.wav", "content_type": "audio/wav", "bytes": 5, **bad})
        assert caught.value.param == param
