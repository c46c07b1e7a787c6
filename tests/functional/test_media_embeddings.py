"""POST /embeddings in-process: aliases, dimensions, base64 pass-through, usage and cost recorded once."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.functional.media_harness import MediaStack, error_of, media_stack


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    with media_stack(monkeypatch) as stack:
        yield stack


async def test_embed_alias_serves_and_records_prompt_tokens(media: MediaStack) -> None:
    r = await media.post("/embeddings", json={"model": "embed", "input": ["first text", "second one"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert len(body["data"][0]["embedding"]) == 1536
    assert r.headers["x-spidergate-model"] == "openai/text-embedding-3-small"
    record = media.only_record()
    model = media.model("openai/text-embedding-3-small")
    assert (record.endpoint, record.alias, record.served_model) == ("embeddings", "embed", model.id)
    assert record.usage.prompt_tokens == body["usage"]["prompt_tokens"] > 0
    assert not record.usage.estimated
    assert record.cost == Decimal(body["usage"]["prompt_tokens"]) * model.prices.input
    assert record.status == 200


async def test_dimensions_and_base64_pass_through(media: MediaStack) -> None:
    r = await media.post(
        "/embeddings",
        json={
            "model": "text-embedding-3-large",
            "input": [[1, 2, 3], [4, 5]],
            "dimensions": 256,
            "encoding_format": "base64",
        },
    )
    assert r.status_code == 200, r.text
    vectors = [base64.b64decode(d["embedding"]) for d in r.json()["data"]]
    assert [len(v) for v in vectors] == [256 * 4, 256 * 4]  # float32 each
    sent = (await media.upstream_requests("/v1/embeddings"))[0]["body"]
    assert (sent["model"], sent["dimensions"], sent["encoding_format"]) == (
        "text-embedding-3-large",
        256,
        "base64",
    )
    assert media.only_record().usage.prompt_tokens == 5  # the token arrays' length, as reported


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "text-embedding-ada-002", "input": "a", "dimensions": 256}, "dimensions"),
        ({"model": "text-embedding-3-small", "input": "a", "dimensions": 1537}, "dimensions"),
        ({"model": "text-embedding-3-large", "input": "a", "dimensions": 3073}, "dimensions"),
        ({"model": "embed", "input": ""}, "input"),
        ({"model": "embed", "input": "a", "encoding_format": "int8"}, "encoding_format"),
        ({"model": "gpt-4o-mini", "input": "a"}, "model"),
    ],
)
async def test_invalid_requests_cost_nothing_and_write_nothing(
    media: MediaStack, body: dict, param: str
) -> None:
    r = await media.post("/embeddings", json=body)
    assert r.status_code == 400, r.text
    assert error_of(r)["param"] == param
    assert media.records() == []
    assert await media.upstream_requests("/v1/embeddings") == []


async def test_unknown_model_is_404(media: MediaStack) -> None:
    r = await media.post("/embeddings", json={"model": "no-such-embedder", "input": "a"})
    assert r.status_code == 404
    assert error_of(r)["code"] == "model_not_found"
    assert media.records() == []


async def test_brand_without_keys_is_told_to_add_one(media: MediaStack) -> None:
    r = await media.post("/embeddings", bearer=media.keyless_bearer, json={"model": "embed", "input": "a"})
    assert r.status_code == 400
    error = error_of(r)
    assert error["code"] == "no_provider_key"
    assert "spidergate vault add --provider openai" in error["message"]


async def test_authentication_comes_first(media: MediaStack) -> None:
    r = await media.client.post("/api/gate/v1/embeddings", json={"model": "embed", "input": "a"})
    assert r.status_code == 401
