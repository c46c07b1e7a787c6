"""Our attribute-value mapping is boto3's, without importing boto3 at cold start."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

from spidergate.attribute_values import deserialize, serialize

VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -17,
    10**30,
    Decimal("0.0000031500"),
    Decimal("1E+3"),
    "",
    "naïve ✓",
    b"\x00\xff",
    {"a": 1, "b": [1, "x", None, {"c": Decimal("2.5")}], "d": {}},
    [],
    ("t", 1),
    {"x", "y"},
    {1, Decimal("2.5")},
    {b"a", b"b"},
]


def _normal(value: Any) -> Any:
    """boto3 wraps binary values in Binary; we return plain bytes."""
    if isinstance(value, Binary):
        return bytes(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, set):
        return {_normal(v) for v in value}
    return value


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_serialize_matches_boto3(value: Any) -> None:
    ours, theirs = serialize(value), TypeSerializer().serialize(value)
    if set(ours) & {"SS", "NS", "BS"}:  # set order is arbitrary
        ((kind, items),) = ours.items()
        assert sorted(items) == sorted(theirs[kind])
    else:
        assert ours == theirs


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_deserialize_matches_boto3(value: Any) -> None:
    typed = TypeSerializer().serialize(value)
    assert _normal(deserialize(typed)) == _normal(TypeDeserializer().deserialize(typed))


@pytest.mark.parametrize("value", [1.5, Decimal("NaN"), Decimal("1E+200"), set(), {1, "a"}, object()])
def test_what_dynamodb_cannot_hold_is_refused(value: Any) -> None:
    with pytest.raises((TypeError, ArithmeticError)):
        serialize(value)


def test_the_core_does_not_import_boto3_for_it() -> None:
    import subprocess
    import sys

    code = "import sys, spidergate.dynamo; print('boto3' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
