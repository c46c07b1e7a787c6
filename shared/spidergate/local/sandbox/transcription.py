"""``POST /v1/audio/transcriptions``: a transcript derived from the upload's name and size."""

from __future__ import annotations

import math
from typing import Any

from starlette.responses import Response

from spidergate.local.sandbox.call import BadRequest, SandboxCall
from spidergate.local.sandbox.text import count_tokens
from spidergate.local.sandbox.wire import json_response

FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
_TOKEN_MODELS = ("gpt-4o-transcribe", "gpt-4o-mini-transcribe")  # json/text only, billed in tokens
_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ja": "japanese",
    "zh": "chinese",
}
BYTES_PER_SECOND = 32_000  # as if the upload were 16 kHz, 16-bit mono PCM


def timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def handle_transcription(call: SandboxCall) -> Response:
    """``POST /v1/audio/transcriptions`` (multipart): the transcript in ``response_format``."""
    upload = call.files.get("file")
    if upload is None:
        raise BadRequest("'file' is required.", "file")
    if not upload.data:
        raise BadRequest("The audio file is empty.", "file")
    model = call.form_value("model")
    if not model:
        raise BadRequest("you must provide a model parameter", "model")
    fmt = call.form_value("response_format") or "json"
    token_model = model.startswith(_TOKEN_MODELS)
    if fmt not in FORMATS or (token_model and fmt not in ("json", "text")):
        raise BadRequest(
            f"response_format '{fmt}' is not compatible with model '{model}'.", "response_format"
        )
    temperature = call.form_value("temperature")
    if temperature is not None:
        try:
            if not 0 <= float(temperature) <= 1:
                raise ValueError(temperature)
        except ValueError as exc:
            raise BadRequest("'temperature' must be a number between 0 and 1.", "temperature") from exc
    language = call.form_value("language") or ""
    size = len(upload.data)
    duration = max(1.0, round(size / BYTES_PER_SECOND, 2))
    text = f"Sandbox transcript of {upload.filename}, {size} bytes."
    if language:
        text += f" Language: {language}."
    headers = {"x-request-id": call.request_id}
    if fmt == "text":
        return Response(text + "\n", media_type="text/plain", headers=headers)
    if fmt == "srt":
        cue = f"1\n{timestamp(0, ',')} --> {timestamp(duration, ',')}\n{text}\n\n"
        return Response(cue, media_type="text/plain", headers=headers)
    if fmt == "vtt":
        cue = f"WEBVTT\n\n{timestamp(0, '.')} --> {timestamp(duration, '.')}\n{text}\n\n"
        return Response(cue, media_type="text/plain", headers=headers)
    if fmt == "json":
        usage: dict[str, Any] = {"type": "duration", "seconds": math.ceil(duration)}
        if token_model:
            audio_tokens = math.ceil(duration * 10)
            prompt_tokens = count_tokens(call.form_value("prompt") or "")
            output = count_tokens(text)
            usage = {
                "type": "tokens",
                "input_tokens": audio_tokens + prompt_tokens,
                "input_token_details": {"text_tokens": prompt_tokens, "audio_tokens": audio_tokens},
                "output_tokens": output,
                "total_tokens": audio_tokens + prompt_tokens + output,
            }
        return json_response({"text": text, "usage": usage}, headers=headers)
    return json_response(_verbose(call, text, duration, language), headers=headers)


def _verbose(call: SandboxCall, text: str, duration: float, language: str) -> dict[str, Any]:
    temperature = float(call.form_value("temperature") or 0)
    segment = {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": duration,
        "text": f" {text}",
        "tokens": list(range(50364, 50364 + count_tokens(text))),
        "temperature": temperature,
        "avg_logprob": -0.25,
        "compression_ratio": 1.0,
        "no_speech_prob": 0.01,
    }
    result: dict[str, Any] = {
        "task": "transcribe",
        "language": _LANGUAGES.get(language or "en", language),
        "duration": duration,
        "text": text,
        "segments": [segment],
        "usage": {"type": "duration", "seconds": math.ceil(duration)},
    }
    if "word" in call.fields.get("timestamp_granularities[]", []):
        words = text.split()
        step = duration / len(words)
        result["words"] = [
            {"word": w, "start": round(i * step, 3), "end": round((i + 1) * step, 3)}
            for i, w in enumerate(words)
        ]
    return result
