"""DynamoDB typed attribute values <-> Python, as boto3's TypeSerializer/TypeDeserializer do.

Our own because ``boto3.dynamodb.types`` imports all of boto3 (about 0.1 s at every cold start)
for two small functions. Same mapping: numbers become ``N`` strings and come back as ``Decimal``
(floats are refused: they would lose precision silently), sets become ``SS``/``NS``/``BS``, and
binary values come back as ``bytes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# DynamoDB's number rules: 38 digits of precision, exponents within -130..125.
_NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def _number(value: int | Decimal) -> str:
    if isinstance(value, Decimal) and not value.is_finite():
        raise TypeError("Infinity and NaN are not DynamoDB numbers")
    return str(_NUMBERS.create_decimal(value))


def serialize(value: Any) -> dict[str, Any]:
    """One Python value as a typed attribute value (``{"S": "x"}``, ``{"N": "1"}``, ...)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": _number(value)}
    if isinstance(value, float):
        raise TypeError("floats are not supported: use Decimal")
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, Set):
        return _serialize_set(value)
    if isinstance(value, Mapping):
        return {"M": {str(k): serialize(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [serialize(v) for v in value]}
    raise TypeError(f"{type(value).__name__} is not a DynamoDB type")


def _serialize_set(value: Set[Any]) -> dict[str, Any]:
    if not value:
        raise TypeError("DynamoDB sets cannot be empty")
    if all(isinstance(v, str) for v in value):
        return {"SS": list(value)}
    if all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in value):
        return {"NS": [_number(v) for v in value]}
    if all(isinstance(v, bytes | bytearray) for v in value):
        return {"BS": [bytes(v) for v in value]}
    raise TypeError("a DynamoDB set holds strings, numbers or binary values, one kind only")


def deserialize(attribute: Mapping[str, Any]) -> Any:
    """One typed attribute value as Python (numbers as ``Decimal``)."""
    if len(attribute) != 1:
        raise TypeError(f"not a typed attribute value: {dict(attribute)!r}")
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return Decimal(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: deserialize(v) for k, v in value.items()}
    if kind == "L":
        return [deserialize(v) for v in value]
    if kind == "B":
        return bytes(value)
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {Decimal(v) for v in value}
    if kind == "BS":
        return {bytes(v) for v in value}
    raise TypeError(f"unknown DynamoDB type {kind!r}")
