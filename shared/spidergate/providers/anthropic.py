"""Anthropic Messages adapter: OpenAI chat in, ``POST {base_url}/v1/messages`` out, OpenAI shapes back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from spidergate.providers.anthropic_request import build_messages_request
from spidergate.providers.anthropic_response import (
    message_json,
    raise_unless_ok,
    to_completion,
)
from spidergate.providers.anthropic_stream import AnthropicStreamTranslator, sse_events
from spidergate.providers.base import (
    Adapter,
    Completion,
    StreamPiece,
    Target,
)
from spidergate.providers.errors import transport_error
from spidergate.providers.legacy_functions import is_legacy, legacy_body, legacy_piece

# Pinned: 2026-10-21 refuses temperature/top_p, which OpenAI clients send (PROVIDERS.md section 2).
ANTHROPIC_VERSION = "2023-06-01"
PROVIDER = "Anthropic"


class AnthropicAdapter(Adapter):
    """Chat (buffered and streamed) against the Anthropic Messages API."""

    def _url(self, target: Target) -> str:
        base = target.base_url
        return f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages"

    def _headers(self, target: Target) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION, "accept": "application/json"}
        if target.provider.auth == "bearer":
            headers["authorization"] = f"Bearer {target.api_key}"
        elif target.provider.auth != "none":
            headers["x-api-key"] = target.api_key
        return headers

    async def chat(self, target: Target, request: dict[str, Any]) -> Completion:
        """One buffered completion."""
        body = build_messages_request(target, request, stream=False)
        try:
            response = await self.http.post(self._url(target), json=body, headers=self._headers(target))
        except httpx.HTTPError as exc:
            raise transport_error(PROVIDER, exc, streaming=False) from exc
        await raise_unless_ok(response)
        message = message_json(response)
        completion = to_completion(message, target.model.model)
        if is_legacy(request):
            legacy_body(completion.body)
        return completion

    async def chat_stream(self, target: Target, request: dict[str, Any]) -> AsyncIterator[StreamPiece]:
        """Streamed completion; the upstream response is closed however the consumer stops."""
        body = build_messages_request(target, request, stream=True)
        headers = {**self._headers(target), "accept": "text/event-stream"}
        outgoing = self.http.build_request("POST", self._url(target), json=body, headers=headers)
        translator = AnthropicStreamTranslator(target.model.model)
        legacy = is_legacy(request)
        response: httpx.Response | None = None
        try:
            try:
                response = await self.http.send(outgoing, stream=True)
                await raise_unless_ok(response)
            except httpx.HTTPError as exc:
                raise transport_error(PROVIDER, exc, streaming=False) from exc
            try:
                async for event in sse_events(response.aiter_lines()):
                    for piece in translator.feed(event):
                        yield legacy_piece(piece) if legacy else piece
            except httpx.HTTPError as exc:
                raise transport_error(PROVIDER, exc, streaming=True) from exc
            for piece in translator.close():
                yield piece
        finally:
            if response is not None:
                await response.aclose()
