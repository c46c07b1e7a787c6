"""The models that may serve a validated media request, chosen before any routing or admission.

Resolved from the request's model or alias, kept if they are of the endpoint's mode and accept
the request's parameters, and only if the brand holds a key for one of their providers: a request
that cannot be served fails here with a 400 that costs nothing and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from spidergate.catalog.model import CHAT, EMBEDDING, IMAGE, SPEECH, TRANSCRIPTION, ModelInfo
from spidergate.errors import InvalidRequest, ModelNotSupported

if TYPE_CHECKING:
    from spidergate.serve.exchange import Exchange

# mode -> (what a model of it is, what the endpoint does, the alias to suggest)
_KINDS = {
    EMBEDDING: ("an embedding", "Embeddings", "embed"),
    IMAGE: ("an image generation", "Image generation", "image"),
    SPEECH: ("a text-to-speech", "Text-to-speech", "tts"),
    TRANSCRIPTION: ("a transcription", "Transcription", "transcribe"),
    CHAT: ("a chat", "Chat", "default"),
}


def require_mode(requested: str, models: tuple[ModelInfo, ...], mode: str) -> None:
    """A 400 (not a retryable 503) when no candidate is of the endpoint's mode: a model of another
    kind named on this endpoint is the client's mistake."""
    if models and not any(m.mode == mode for m in models):
        kind, _, alias = _KINDS[mode]
        raise ModelNotSupported(
            f"`{requested}` is not {kind} model; name one, or use the `{alias}` alias.", param="model"
        )


async def choose_models(
    exchange: Exchange, mode: str, problem: Callable[[ModelInfo], InvalidRequest | None]
) -> tuple[ModelInfo, ...]:
    """The candidates in chain order; raises the first model's problem when none accepts the request."""
    action = _KINDS[mode][1]
    models = await exchange.resolve()
    require_mode(exchange.record.requested_model, models, mode)
    of_mode = [m for m in models if m.mode == mode]
    fitting = [m for m in of_mode if problem(m) is None]
    if not fitting:
        first = problem(of_mode[0])
        assert first is not None
        raise first
    await require_keys(exchange, fitting, action)
    return tuple(fitting)


async def require_keys(exchange: Exchange, models: list[ModelInfo], action: str) -> None:
    """A 400 ``no_provider_key`` unless the brand's vault holds a key for one of ``models``' providers."""
    providers = list(dict.fromkeys(m.provider for m in models))
    rt, brand = exchange.rt, exchange.principal.brand_id
    for provider in providers:
        if await rt.pool.for_provider(brand, provider):
            return
    names = []
    for provider in providers:
        found = rt.catalog.providers.get(provider)
        names.append(found.display_name if found else provider)
    article = "an" if names[0][:1].lower() in "aeiou" else "a"
    raise InvalidRequest(
        f"{action} needs {article} {' or '.join(names)} key in your vault; add one with "
        f"`spidergate vault add --provider {providers[0]} …`.",
        param="model",
        code="no_provider_key",
    )
