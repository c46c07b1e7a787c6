"""Image request validation and per-model-family rules (dall-e-2, dall-e-3, GPT Image)."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.catalog.model import IMAGE, ModelInfo
from spidergate.errors import InvalidRequest
from spidergate.schemas.images import DEFAULT_MODEL, ImageRequest, family_of, free_size_problem
from spidergate.schemas.validation import validate


def model(name: str) -> ModelInfo:
    return ModelInfo(id=f"openai/{name}", provider="openai", model=name, mode=IMAGE)


def parse(**fields: Any) -> ImageRequest:
    return validate(ImageRequest, {"prompt": "a red fox", **fields})


def problem(name: str, **fields: Any) -> InvalidRequest | None:
    return parse(model=name, **fields).problem_with(model(name))


def test_model_defaults_to_the_image_alias() -> None:
    assert parse().model == DEFAULT_MODEL == "image"


def test_family_by_upstream_name() -> None:
    assert family_of(model("dall-e-2")).name == "dall-e-2"
    assert family_of(model("dall-e-3")).name == "dall-e-3"
    assert family_of(model("gpt-image-1")).name == "gpt-image"
    assert family_of(model("gpt-image-1-mini")).name == "gpt-image"
    assert family_of(model("gpt-image-2")).free_sizes
    assert family_of(model("gpt-image-2.5-sunburst")).free_sizes
    assert family_of(model("flux-pro")).name == "other"


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("dall-e-3", {"n": 1, "size": "1792x1024", "quality": "hd", "style": "natural"}),
        ("dall-e-3", {"size": "1024x1792", "quality": "standard", "response_format": "b64_json"}),
        ("dall-e-2", {"n": 10, "size": "256x256", "response_format": "url"}),
        ("dall-e-2", {"size": "512x512", "quality": "standard"}),
        ("gpt-image-1", {"size": "1536x1024", "quality": "low", "n": 4, "output_format": "webp"}),
        ("gpt-image-1", {"size": "auto", "quality": "auto", "background": "transparent"}),
        ("gpt-image-1", {"response_format": "b64_json"}),
        ("gpt-image-2", {"size": "1536x864"}),
        ("flux-pro", {"size": "1000x700", "quality": "ultra"}),
    ],
)
def test_accepted_per_family(name: str, fields: dict[str, Any]) -> None:
    assert problem(name, **fields) is None


@pytest.mark.parametrize(
    ("name", "fields", "param"),
    [
        ("dall-e-3", {"n": 2}, "n"),
        ("dall-e-3", {"size": "512x512"}, "size"),
        ("dall-e-3", {"quality": "high"}, "quality"),
        ("dall-e-3", {"background": "opaque"}, "background"),
        ("dall-e-3", {"prompt": "x" * 4001}, "prompt"),
        ("dall-e-2", {"size": "1792x1024"}, "size"),
        ("dall-e-2", {"quality": "hd"}, "quality"),
        ("dall-e-2", {"style": "vivid"}, "style"),
        ("dall-e-2", {"prompt": "x" * 1001}, "prompt"),
        ("gpt-image-1", {"size": "1792x1024"}, "size"),
        ("gpt-image-1", {"quality": "hd"}, "quality"),
        ("gpt-image-1", {"response_format": "url"}, "response_format"),
        ("gpt-image-1", {"style": "vivid"}, "style"),
        ("gpt-image-2", {"size": "1000x1000"}, "size"),
        ("gpt-image-2", {"size": "4096x1024"}, "size"),
    ],
)
def test_refused_per_family_naming_the_param(name: str, fields: dict[str, Any], param: str) -> None:
    found = problem(name, **fields)
    assert found is not None
    assert found.param == param
    assert found.status == 400
    assert name in found.message


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"n": 11}, "n"),
        ({"n": 0}, "n"),
        ({"response_format": "png"}, "response_format"),
        ({"style": "cartoon"}, "style"),
        ({"prompt": ""}, "prompt"),
        ({"output_compression": 101}, "output_compression"),
        ({"stream": True}, None),
    ],
)
def test_generic_checks(fields: dict[str, Any], param: str | None) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse(**fields)
    assert caught.value.param == param


def test_free_sizes() -> None:
    assert free_size_problem("3840x2160") is None
    assert free_size_problem("1536x864") is None
    assert "multiples of 16" in (free_size_problem("1000x1008") or "")
    assert "aspect ratio" in (free_size_problem("3200x1024") or "")
    assert "3840x2160" in (free_size_problem("3840x3840") or "")
    assert "WIDTHxHEIGHT" in (free_size_problem("large") or "")


def test_upstream_body_drops_response_format_only_for_gpt_image() -> None:
    payload = {"prompt": "p", "model": "image", "response_format": "b64_json", "include_route_trace": True}
    req = validate(ImageRequest, payload)
    assert req.upstream_body(payload, model("gpt-image-1")) == {"prompt": "p", "model": "image"}
    assert req.upstream_body(payload, model("dall-e-3"))["response_format"] == "b64_json"


def test_priced_quality_defaults_per_family() -> None:
    assert parse().priced_quality(model("dall-e-3")) == "standard"
    assert parse().priced_quality(model("gpt-image-1")) is None
    assert parse(quality="hd").priced_quality(model("dall-e-3")) == "hd"
