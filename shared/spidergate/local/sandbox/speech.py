"""``POST /v1/audio/speech``: real audio bytes in every ``response_format`` (see ``audio_formats``)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from spidergate.local.sandbox import audio_formats
from spidergate.local.sandbox.call import BadRequest, SandboxCall, require_model
from spidergate.local.sandbox.text import count_tokens, stable_hex

MAX_INPUT_CHARS = 4096
MAX_SECONDS = 3.0

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


ENCODERS: dict[str, Callable[[float, float], bytes]] = {
    "mp3": lambda s, _f: audio_formats.mp3(s),
    "opus": lambda s, _f: audio_formats.ogg_opus(s),
    "aac": lambda s, _f: audio_formats.adts_aac(s),
    "flac": lambda s, _f: audio_formats.flac(s),
    "wav": lambda s, f: audio_formats.wav(audio_formats.pcm(s, f)),
    "pcm": audio_formats.pcm,
}


def handle_speech(call: SandboxCall) -> Response:
    """``POST /v1/audio/speech``: audio bytes in ``response_format`` (default mp3)."""
    body = call.body
    require_model(body)
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("'input' is required.", "input")
    if len(text) > MAX_INPUT_CHARS:
        raise BadRequest(f"'input' must be at most {MAX_INPUT_CHARS} characters.", "input")
    voice = body.get("voice")
    if not isinstance(voice, str) or not voice:
        raise BadRequest("'voice' is required.", "voice")
    fmt = body.get("response_format", "mp3")
    if fmt not in ENCODERS:
        raise BadRequest(f"'response_format' must be one of {', '.join(ENCODERS)}.", "response_format")
    speed = body.get("speed", 1.0)
    if not isinstance(speed, int | float) or isinstance(speed, bool) or not 0.25 <= speed <= 4.0:
        raise BadRequest("'speed' must be between 0.25 and 4.0.", "speed")
    # About three words a second at speed 1, kept short: the sandbox proves formats, not prosody.
    seconds = min(MAX_SECONDS, max(0.2, count_tokens(text) / 3.0 / speed))
    frequency = 200 + int(stable_hex(voice, length=4), 16) % 400
    audio = ENCODERS[fmt](seconds, frequency)
    return Response(audio, media_type=CONTENT_TYPES[fmt], headers={"x-request-id": call.request_id})
