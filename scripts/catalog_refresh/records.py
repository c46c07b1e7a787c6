"""One LiteLLM entry -> one catalog record: mode, capabilities, limits and decimal-string prices."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from spidergate.catalog.capabilities import FLAG_CAPABILITY, FLAG_REFUSAL, MODE_CAPABILITY

IMAGE_MODE = "image_generation"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def make_record(
    model_id: str, entry: Mapping[str, Any], *, allow_unpriced: bool = False
) -> dict[str, Any] | None:
    """The catalog record for ``model_id``; None if the entry has no price (unless allowed)."""
    provider, model = model_id.split("/", 1)
    mode = entry["mode"]
    prices = _prices(entry, mode)
    if not prices and not allow_unpriced:
        return None
    capabilities = {MODE_CAPABILITY[mode]}
    capabilities.update(cap for flag, cap in FLAG_CAPABILITY.items() if entry.get(flag) is True)
    record: dict[str, Any] = {
        "provider": provider,
        "model": model,
        "mode": mode,
        "capabilities": sorted(capabilities),
        "prices": prices,
    }
    refuses = sorted(refusal for flag, refusal in FLAG_REFUSAL.items() if entry.get(flag) is False)
    if refuses:
        record["refuses"] = refuses
    context = _int(entry.get("max_input_tokens"))
    if context is not None:
        record["context_window"] = context
    max_output = _int(entry.get("max_output_tokens"))
    if max_output is not None:
        record["max_output"] = max_output
    deprecation = entry.get("deprecation_date")
    if isinstance(deprecation, str) and _DATE.match(deprecation):
        record["deprecation_date"] = deprecation
    return record


def _prices(entry: Mapping[str, Any], mode: str) -> dict[str, str]:
    """Per-token prices (and the per-unit price of the mode's media) as decimal strings."""
    input_price = first_number(
        entry, "input_cost_per_token", "input_cost_per_audio_token" if mode == "audio_transcription" else ""
    )
    output_fallback = {
        "audio_speech": "output_cost_per_audio_token",
        IMAGE_MODE: "output_cost_per_image_token",
    }
    output_price = first_number(entry, "output_cost_per_token", output_fallback.get(mode, ""))
    fields = {
        "input": input_price,
        "output": output_price,
        "cached_input": first_number(entry, "cache_read_input_token_cost", "input_cost_per_token_cache_hit"),
        "cache_write": first_number(entry, "cache_creation_input_token_cost"),
        "reasoning": first_number(entry, "output_cost_per_reasoning_token"),
    }
    # Media prices only where the endpoint meters that unit; chat entries carry legacy per-image and
    # per-character prices that no chat response reports.
    if mode == IMAGE_MODE:
        fields["per_image"] = first_nonzero(entry, "input_cost_per_image", "output_cost_per_image")
    elif mode == "audio_speech":
        fields["per_character"] = first_number(entry, "input_cost_per_character")
    elif mode == "audio_transcription":
        fields["per_second"] = first_number(entry, "input_cost_per_second")
    return {name: decimal_text(value) for name, value in fields.items() if value is not None}


def first_number(entry: Mapping[str, Any], *names: str) -> Decimal | None:
    """The first of ``names`` the entry holds as a number (not a bool), as an exact Decimal."""
    for name in names:
        value = entry.get(name) if name else None
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            return Decimal(repr(value))
    return None


def first_nonzero(entry: Mapping[str, Any], *names: str) -> Decimal | None:
    """Like ``first_number`` but skips zeros (image entries often carry 0 on the side they do not bill)."""
    values = [first_number(entry, name) for name in names]
    return next((v for v in values if v), next((v for v in values if v is not None), None))


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def decimal_text(value: Decimal) -> str:
    """Plain notation, no exponent, no trailing zeros: ``1.5e-07`` -> ``0.00000015``."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def is_priced(record: Mapping[str, Any]) -> bool:
    """Whether any price of the record (flat or per image size) is non-zero."""
    values = list(record["prices"].values()) + list(record.get("image_prices", {}).values())
    return any(Decimal(v) for v in values)


def has_other_cost(entry: Mapping[str, Any]) -> bool:
    """Whether the entry has a positive price in any ``*cost*`` field, metered by us or not."""
    return any(
        "cost" in field and isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        for field, value in entry.items()
    )
