"""The generic OpenAI-compatible adapter (OpenAI, Groq, Mistral, DeepSeek, Together, Fireworks,
OpenRouter, xAI, Cerebras, Perplexity, Gemini's OpenAI endpoint, Ollama, vLLM, llama.cpp).

Requests go out with the provider's parameter rules applied (``providers.params``); responses and
streams pass through with minimal parsing: only events that carry usage or an error are decoded.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from spidergate.providers.base import (
    Adapter,
    AudioUpload,
    BinaryResult,
    Completion,
    StreamPiece,
    Target,
    UpstreamError,
)
from spidergate.providers.errors import error_fields, from_response, transport_errors
from spidergate.providers.openai_media import json_body, post_speech, post_transcription
from spidergate.providers.openai_usage import usage_of
from spidergate.providers.params import plan_params


class OpenAICompatAdapter(Adapter):
    """Speaks the OpenAI wire format; subclasses override ``_url`` / ``_headers`` (e.g. Azure)."""

    def _url(self, target: Target, path: str) -> str:
        return target.base_url + path

    def _headers(self, target: Target) -> dict[str, str]:
        auth = target.provider.auth
        if auth == "none" or not target.api_key:
            return {}
        if auth == "x-api-key":
            return {"x-api-key": target.api_key}
        if auth == "api-key":
            return {"api-key": target.api_key}
        return {"authorization": f"Bearer {target.api_key}"}

    def prepare(self, target: Target, request: dict[str, Any], *, stream: bool) -> dict[str, Any]:
        """The upstream body: the client's request with this provider's quirks applied."""
        provider = target.provider
        body = plan_params(target, request).request
        body["model"] = target.model.model
        for name, value in provider.extra_body:
            body.setdefault(name, value)
        if stream:
            body["stream"] = True
            if provider.stream_usage_option:
                options = dict(body.get("stream_options") or {})
                options["include_usage"] = True  # always meter streams; stripped if the client did not ask
                body["stream_options"] = options
            else:
                body.pop("stream_options", None)
        else:
            body.pop("stream", None)
            body.pop("stream_options", None)
        return body

    async def chat(self, target: Target, request: dict[str, Any]) -> Completion:
        return await self._post_json(target, "/chat/completions", self.prepare(target, request, stream=False))

    async def embeddings(self, target: Target, request: dict[str, Any]) -> Completion:
        body = {k: v for k, v in request.items() if k not in target.provider.drop_params}
        body["model"] = target.model.model
        return await self._post_json(target, "/embeddings", body)

    async def images(self, target: Target, request: dict[str, Any]) -> Completion:
        return await self._post_json(target, "/images/generations", json_body(target, request))

    async def speech(self, target: Target, request: dict[str, Any]) -> BinaryResult:
        return await post_speech(
            self.http, target, self._url(target, "/audio/speech"), self._headers(target), request
        )

    async def transcription(
        self, target: Target, fields: dict[str, Any], upload: AudioUpload
    ) -> Completion | BinaryResult:
        url = self._url(target, "/audio/transcriptions")
        return await post_transcription(self.http, target, url, self._headers(target), fields, upload)

    async def _post_json(self, target: Target, path: str, body: dict[str, Any]) -> Completion:
        name = target.provider.name
        with transport_errors(name):
            response = await self.http.post(self._url(target, path), json=body, headers=self._headers(target))
        content = response.content
        if response.status_code >= 300:  # a 3xx is no answer (redirects are not followed)
            raise from_response(name, response.status_code, response.headers, content)
        try:
            parsed = json.loads(content)
        except ValueError as exc:
            raise UpstreamError(
                response.status_code,
                "http",
                f"{name} sent a body that is not JSON",
                raw=content.decode("utf-8", "replace"),
            ) from exc
        if not isinstance(parsed, dict):
            raise UpstreamError(response.status_code, "http", f"{name} sent an unexpected JSON body")
        if "error" in parsed and "choices" not in parsed and "data" not in parsed:
            message, code, etype = error_fields(parsed)
            raise UpstreamError(
                502, "http", f"{name} answered an error: {message}", code=code, error_type=etype
            )
        return Completion(body=parsed, usage=usage_of(parsed.get("usage")), raw=content)

    async def chat_stream(self, target: Target, request: dict[str, Any]) -> AsyncIterator[StreamPiece]:
        name = target.provider.name
        body = self.prepare(target, request, stream=True)
        request_obj = self.http.build_request(
            "POST", self._url(target, "/chat/completions"), json=body, headers=self._headers(target)
        )
        with transport_errors(name):
            response = await self.http.send(request_obj, stream=True)
        try:
            if response.status_code >= 300:  # a 3xx is no answer (redirects are not followed)
                with transport_errors(name):
                    content = await response.aread()
                raise from_response(name, response.status_code, response.headers, content)
            buffer = b""
            done = False
            with transport_errors(name, streaming=True):
                async for raw in response.aiter_bytes():
                    if done:
                        continue  # drain what follows [DONE] so the connection returns to the pool
                    buffer += raw
                    while True:
                        cut = buffer.find(b"\n")
                        if cut < 0:
                            break
                        line = buffer[:cut].rstrip(b"\r")
                        buffer = buffer[cut + 1 :]
                        if not line.startswith(b"data:"):
                            continue  # SSE comments, event names, blank separators
                        payload = line[5:].strip()
                        if payload == b"[DONE]":
                            done = True
                            break
                        if payload:
                            yield _piece(name, payload)
            if done:
                return
            raise UpstreamError(None, "stream", f"{name} ended the stream without [DONE]")
        finally:
            await response.aclose()


# An ``error`` key at the top level of a chunk. Inside a JSON string a quote is escaped, so these
# bytes only occur as a key; OpenRouter puts it after id/object/model ("error" mid-chunk, with
# ``finish_reason: "error"``), others a bare ``{"error": ...}``, older vLLM ``{"object": "error"}``.
_ERROR_KEY = re.compile(rb'"error"\s*:\s*\{|"object"\s*:\s*"error"')


def _piece(provider: str, payload: bytes) -> StreamPiece:
    """One SSE payload; decoded only when it may carry usage or an error."""
    if _ERROR_KEY.search(payload):
        chunk = json.loads(payload)
        if isinstance(chunk, dict) and (
            isinstance(chunk.get("error"), dict) or chunk.get("object") == "error"
        ):
            message, code, etype = error_fields(chunk)
            raise UpstreamError(
                None,
                "stream",
                f"{provider} sent an error mid-stream: {message}",
                code=code,
                error_type=etype,
                raw=payload.decode("utf-8", "replace"),
            )
    if b'"usage"' not in payload or b'"usage":null' in payload or b'"usage": null' in payload:
        return StreamPiece(data=payload)
    chunk = json.loads(payload)
    usage = chunk.get("usage")
    if not usage:
        return StreamPiece(data=payload)
    return StreamPiece(data=payload, usage=usage_of(usage), usage_only=not chunk.get("choices"))
