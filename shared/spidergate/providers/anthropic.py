"""Anthropic Messages adapter: OpenAI chat in, ``POST {base_url}/v1/messages`` out, OpenAI shapes back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from spidergate.providers.anthropic_request import build_messages_request
from spidergate.providers.anthropic_response import error_from_body, to_completion
from spidergate.providers.anthropic_stream import AnthropicStreamTranslator, sse_events
from spidergate.providers.base import (
    Adapter,
    Completion,
    StreamPiece,
    Target,
    UpstreamError,
    retry_after_seconds,
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
        if response.status_code >= 300:  # a 3xx is no answer (redirects are not followed)
            raise error_from_body(
                response.status_code, response.text, retry_after=retry_after_seconds(response.headers)
            )
        try:
            message = response.json()
        except ValueError as exc:
            raise UpstreamError(
                response.status_code, "http", "Anthropic sent a non-JSON response", raw=response.text
            ) from exc
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
                if response.status_code >= 300:  # a 3xx is no answer (redirects are not followed)
                    text = (await response.aread()).decode("utf-8", errors="replace")
                    raise error_from_body(
                        response.status_code, text, retry_after=retry_after_seconds(response.headers)
                    )
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
