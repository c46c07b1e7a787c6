"""Messages requests to an Anthropic-wire upstream, passed through.

The client's body goes out with only ``model`` replaced (the catalog id becomes the provider's
name), with the client's ``anthropic-version`` and ``anthropic-beta``. The answer comes back
unchanged: the JSON body as bytes, stream events with their ``data`` lines as received, so thinking
signatures arrive byte for byte. Usage is read from the answer for settlement only.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from spidergate.providers.anthropic import ANTHROPIC_VERSION
from spidergate.providers.anthropic_response import (
    message_json,
    raise_unless_ok,
    stream_error,
    usage_from_anthropic,
)
from spidergate.providers.anthropic_stream import SseEvent, sse_events
from spidergate.providers.base import Target
from spidergate.providers.errors import transport_error
from spidergate.usage.counts import Usage

PROVIDER = "Anthropic"
FORWARDED = ("anthropic-version", "anthropic-beta")


@dataclass(slots=True)
class PassedMessage:
    """A buffered Messages answer: the upstream's bytes and the usage read from them."""

    raw: bytes
    usage: Usage
    message: dict[str, Any]


def _url(target: Target, path: str = "/messages") -> str:
    base = target.base_url
    return f"{base}{path}" if base.endswith("/v1") else f"{base}/v1{path}"


def _headers(target: Target, client_headers: Mapping[str, str], stream: bool) -> dict[str, str]:
    headers = {"anthropic-version": ANTHROPIC_VERSION}
    headers.update({k: v for k, v in client_headers.items() if k in FORWARDED})
    headers["accept"] = "text/event-stream" if stream else "application/json"
    if target.provider.auth == "bearer":
        headers["authorization"] = f"Bearer {target.api_key}"
    elif target.provider.auth != "none":
        headers["x-api-key"] = target.api_key
    return headers


def upstream_body(target: Target, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "model": target.model.model}


async def send(
    http: httpx.AsyncClient, target: Target, body: dict[str, Any], client_headers: Mapping[str, str]
) -> PassedMessage:
    """One buffered Messages call; failures raise ``UpstreamError`` for the router."""
    try:
        response = await http.post(
            _url(target), json=upstream_body(target, body), headers=_headers(target, client_headers, False)
        )
    except httpx.HTTPError as exc:
        raise transport_error(PROVIDER, exc, streaming=False) from exc
    await raise_unless_ok(response)
    message = message_json(response)
    usage = usage_from_anthropic(message.get("usage") if isinstance(message, dict) else None)
    return PassedMessage(response.content, usage, message)


async def count_tokens(
    http: httpx.AsyncClient, target: Target, body: dict[str, Any], client_headers: Mapping[str, str]
) -> int | None:
    """The upstream's own count (``/v1/messages/count_tokens``), or None when it cannot tell."""
    try:
        response = await http.post(
            _url(target, "/messages/count_tokens"),
            json=upstream_body(target, body),
            headers=_headers(target, client_headers, False),
        )
        counted = response.json().get("input_tokens") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return counted if isinstance(counted, int) and not isinstance(counted, bool) else None


class UsageReader:
    """Usage from ``message_start`` then ``message_delta`` (later counts win)."""

    def __init__(self) -> None:
        self.counts: dict[str, Any] = {}
        self.seen = False

    def feed(self, item: SseEvent) -> None:
        if item.event not in ("message_start", "message_delta"):
            return
        try:
            data = json.loads(item.data)
        except ValueError:
            return
        usage = (
            (data.get("message") or {}).get("usage") if item.event == "message_start" else data.get("usage")
        )
        if isinstance(usage, dict):
            self.counts.update({k: v for k, v in usage.items() if v is not None})
            self.seen = item.event == "message_delta" or self.seen

    def usage(self) -> Usage | None:
        return usage_from_anthropic(self.counts) if self.seen else None


async def open_stream(
    http: httpx.AsyncClient, target: Target, body: dict[str, Any], client_headers: Mapping[str, str]
) -> tuple[list[SseEvent], AsyncIterator[SseEvent]]:
    """Start the stream and read up to its first content delta: failures until then fall back."""
    return await read_head(_events(http, target, body, client_headers))


async def read_head(stream: AsyncIterator[SseEvent]) -> tuple[list[SseEvent], AsyncIterator[SseEvent]]:
    """Read ``stream`` up to its first content delta (an ``error`` event before it raises)."""
    head: list[SseEvent] = []
    try:
        async for item in stream:
            if item.event == "error":
                raise stream_error(item.data)
            head.append(item)
            if item.event in ("content_block_delta", "message_delta", "message_stop"):
                break
    except BaseException:
        await stream.aclose()  # type: ignore[attr-defined]
        raise
    return head, stream


async def _events(
    http: httpx.AsyncClient, target: Target, body: dict[str, Any], client_headers: Mapping[str, str]
) -> AsyncIterator[SseEvent]:
    outgoing = http.build_request(
        "POST", _url(target), json=upstream_body(target, body), headers=_headers(target, client_headers, True)
    )
    response: httpx.Response | None = None
    try:
        try:
            response = await http.send(outgoing, stream=True)
            await raise_unless_ok(response)
        except httpx.HTTPError as exc:
            raise transport_error(PROVIDER, exc, streaming=False) from exc
        try:
            async for item in sse_events(response.aiter_lines()):
                yield item
        except httpx.HTTPError as exc:
            raise transport_error(PROVIDER, exc, streaming=True) from exc
    finally:
        if response is not None:
            await response.aclose()
