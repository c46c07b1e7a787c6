"""Transcription: a direct upload or a presigned-upload reference, routed like chat, billed per second."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spidergate.catalog.model import TRANSCRIPTION
from spidergate.domain import Principal
from spidergate.errors import InvalidRequest
from spidergate.providers.base import AudioUpload, Completion
from spidergate.schemas.audio import TranscriptionRequest, is_audio_type, transcription_fields
from spidergate.schemas.validation import validate
from spidergate.serve.audio_duration import audio_duration
from spidergate.serve.buffered import BufferedAnswer, buffered, json_answer, route, settle_charge
from spidergate.serve.candidates import choose_models
from spidergate.serve.exchange import Exchange
from spidergate.serve.media_cost import transcription_charge, worst_transcription
from spidergate.serve.uploads import claim_upload, discard_upload, safe_filename
from spidergate.usage import estimate
from spidergate.usage.counts import Usage

if TYPE_CHECKING:
    from spidergate.runtime import Runtime

# Form fields the gateway consumes itself (the adapter sets ``model``; the audio travels as ``file``).
_OWN_FIELDS = frozenset({"file", "upload_id", "model", "include_route_trace"})


async def create_transcription(
    rt: Runtime, principal: Principal, request_id: str, form: dict[str, list[str]], file: AudioUpload | None
) -> BufferedAnswer:
    """Serve one transcription: ``form`` holds the text fields, ``file`` the direct upload if any.

    With an ``upload_id`` field the audio comes from the presigned upload instead (the OpenAI SDK
    always sends a ``file``, so a placeholder one is ignored then).
    """
    req = validate(TranscriptionRequest, transcription_fields(form))
    if req.upload_id is None and (file is None or not file.content):
        raise InvalidRequest(
            "Send the audio as the `file` field, or upload it first (POST /uploads) and pass its `upload_id`."
            if file is None
            else "The audio file is empty.",
            param="file",
        )
    exchange = Exchange(rt, principal, request_id, "transcription", req.model)
    models = await choose_models(exchange, TRANSCRIPTION, req.problem_with)
    stored = await claim_upload(rt, principal, req.upload_id) if req.upload_id else None
    audio = forwardable(stored.audio if stored is not None else file)
    duration = audio_duration(audio.content, audio.filename)
    prompt = estimate.text_tokens(req.prompt or "")
    exchange.record.usage = Usage(prompt_tokens=prompt, seconds=round(duration.seconds, 3), estimated=True)
    fields = {k: v for k, v in form.items() if k not in _OWN_FIELDS}
    served = await route(
        exchange,
        models,
        TRANSCRIPTION,
        token_estimate=prompt,
        worst_cost=lambda model: worst_transcription(model, duration, len(audio.content), prompt),
        call=lambda adapter, target: adapter.transcription(target, fields, audio),
    )
    if stored is not None:
        await discard_upload(rt, stored)
    result = served.result
    settle_charge(exchange, transcription_charge(served.target.model, result.usage, duration))
    if isinstance(result, Completion):
        return await json_answer(exchange, result)
    return await buffered(exchange, result.content, result.content_type, binary=False)


def forwardable(audio: AudioUpload | None) -> AudioUpload:
    """The audio as sent upstream: a bare, safe file name (never a path such as ``../../etc/passwd``)
    and a content type that is audio, else ``application/octet-stream`` (the provider sniffs it)."""
    assert audio is not None
    kind = audio.content_type if is_audio_type(audio.content_type) else "application/octet-stream"
    return AudioUpload(filename=safe_filename(audio.filename), content=audio.content, content_type=kind)
