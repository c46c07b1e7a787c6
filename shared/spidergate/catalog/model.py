"""Catalog records: what a model is, what it can do and what each unit of it costs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Modes as the source catalog names them.
CHAT = "chat"
EMBEDDING = "embedding"
IMAGE = "image_generation"
SPEECH = "audio_speech"
TRANSCRIPTION = "audio_transcription"


@dataclass(frozen=True, slots=True)
class Prices:
    """USD per unit. Token prices are per single token; ``None`` means not priced."""

    input: Decimal = Decimal(0)
    output: Decimal = Decimal(0)
    cached_input: Decimal | None = None  # cache reads; falls back to ``input``
    cache_write: Decimal | None = None  # cache creation; falls back to ``input``
    reasoning: Decimal | None = None  # reasoning output tokens; falls back to ``output``
    per_image: Decimal | None = None
    per_character: Decimal | None = None  # text-to-speech input characters
    per_second: Decimal | None = None  # transcription audio seconds
    # Per image by "WxH/quality" (or "WxH" where the source has no quality). ``per_image`` is the
    # model's own flat price or, without one, the dearest entry (a ceiling). Look a request's price
    # up with ``spidergate.catalog.images.image_price``.
    image_prices: tuple[tuple[str, Decimal], ...] = ()

    @property
    def free(self) -> bool:
        return not any(
            p
            for p in (
                self.input,
                self.output,
                self.cached_input,
                self.cache_write,
                self.reasoning,
                self.per_image,
                self.per_character,
                self.per_second,
            )
            if p
        )


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One routable model. ``id`` is canonical ``provider/model``; ``model`` is the upstream name."""

    id: str
    provider: str
    model: str
    mode: str
    context_window: int | None = None
    max_output: int | None = None
    prices: Prices = field(default_factory=Prices)
    capabilities: frozenset[str] = frozenset()
    deprecation_date: str | None = None
    # What the model refuses that its wire otherwise takes ("sampling_params", "assistant_prefill").
    refuses: frozenset[str] = frozenset()

    @property
    def free(self) -> bool:
        return self.prices.free

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities
