"""Cost inline (OpenRouter's convention): ``usage.cost`` in USD on the final usage object, and
``x-spidergate-cost-usd`` on non-streaming responses. The OpenAI and Anthropic SDKs keep the
unknown field (``usage.model_extra["cost"]``)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

COST_HEADER = "x-spidergate-cost-usd"


def with_cost(body: dict[str, Any], cost: Decimal) -> dict[str, Any]:
    """``body`` with ``usage.cost`` set (a copy; a body without usage is returned as is)."""
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return body
    return {**body, "usage": {**usage, "cost": float(cost)}}


def chunk_with_cost(data: bytes, cost: Decimal) -> bytes:
    """A stream chunk's JSON with ``usage.cost`` set (unchanged if it has no usage object)."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return data
    if not isinstance(parsed, dict) or not isinstance(parsed.get("usage"), dict):
        return data
    return json.dumps(with_cost(parsed, cost)).encode()
