"""Exact cost of a request: each token class and media unit at the catalog's price."""

from __future__ import annotations

from decimal import Decimal

from spidergate.catalog.model import ModelInfo
from spidergate.usage.counts import Usage

_MICRO = Decimal("0.0000000001")


def cost(model: ModelInfo, usage: Usage) -> Decimal:
    """USD for ``usage`` on ``model``.

    Prompt tokens split into uncached input, cache reads and cache writes; completion tokens
    into visible output and reasoning. A class without its own price uses the base price.
    """
    p = model.prices
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    written = min(usage.cache_write_tokens, usage.prompt_tokens - cached)
    plain_input = usage.prompt_tokens - cached - written
    reasoning = min(usage.reasoning_tokens, usage.completion_tokens)
    plain_output = usage.completion_tokens - reasoning
    total = (
        plain_input * p.input
        + cached * (p.cached_input if p.cached_input is not None else p.input)
        + written * (p.cache_write if p.cache_write is not None else p.input)
        + plain_output * p.output
        + reasoning * (p.reasoning if p.reasoning is not None else p.output)
    )
    if usage.images and p.per_image:
        total += usage.images * p.per_image
    if usage.characters and p.per_character:
        total += usage.characters * p.per_character
    if usage.seconds and p.per_second:
        total += Decimal(str(usage.seconds)) * p.per_second
    return Decimal(total).quantize(_MICRO)


def worst_case(
    model: ModelInfo, prompt_tokens: int, max_output: int | None, units: Usage | None = None
) -> Decimal:
    """The most a request can cost: its prompt estimate plus the output ceiling, all uncached."""
    out = max_output or model.max_output or 4096
    usage = Usage(prompt_tokens=prompt_tokens, completion_tokens=out)
    p = model.prices
    base = cost(model, usage)
    # Reasoning may be priced above output; assume the dearer class for the ceiling.
    if p.reasoning is not None and p.reasoning > p.output:
        base += out * (p.reasoning - p.output)
    if units is not None:
        base += cost(model, Usage(images=units.images, characters=units.characters, seconds=units.seconds))
    return base.quantize(_MICRO)
