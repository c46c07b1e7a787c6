"""Speech and transcription requests (``CreateSpeechRequest``, ``CreateTranscriptionRequest``), per-model
rules, and the upload request of the presigned S3 flow for audio larger than a direct upload.

Speech: OpenAI's TTS models take the reference's voices (alloy, echo, fable, onyx, nova, shimmer);
``gpt-4o-mini-tts`` also takes OpenAI's newer voices and a custom ``{"id": ...}`` voice, and
``instructions``. Transcription: ``whisper*`` takes every response format; the GPT transcription
models (``gpt-4o-transcribe``, ``gpt-4o-mini-transcribe``, ``gpt-transcribe``) only json and text
(the diarizing one also diarized_json). Other providers' models get the generic checks only.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from spidergate.catalog.model import ModelInfo
from spidergate.errors import InvalidRequest

MAX_SPEECH_CHARS = 4096
REFERENCE_VOICES = frozenset({"alloy", "echo", "fable", "onyx", "nova", "shimmer"})
GPT_TTS_VOICES = REFERENCE_VOICES | {"ash", "ballad", "coral", "sage", "verse", "marin", "cedar"}
SPEECH_CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
TranscriptFormat = Literal["json", "text", "srt", "verbose_json", "vtt", "diarized_json"]
UPLOAD_ID = re.compile(r"^upl_[0-9a-f]{32}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
# Containers the transcription models read (OpenAI: flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm):
# any audio/* type, and the video/* names some clients give the same mp4/mpeg/webm/ogg audio files.
AUDIO_VIDEO_CONTAINERS = frozenset({"video/mp4", "video/mpeg", "video/webm", "video/ogg"})


def is_audio_type(content_type: str) -> bool:
    """Whether ``content_type`` (parameters ignored) names audio a transcription model can read."""
    base = content_type.split(";", 1)[0].strip().lower()
    return bool(_MIME.match(base)) and (base.startswith("audio/") or base in AUDIO_VIDEO_CONTAINERS)


_MIME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")
_WHISPER_FORMATS = frozenset({"json", "text", "srt", "verbose_json", "vtt"})


def _is_openai_tts(name: str) -> bool:
    return name.startswith(("tts-1", "gpt-4o-mini-tts", "gpt-4o-tts"))


class CustomVoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)


class SpeechRequest(BaseModel):
    """The OpenAI text-to-speech request; ``model`` may be a task alias (``tts``, ``tts-hd``)."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    input: str = Field(min_length=1, max_length=MAX_SPEECH_CHARS)
    voice: str | CustomVoice
    instructions: str | None = Field(default=None, max_length=MAX_SPEECH_CHARS)
    response_format: SpeechFormat | None = None
    speed: float | None = Field(default=None, ge=0.25, le=4.0)
    stream_format: str | None = None

    @field_validator("stream_format")
    @classmethod
    def _audio_only(cls, value: str | None) -> str | None:
        if value not in (None, "audio"):
            raise ValueError("only 'audio' is supported (the gateway returns the whole file)")
        return value

    @property
    def audio_format(self) -> str:
        return self.response_format or "mp3"

    @property
    def content_type(self) -> str:
        return SPEECH_CONTENT_TYPES[self.audio_format]

    def problem_with(self, model: ModelInfo) -> InvalidRequest | None:
        """Why ``model`` cannot take this request (a 400 naming the parameter), or None."""
        name = model.model
        if not _is_openai_tts(name):
            return None
        gpt = not name.startswith("tts-1")
        if isinstance(self.voice, CustomVoice):
            if not gpt:
                return InvalidRequest(f"`{name}` takes only a built-in voice name.", param="voice")
        else:
            voices = GPT_TTS_VOICES if gpt else REFERENCE_VOICES
            if self.voice not in voices:
                return InvalidRequest(
                    f"Unknown voice `{self.voice}` for `{name}`; use one of {', '.join(sorted(voices))}.",
                    param="voice",
                )
        if self.instructions is not None and not gpt:
            return InvalidRequest(f"`{name}` does not take `instructions`.", param="instructions")
        return None


class TranscriptionRequest(BaseModel):
    """The form fields of a transcription request (the audio comes apart: a file or an upload_id)."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    response_format: TranscriptFormat | None = None
    language: str | None = None
    prompt: str | None = Field(default=None, max_length=16000)
    temperature: float | None = Field(default=None, ge=0, le=1)
    timestamp_granularities: list[Literal["word", "segment"]] | None = None
    include: list[Literal["logprobs"]] | None = None
    stream: bool | None = None
    upload_id: str | None = None

    @field_validator("language")
    @classmethod
    def _iso_639(cls, value: str | None) -> str | None:
        if value is not None and not _LANGUAGE.match(value):
            raise ValueError("must be an ISO-639-1 code such as 'en'")
        return value

    @field_validator("upload_id")
    @classmethod
    def _upload_id(cls, value: str | None) -> str | None:
        if value is not None and not UPLOAD_ID.match(value):
            raise ValueError("must be an id returned by POST /uploads (upl_...)")
        return value

    @model_validator(mode="after")
    def _buffered(self) -> TranscriptionRequest:
        if self.stream:
            raise ValueError("stream is not supported on /audio/transcriptions; leave it out")
        return self

    @property
    def output_format(self) -> str:
        return self.response_format or "json"

    def problem_with(self, model: ModelInfo) -> InvalidRequest | None:
        """Why ``model`` cannot take this request (a 400 naming the parameter), or None."""
        name = model.model
        fmt = self.output_format
        gpt = name.startswith("gpt-") and "transcribe" in name
        diarize = gpt and "diarize" in name
        if gpt:
            allowed = {"json", "text", "diarized_json"} if diarize else {"json", "text"}
        else:
            allowed = set(_WHISPER_FORMATS)
        if fmt not in allowed:
            return InvalidRequest(
                f"response_format `{fmt}` is not supported by `{name}`; "
                f"use one of {', '.join(sorted(allowed))}.",
                param="response_format",
            )
        if self.timestamp_granularities and fmt != "verbose_json":
            return InvalidRequest(
                "timestamp_granularities needs response_format `verbose_json`.",
                param="timestamp_granularities",
            )
        if self.include and not (gpt and not diarize and fmt == "json"):
            return InvalidRequest(
                f"include=logprobs needs response_format `json` and a GPT transcription model, not `{name}`.",
                param="include",
            )
        if diarize and self.prompt is not None:
            return InvalidRequest(f"`{name}` does not take a prompt.", param="prompt")
        return None


class UploadRequest(BaseModel):
    """``POST /uploads``: what the client is about to upload (size checked again when used)."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=3, max_length=255)
    bytes: int = Field(ge=1)

    @field_validator("content_type")
    @classmethod
    def _mime(cls, value: str) -> str:
        if not _MIME.match(value):
            raise ValueError("must be a MIME type such as audio/mpeg")
        if not is_audio_type(value):
            raise ValueError("must be an audio type such as audio/mpeg, audio/wav or audio/mp4")
        return value.lower()


def transcription_fields(form: dict[str, list[str]]) -> dict[str, Any]:
    """Form fields as the request model reads them: ``x[]`` fields as lists, others their last value."""
    fields: dict[str, Any] = {}
    for name, values in form.items():
        if name.endswith("[]"):
            fields[name[:-2]] = list(values)
        elif values:
            fields[name] = values[-1]
    return fields
