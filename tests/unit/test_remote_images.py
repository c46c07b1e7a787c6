"""Image URLs inlined for Bedrock: fetched once, behind the private-address guard, size-capped."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest

from spidergate.providers import remote_images
from spidergate.providers.base import UpstreamError
from spidergate.providers.remote_images import inline_remote_images

PUBLIC = "http://93.184.216.34/cat.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _request(*urls: str) -> dict[str, Any]:
    parts = [{"type": "image_url", "image_url": {"url": url, "detail": "low"}} for url in urls]
    return {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "?"}, *parts]}]}


def _run(
    handler: Any, request: dict[str, Any], *, allow_private: bool = False
) -> tuple[dict[str, Any], list[str]]:
    seen: list[str] = []

    def record(req: httpx.Request) -> httpx.Response:
        seen.append(str(req.url))
        response: httpx.Response = handler(req)
        return response

    async def go() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as http:
            return await inline_remote_images(http, request, allow_private=allow_private)

    return asyncio.run(go()), seen


def test_a_public_image_is_fetched_once_and_inlined() -> None:
    out, seen = _run(
        lambda _r: httpx.Response(200, content=PNG, headers={"content-type": "image/png"}),
        _request(PUBLIC, PUBLIC),
    )
    parts = out["messages"][0]["content"]
    expected = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert [p["image_url"] for p in parts[1:]] == [{"url": expected, "detail": "low"}] * 2
    assert seen == [PUBLIC]


def test_a_request_without_remote_images_is_left_alone() -> None:
    request = _request("data:image/png;base64,AAAA")
    out, seen = _run(lambda _r: httpx.Response(500), request)
    assert out is request and seen == []


@pytest.mark.parametrize(
    ("url", "response", "words"),
    [
        (
            "http://127.0.0.1/cat.png",
            httpx.Response(200, content=PNG, headers={"content-type": "image/png"}),
            "non-public",
        ),
        ("http://169.254.169.254/latest/meta-data", httpx.Response(200), "non-public"),
        (PUBLIC, httpx.Response(302, headers={"location": "http://127.0.0.1/"}), "HTTP 302"),
        (PUBLIC, httpx.Response(200, content=b"<html>", headers={"content-type": "text/html"}), "text/html"),
        (PUBLIC, httpx.Response(404), "HTTP 404"),
    ],
)
def test_refusals_are_client_errors_naming_the_url(url: str, response: httpx.Response, words: str) -> None:
    with pytest.raises(UpstreamError) as caught:
        _run(lambda _r: response, _request(url))
    assert caught.value.status == 400 and caught.value.code == "unsupported_image_url"
    assert words in caught.value.message and url[:30] in caught.value.message


def test_an_image_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_images, "MAX_IMAGE_BYTES", 16)
    with pytest.raises(UpstreamError) as caught:
        _run(
            lambda _r: httpx.Response(200, content=PNG, headers={"content-type": "image/png"}),
            _request(PUBLIC),
        )
    assert "larger than 16 bytes" in caught.value.message
