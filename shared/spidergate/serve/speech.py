"""Text-to-speech: validated up front, routed like chat, answered with the audio, billed per character."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spidergate.catalog.model import SPEECH
from spidergate.domain import Principal
from spidergate.providers.base import BinaryResult
from spidergate.schemas.audio import SpeechRequest
from spidergate.schemas.validation import validate
from spidergate.serve.buffered import BufferedAnswer, buffered, route, settle_charge
from spidergate.serve.candidates import choose_models
from spidergate.serve.exchange import Exchange
from spidergate.serve.media_cost import speech_charge, worst_speech
from spidergate.usage import estimate
from spidergate.usage.counts import Usage

if TYPE_CHECKING:
    from spidergate.runtime import Runtime

GATEWAY_FIELDS = frozenset({"include_route_trace"})


async def create_speech(
    rt: Runtime, principal: Principal, request_id: str, payload: dict[str, Any]
) -> BufferedAnswer:
    """Serve one speech request (raises GatewayError for the client; failures are recorded)."""
    req = validate(SpeechRequest, payload)
    exchange = Exchange(rt, principal, request_id, "speech", req.model)
    models = await choose_models(exchange, SPEECH, req.problem_with)
    characters = len(req.input)
    prompt = estimate.text_tokens(req.input) + estimate.text_tokens(req.instructions or "")
    exchange.record.usage = Usage(prompt_tokens=prompt, characters=characters, estimated=True)
    body = {k: v for k, v in payload.items() if k not in GATEWAY_FIELDS}
    served = await route(
        exchange,
        models,
        SPEECH,
        token_estimate=prompt,
        worst_cost=lambda model: worst_speech(model, characters, prompt, req.speed or 1.0),
        call=lambda adapter, target: adapter.speech(target, body),
    )
    result: BinaryResult = served.result
    settle_charge(
        exchange, speech_charge(served.target.model, characters, prompt, result.content, req.audio_format)
    )
    return await buffered(exchange, result.content, req.content_type, binary=True)
