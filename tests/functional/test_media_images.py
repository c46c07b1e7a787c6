"""POST /images/generations in-process: per-model rules, OpenAI keys, cost per image or image token."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from spidergate.catalog.images import image_price
from tests.functional.media_harness import MediaStack, error_of, media_stack


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    with media_stack(monkeypatch) as stack:
        yield stack


async def test_dall_e_3_priced_by_size_and_quality(media: MediaStack) -> None:
    r = await media.post(
        "/images/generations",
        json={
            "model": "dall-e-3",
            "prompt": "a lighthouse",
            "size": "1792x1024",
            "quality": "hd",
            "response_format": "b64_json",
        },
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert len(data) == 1 and base64.b64decode(data[0]["b64_json"]).startswith(b"\x89PNG")
    record = media.only_record()
    model = media.model("openai/dall-e-3")
    expected = image_price(model, "1792x1024", "hd")
    assert expected is not None and expected != image_price(model, "1024x1024", "standard")
    assert (record.endpoint, record.usage.images, record.cost) == ("images", 1, expected)


async def test_dall_e_2_url_answers_and_n_images(media: MediaStack) -> None:
    r = await media.post(
        "/images/generations",
        json={
            "model": "dall-e-2",
            "prompt": "a cat",
            "n": 3,
            "size": "256x256",
            "response_format": "url",
        },
    )
    assert r.status_code == 200, r.text
    assert all(d["url"].startswith("http") for d in r.json()["data"])
    record = media.only_record()
    each = image_price(media.model("openai/dall-e-2"), "256x256", "standard")
    assert each is not None
    assert (record.usage.images, record.cost) == (3, each * 3)


async def test_gpt_image_billed_by_reported_tokens(media: MediaStack) -> None:
    r = await media.post(
        "/images/generations",
        json={
            "model": "gpt-image-1",
            "prompt": "a red fox in snow",
            "n": 2,
            "quality": "low",
        },
    )
    assert r.status_code == 200, r.text
    usage = r.json()["usage"]
    record = media.only_record()
    prices = media.model("openai/gpt-image-1").prices
    assert (record.usage.prompt_tokens, record.usage.completion_tokens) == (
        usage["input_tokens"],
        usage["output_tokens"],
    )
    assert record.usage.images == 2
    assert record.cost == usage["input_tokens"] * prices.input + usage["output_tokens"] * prices.output
    sent = (await media.upstream_requests("/v1/images/generations"))[0]["body"]
    assert "response_format" not in sent and sent["model"] == "gpt-image-1"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "dall-e-3", "n": 2}, "n"),
        ({"model": "dall-e-3", "size": "256x256"}, "size"),
        ({"model": "dall-e-3", "quality": "low"}, "quality"),
        ({"model": "dall-e-2", "size": "1792x1024"}, "size"),
        ({"model": "dall-e-2", "n": 11}, "n"),
        ({"model": "gpt-image-1", "size": "1792x1024"}, "size"),
        ({"model": "gpt-image-1", "quality": "hd"}, "quality"),
        ({"model": "gpt-image-1", "response_format": "url"}, "response_format"),
        ({"model": "tts-1"}, "model"),
    ],
)
async def test_rule_violations_are_400s_naming_the_param(media: MediaStack, body: dict, param: str) -> None:
    r = await media.post("/images/generations", json={"prompt": "p", **body})
    assert r.status_code == 400, r.text
    assert error_of(r)["param"] == param
    assert media.records() == []
    assert await media.upstream_requests("/v1/images/generations") == []


async def test_image_generation_needs_an_openai_key(media: MediaStack) -> None:
    r = await media.post(
        "/images/generations", bearer=media.keyless_bearer, json={"model": "dall-e-3", "prompt": "p"}
    )
    assert r.status_code == 400
    error = error_of(r)
    assert error["code"] == "no_provider_key"
    assert error["message"].startswith("Image generation needs an OpenAI key in your vault")
    assert "`spidergate vault add --provider openai" in error["message"]
    assert media.records("brd_b") == []


async def test_no_model_means_the_image_alias(media: MediaStack) -> None:
    r = await media.post("/images/generations", json={"prompt": "a quiet harbour", "size": "1536x864"})
    assert r.status_code == 200, r.text
    record = media.only_record()
    assert (record.alias, record.served_model) == ("image", "openai/gpt-image-2")
    prices = media.model("openai/gpt-image-2").prices
    usage = r.json()["usage"]
    assert record.cost == usage["input_tokens"] * prices.input + usage["output_tokens"] * prices.output
