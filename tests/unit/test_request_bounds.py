"""Issue 12 #5: malformed input is a 400 naming what is wrong, never a 500."""

from __future__ import annotations

import pytest

from spidergate.errors import InvalidRequest
from spidergate.schemas.chat import ChatCompletionRequest
from spidergate.schemas.validation import MAX_DEPTH, json_object, validate

CHAT = b'{"model":"fast","messages":[{"role":"user","content":"hi"}]'


@pytest.mark.parametrize("depth", [10_000, 100_000, MAX_DEPTH + 5])
def test_deep_nesting_is_a_400(depth: int) -> None:
    body = CHAT + b',"metadata":' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(InvalidRequest) as caught:
        json_object(body)
    assert "nests deeper" in caught.value.message
    if depth < 1000:
        assert caught.value.param == "metadata"


def test_ordinary_nesting_passes() -> None:
    tools = b'"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"array","items":{"type":"object"}}}}}}]'
    assert json_object(CHAT + b"," + tools + b"}")["tools"][0]["function"]["name"] == "f"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (b'"temperature":1e400', b"overflows"),
        (b'"temperature":NaN', b"NaN"),
        (b'"foo":-Infinity', b"Infinity"),
        (b'"seed":' + b"9" * 400, b"digits"),
    ],
)
def test_non_finite_and_huge_numbers_are_400s(extra: bytes, needle: bytes) -> None:
    with pytest.raises(InvalidRequest) as caught:
        json_object(CHAT + b"," + extra + b"}")
    assert needle.decode() in caught.value.message


@pytest.mark.parametrize("param", ["max_tokens", "max_completion_tokens", "seed"])
def test_out_of_range_counts_name_the_parameter(param: str) -> None:
    payload = json_object(CHAT + f',"{param}":{10**40}}}'.encode())
    with pytest.raises(InvalidRequest) as caught:
        validate(ChatCompletionRequest, payload)
    assert caught.value.param == param and caught.value.status == 400
