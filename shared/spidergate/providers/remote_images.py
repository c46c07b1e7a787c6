"""http(s) ``image_url`` parts fetched and inlined, for wires that only take image bytes (Bedrock).

The URL passes the same private-address guard as vault base URLs (``vault.urls.check_base_url``,
its public function), redirects are not followed (a redirect could lead past the guard), the
body is capped at Bedrock's per-image limit and must be a PNG, JPEG, GIF or WebP. Every failure
is the client's (a 400 naming the part), never a retryable upstream error.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx

from spidergate.errors import InvalidRequest
from spidergate.providers.chat_input import invalid
from spidergate.vault.urls import check_base_url

MAX_IMAGE_BYTES = 3_750_000  # Bedrock Converse: 3.75 MB per image
FETCH_TIMEOUT = 10.0
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
CODE = "unsupported_image_url"


async def inline_remote_images(
    http: httpx.AsyncClient, request: dict[str, Any], *, allow_private: bool
) -> dict[str, Any]:
    """``request`` with every http(s) image URL replaced by a data URL (the same dict if none)."""
    messages = request.get("messages")
    if not isinstance(messages, list) or not any(_remote_parts(m) for m in messages):
        return request
    fetched: dict[str, str] = {}
    out_messages: list[Any] = []
    for message in messages:
        parts = _remote_parts(message)
        if not parts:
            out_messages.append(message)
            continue
        content = []
        for part in message["content"]:
            url = _remote_url(part)
            if url is not None:
                if url not in fetched:
                    fetched[url] = await _fetch(http, url, allow_private=allow_private)
                part = {**part, "image_url": {**_image(part), "url": fetched[url]}}
            content.append(part)
        out_messages.append({**message, "content": content})
    return {**request, "messages": out_messages}


def _image(part: dict[str, Any]) -> dict[str, Any]:
    image = part.get("image_url")
    return image if isinstance(image, dict) else {}


def _remote_url(part: Any) -> str | None:
    if not isinstance(part, dict) or part.get("type") != "image_url":
        return None
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def _remote_parts(message: Any) -> list[str]:
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return []
    return [url for url in map(_remote_url, content) if url is not None]


async def _fetch(http: httpx.AsyncClient, url: str, *, allow_private: bool) -> str:
    try:
        await asyncio.to_thread(check_base_url, url, allow_private=allow_private)
    except InvalidRequest as exc:
        raise invalid(
            f"image_url {url[:200]} was refused: {exc.message.replace('base_url', 'the URL')}", CODE
        ) from None
    try:
        async with http.stream("GET", url, follow_redirects=False, timeout=FETCH_TIMEOUT) as response:
            if response.status_code != 200:
                raise invalid(f"image_url {url[:200]} answered HTTP {response.status_code}", CODE)
            media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type not in IMAGE_TYPES:
                raise invalid(
                    f"image_url {url[:200]} is {media_type or 'untyped'}, not a PNG, JPEG, GIF or WebP", CODE
                )
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data.extend(chunk)
                if len(data) > MAX_IMAGE_BYTES:
                    raise invalid(f"image_url {url[:200]} is larger than {MAX_IMAGE_BYTES} bytes", CODE)
    except httpx.HTTPError as exc:
        raise invalid(f"image_url {url[:200]} could not be fetched ({type(exc).__name__})", CODE) from None
    return f"data:{media_type};base64,{base64.b64encode(bytes(data)).decode()}"
