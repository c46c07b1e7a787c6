"""Embedding request validation and the per-model ``dimensions`` rules."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.catalog.model import EMBEDDING, ModelInfo
from spidergate.errors import InvalidRequest
from spidergate.schemas.embeddings import EmbeddingRequest, upstream_body
from spidergate.schemas.validation import validate


def model(name: str, window: int | None = 8191) -> ModelInfo:
    return ModelInfo(
        id=f"openai/{name}", provider="openai", model=name, mode=EMBEDDING, context_window=window
    )


def parse(**fields: Any) -> EmbeddingRequest:
    return validate(EmbeddingRequest, {"model": "embed", **fields})


@pytest.mark.parametrize(
    "value",
    ["hello", ["a", "b"], [1, 2, 3], [[1, 2], [3]], ["x"] * 2048],
    ids=["string", "strings", "token-array", "token-arrays", "max-items"],
)
def test_accepts_every_input_shape(value: Any) -> None:
    assert parse(input=value).input == value


@pytest.mark.parametrize(
    "value",
    ["", [], [""], ["a", 1], [[1], []], [True, 2], [-1], ["x"] * 2049, {"text": "a"}, 3, [[1], ["a"]]],
    ids=[
        "empty-str",
        "empty-list",
        "empty-item",
        "mixed",
        "empty-tokens",
        "bool",
        "negative",
        "too-many",
        "object",
        "number",
        "mixed-nested",
    ],
)
def test_rejects_bad_input_naming_it(value: Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse(input=value)
    assert caught.value.param == "input"
    assert caught.value.status == 400


def test_encoding_format_is_float_or_base64() -> None:
    assert parse(input="a", encoding_format="base64").encoding_format == "base64"
    with pytest.raises(InvalidRequest) as caught:
        parse(input="a", encoding_format="int8")
    assert caught.value.param == "encoding_format"


@pytest.mark.parametrize(
    ("name", "top"), [("text-embedding-3-large", 3072), ("text-embedding-3-small", 1536)]
)
def test_dimensions_up_to_the_native_size(name: str, top: int) -> None:
    assert parse(input="a", dimensions=top).problem_with(model(name)) is None
    assert parse(input="a", dimensions=1).problem_with(model(name)) is None
    problem = parse(input="a", dimensions=top + 1).problem_with(model(name))
    assert problem is not None and problem.param == "dimensions" and str(top) in problem.message


def test_dimensions_refused_by_models_without_them() -> None:
    problem = parse(input="a", dimensions=256).problem_with(model("text-embedding-ada-002"))
    assert problem is not None
    assert (problem.param, problem.code) == ("dimensions", "unsupported_parameter")
    assert parse(input="a").problem_with(model("text-embedding-ada-002")) is None


def test_dimensions_must_be_positive() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse(input="a", dimensions=0)
    assert caught.value.param == "dimensions"


def test_token_arrays_longer_than_the_window_are_refused_per_input() -> None:
    fits = parse(input=[[1] * 10, [2] * 10])
    assert fits.problem_with(model("text-embedding-3-small", window=10)) is None
    too_long = parse(input=[[1] * 10, [2] * 11])
    problem = too_long.problem_with(model("text-embedding-3-small", window=10))
    assert problem is not None and problem.param == "input" and "Input 1" in problem.message


def test_token_arrays_view() -> None:
    assert parse(input=[5, 6]).token_arrays == [[5, 6]]
    assert parse(input=[[5], [6, 7]]).token_arrays == [[5], [6, 7]]
    assert parse(input=["a"]).token_arrays == []


def test_upstream_body_keeps_client_fields_and_drops_gateway_ones() -> None:
    payload = {"model": "embed", "input": "a", "user": "u1", "include_route_trace": True}
    assert upstream_body(payload) == {"model": "embed", "input": "a", "user": "u1"}
