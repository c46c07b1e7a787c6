"""Every media endpoint on the shared router: a rate-limited first key hands over to the second,
the key cools down, and the request is recorded once with both attempts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.functional.media_harness import MediaStack, media_stack, wav


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    with media_stack(monkeypatch) as stack:
        yield stack


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("/embeddings", "/v1/embeddings", {"json": {"model": "embed", "input": "hello"}}),
    ("/images/generations", "/v1/images/generations", {"json": {"model": "dall-e-3", "prompt": "a fox"}}),
    ("/audio/speech", "/v1/audio/speech", {"json": {"model": "tts-1", "input": "hello", "voice": "alloy"}}),
    (
        "/audio/transcriptions",
        "/v1/audio/transcriptions",
        {"data": {"model": "whisper-1"}, "files": {"file": ("a.wav", wav(1.0), "audio/wav")}},
    ),
]


@pytest.mark.parametrize(("path", "upstream", "request_kwargs"), CASES, ids=[c[0] for c in CASES])
async def test_429_on_the_first_key_is_served_by_the_second(
    media: MediaStack, path: str, upstream: str, request_kwargs: dict[str, Any]
) -> None:
    await media.fault(upstream, status=429, headers={"retry-after": "30"})
    r = await media.post(path, **request_kwargs)
    assert r.status_code == 200, r.text
    calls = await media.upstream_requests(upstream)
    assert len(calls) == 2 and calls[0]["fault"] == "status:429" and calls[1]["fault"] is None
    assert calls[0]["key_hash"] != calls[1]["key_hash"]
    record = media.only_record()
    outcomes = [(a.outcome, a.key_id) for a in record.attempts]
    assert [o for o, _ in outcomes] == ["cooldown", "success"]
    assert {k for _, k in outcomes} == set(media.key_ids)
    assert record.status == 200 and record.key_id == outcomes[1][1] and record.cost > 0
    cooled = media.rt.keyvault.get("brd_a", outcomes[0][1])
    assert cooled.cooldown_until > 0
    assert "sk-media" not in r.text


@pytest.mark.parametrize(("path", "upstream", "request_kwargs"), CASES, ids=[c[0] for c in CASES])
async def test_all_keys_rate_limited_is_a_429_recorded_once(
    media: MediaStack, path: str, upstream: str, request_kwargs: dict[str, Any]
) -> None:
    await media.fault(upstream, status=429, times=2, headers={"retry-after": "12"})
    r = await media.post(path, **request_kwargs)
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "all_keys_rate_limited"
    assert int(r.headers["retry-after"]) >= 1
    record = media.only_record()
    assert (record.status, record.cost, record.served_model) == (429, 0, None)
    assert [a.outcome for a in record.attempts if a.key_id] == ["cooldown", "cooldown"]


async def test_upstream_client_error_is_passed_back_once(media: MediaStack) -> None:
    r = await media.post("/audio/speech", json={"model": "tts-1", "input": "   ", "voice": "alloy"})
    assert r.status_code == 400, r.text
    assert len(await media.upstream_requests("/v1/audio/speech")) == 1  # not retried on the other key
    assert media.only_record().status == 400
