"""Thin helpers over the low-level DynamoDB client (typed attribute values <-> Python)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from spidergate.attribute_values import deserialize, serialize


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """Python dict -> DynamoDB item; ``None`` values are left out, floats become Decimals."""
    return {k: serialize(_clean(v)) for k, v in data.items() if v is not None}


def to_value(value: Any) -> dict[str, Any]:
    return serialize(_clean(value))


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: deserialize(v) for k, v in item.items()}


def values(mapping: dict[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from a plain mapping."""
    return {k: to_value(v) for k, v in mapping.items()}
