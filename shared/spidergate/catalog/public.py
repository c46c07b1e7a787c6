"""The public model object: OpenAI's ``{"id", "object": "model", ...}`` plus a ``spidergate_info`` block.

Prices are JSON numbers in USD: token classes per million tokens (``null`` when the class has no
price of its own and bills at the base input/output price), media per unit (image, character,
second). ``image_prices`` maps ``WxH/quality`` to USD per image.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from spidergate.catalog.model import ModelInfo

_MILLION = Decimal(1_000_000)


def public_view(model: ModelInfo, aliases: tuple[str, ...], created: int) -> dict[str, Any]:
    """Everything public about ``model`` except ``configured`` (which depends on the caller)."""
    p = model.prices
    return {
        "id": model.id,
        "object": "model",
        "created": created,
        "owned_by": model.provider,
        "spidergate_info": {
            "provider": model.provider,
            "model": model.model,
            "mode": model.mode,
            "capabilities": sorted(model.capabilities),
            "context_window": model.context_window,
            "max_output": model.max_output,
            "pricing": {
                "currency": "USD",
                "input_per_million": _per_million(p.input),
                "output_per_million": _per_million(p.output),
                "cached_input_per_million": _per_million(p.cached_input),
                "cache_write_per_million": _per_million(p.cache_write),
                "reasoning_per_million": _per_million(p.reasoning),
                "per_image": _number(p.per_image),
                "per_character": _number(p.per_character),
                "per_second": _number(p.per_second),
                "image_prices": {label: float(price) for label, price in p.image_prices},
            },
            "free": model.free,
            "aliases": list(aliases),
            "deprecation_date": model.deprecation_date,
        },
    }


def with_configured(view: dict[str, Any], configured: bool) -> dict[str, Any]:
    """A copy of a precomputed view with the caller's ``configured`` flag (shares the inner values)."""
    return {**view, "spidergate_info": {**view["spidergate_info"], "configured": configured}}


def _per_million(price: Decimal | None) -> float | None:
    return None if price is None else float(price * _MILLION)


def _number(price: Decimal | None) -> float | None:
    return None if price is None else float(price)
