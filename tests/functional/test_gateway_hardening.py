"""Issue 12 #3-#6 through the app in-process (moto, sandbox upstream): client mistakes are 4xx with
the parameter named, upstream text reaches the client redacted, bodies are bounded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from spidergate.web.app import create_app
from spidergate.web.body_limit import MAX_BODY_BYTES
from tests.functional.media_harness import MediaStack, error_of, media_stack

HELLO = [{"role": "user", "content": "hello"}]
JSON_ENDPOINTS = ("/chat/completions", "/embeddings", "/images/generations", "/audio/speech", "/uploads")


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    with media_stack(monkeypatch) as stack:
        app = create_app(["chat", "embeddings", "media"], runtime=stack.rt)
        stack.client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway.test")
        yield stack


async def fault_body(media: MediaStack, status: int, body: dict[str, Any], times: int = -1) -> None:
    doc = {
        "match": {"path": "/v1/chat/completions"},
        "times": times,
        "fault": {"status": status, "body": body},
    }
    assert (await media.sandbox.post("/_control/faults", json=doc)).status_code == 201


@pytest.mark.parametrize(
    "model", ["text-embedding-3-small", "dall-e-3", "tts-1", "embed", "openai/whisper-1"]
)
async def test_non_chat_model_on_chat_is_a_400_like_its_mirror(media: MediaStack, model: str) -> None:
    r = await media.post("/chat/completions", json={"model": model, "messages": HELLO})
    assert r.status_code == 400, r.text
    error = error_of(r)
    assert (error["code"], error["param"]) == ("model_not_supported", "model")
    assert "not a chat model" in error["message"]
    assert await media.upstream_requests("/v1/chat/completions") == []
    mirror = await media.post("/embeddings", json={"model": "gpt-4o-mini", "input": "x"})
    assert (mirror.status_code, error_of(mirror)["code"]) == (400, "model_not_supported")


async def test_upstream_context_overflow_is_a_400_with_the_upstreams_message(media: MediaStack) -> None:
    message = "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."
    await fault_body(
        media,
        400,
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        },
    )
    r = await media.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO})
    assert r.status_code == 400, r.text
    assert error_of(r) == {
        "message": message,
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
    assert r.headers["x-should-retry"] == "false"
    assert all(k.status == "active" for k in media.rt.keyvault.list("brd_a"))


async def test_upstream_4xx_keeps_param_and_code_and_is_redacted(media: MediaStack) -> None:
    """Issue 12 #3 / 16 #14: no "openai answered 400:" prefix, the provider's param/code, no key material."""
    echoed = "Invalid value for 'temperature' (sent with key sk-media-one and Bearer sk-media-two)."
    await fault_body(
        media,
        400,
        {
            "error": {
                "message": echoed,
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "invalid_value",
            }
        },
    )
    r = await media.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO})
    error = error_of(r)
    assert (r.status_code, error["param"], error["code"]) == (400, "temperature", "invalid_value")
    assert error["message"].startswith("Invalid value for 'temperature'")
    assert "sk-media" not in r.text and "[redacted]" in error["message"]
    assert "answered" not in error["message"]


async def test_invalid_key_echo_is_redacted_and_trace_shows_key_ids_not_labels(media: MediaStack) -> None:
    await fault_body(
        media,
        401,
        {
            "error": {
                "message": "Incorrect API key provided: sk-media-one.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
        times=1,
    )
    r = await media.post(
        "/chat/completions?include_route_trace=true", json={"model": "gpt-4o-mini", "messages": HELLO}
    )
    assert r.status_code == 200, r.text
    attempts = r.json()["route_trace"]["attempts"]
    assert [a["key"] for a in attempts] == list(media.key_ids)
    assert "one" not in [a["key"] for a in attempts] and "sk-media" not in r.text


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
async def test_deep_nesting_is_a_400_on_every_json_endpoint(media: MediaStack, path: str) -> None:
    body = b'{"model":"x","input":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    r = await media.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert "nests deeper" in error_of(r)["message"]


@pytest.mark.parametrize("param", ["max_tokens", "max_completion_tokens"])
async def test_huge_token_counts_are_400s_naming_the_parameter(media: MediaStack, param: str) -> None:
    r = await media.post(
        "/chat/completions",
        content=f'{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"hi"}}],"{param}":{10**40}}}',
        headers={"content-type": "application/json"},
    )
    assert (r.status_code, error_of(r)["param"]) == (400, param)


async def test_oversized_body_is_a_413_before_forwarding(media: MediaStack) -> None:
    big = "x" * (MAX_BODY_BYTES + 1)
    r = await media.post(
        "/chat/completions", json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": big}]}
    )
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large" and "x-request-id" in r.headers
    assert await media.upstream_requests("/v1/chat/completions") == []


async def test_oversized_chunked_body_is_cut_off(media: MediaStack) -> None:
    async def chunks() -> Any:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    r = await media.post("/chat/completions", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"


async def test_transcription_filenames_are_sanitised_before_forwarding(media: MediaStack) -> None:
    """Issue 12 #13: a path in the upload's file name never reaches the provider."""
    from tests.functional.media_harness import wav

    r = await media.post(
        "/audio/transcriptions",
        data={"model": "whisper-1"},
        files={"file": ("../../../etc/passwd.wav", wav(1.0), "text/html")},
    )
    assert r.status_code == 200, r.text
    text = r.json()["text"]
    assert "passwd.wav" in text and "../" not in text and "etc" not in text


@pytest.mark.parametrize(
    "content_type", ["text/html", "application/javascript", "image/svg+xml", "text/html; charset=utf-8"]
)
async def test_uploads_accept_audio_types_only(media: MediaStack, content_type: str) -> None:
    r = await media.post("/uploads", json={"filename": "a.wav", "content_type": content_type, "bytes": 5})
    assert r.status_code == 400
    assert error_of(r)["param"] == "content_type"


@pytest.mark.parametrize("content_type", ["audio/wav", "audio/mpeg", "video/mp4", "audio/webm"])
async def test_uploads_grant_audio_types(media: MediaStack, content_type: str) -> None:
    r = await media.post("/uploads", json={"filename": "a.wav", "content_type": content_type, "bytes": 5})
    assert r.status_code == 200, r.text
