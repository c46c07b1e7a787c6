"""Image size/quality variants (``hd/1024-x-1792/dall-e-3``): folded into one model's price table."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .records import decimal_text, first_nonzero

_IMAGE_SIZE = re.compile(r"^(\d+)-x-(\d+)$")
_IMAGE_QUALITIES = frozenset({"standard", "hd", "low", "medium", "high", "auto"})
# Per-pixel prices times an area give long fractions: round to a millionth of a dollar.
_IMAGE_QUANTUM = Decimal("0.000001")


def image_variant(name: str) -> tuple[str, str] | None:
    """``hd/1024-x-1792/dall-e-3`` -> ("1024x1792/hd", "dall-e-3"); None if not a size variant."""
    parts = name.split("/")
    quality: str | None = None
    if parts[0] in _IMAGE_QUALITIES:
        quality, parts = parts[0], parts[1:]
    if len(parts) < 2:
        return None
    size = _IMAGE_SIZE.match(parts[0])
    if size is None or len(parts) != 2:
        return None
    label = f"{size.group(1)}x{size.group(2)}"
    return (f"{label}/{quality}" if quality else label), parts[1]


def looks_like_size_prefix(name: str) -> bool:
    """Whether the name starts with a size segment of another variant scheme (``512-x-512/...``)."""
    first = name.split("/")[0]
    return bool(_IMAGE_SIZE.match(first)) or first == "max-x-max"


def variant_price(entry: Mapping[str, Any], size_quality: str) -> Decimal | None:
    """One image at this size: the per-image price, else the per-pixel price times the area."""
    per_image = first_nonzero(entry, "input_cost_per_image", "output_cost_per_image")
    if not per_image:
        per_pixel = first_nonzero(entry, "input_cost_per_pixel", "output_cost_per_pixel")
        if per_pixel is None:
            return None
        width, height = (int(n) for n in size_quality.split("/")[0].split("x"))
        per_image = (per_pixel * width * height).quantize(_IMAGE_QUANTUM)
    return per_image


def attach_image_prices(record: dict[str, Any], table: Mapping[str, Decimal]) -> None:
    """Add the per size/quality table; ``per_image`` defaults to the dearest (a safe ceiling)."""
    record["image_prices"] = {label: decimal_text(price) for label, price in sorted(table.items())}
    if "per_image" not in record["prices"] and table:
        record["prices"]["per_image"] = decimal_text(max(table.values()))
