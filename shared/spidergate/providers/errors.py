"""Mapping of transport failures and provider error bodies to ``UpstreamError`` (one place)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from spidergate.providers.base import UpstreamError, retry_after_seconds


def transport_error(provider: str, exc: httpx.HTTPError, *, streaming: bool) -> UpstreamError:
    """Classify an httpx failure; ``streaming`` means response headers had already arrived.

    Timeouts are "timeout" wherever they happen; a reset or a protocol error is "connection"
    before the response and "stream" once it has started; a URL the client cannot use is "config".
    """
    detail = f"{type(exc).__name__}: {exc}"[:300]  # httpx messages name the URL, never headers
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamError(None, "timeout", f"{provider} timed out ({detail})")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return UpstreamError(None, "config", f"{provider} base URL is unusable ({detail})")
    if streaming:
        return UpstreamError(None, "stream", f"{provider} stream broke ({detail})")
    return UpstreamError(None, "connection", f"{provider} connection failed ({detail})")


@contextmanager
def transport_errors(provider: str, *, streaming: bool = False) -> Iterator[None]:
    """``transport_error`` as a context manager around httpx calls."""
    try:
        yield
    except httpx.TransportError as exc:
        raise transport_error(provider, exc, streaming=streaming) from exc


def error_fields(payload: Any) -> tuple[str, str | None, str | None]:
    """(message, code, type) from any of the OpenAI-compatible error body shapes.

    Handles ``{"error": {...}}`` (OpenAI, Groq, newer vLLM, OpenRouter with an int code),
    ``[{"error": {...}}]`` (Gemini), ``{"object": "error", "message": ...}`` (older vLLM) and
    ``{"message": {"detail": [...]}, "type": ...}`` (Mistral 422).
    """
    if isinstance(payload, list) and payload:
        payload = payload[0]
    if not isinstance(payload, dict):
        return (str(payload)[:500], None, None)
    err = payload.get("error", payload)
    if isinstance(err, str):
        return (err, None, None)
    if not isinstance(err, dict):
        return (str(err)[:500], None, None)
    message = err.get("message", "")
    if not isinstance(message, str):
        message = json.dumps(message)[:500]
    code = err.get("code")
    etype = err.get("type") or err.get("status")
    return (message, None if code is None else str(code), None if etype is None else str(etype))


def from_response(provider: str, status: int, headers: httpx.Headers, content: bytes) -> UpstreamError:
    """An ``UpstreamError`` for a non-2xx HTTP answer."""
    text = content.decode("utf-8", "replace")
    try:
        message, code, etype = error_fields(json.loads(content))
    except ValueError:
        message, code, etype = (text[:300] or f"HTTP {status}", None, None)
    return UpstreamError(
        status,
        "http",
        f"{provider} answered {status}: {message}",
        code=code,
        error_type=etype,
        retry_after=retry_after_seconds(headers),
        raw=text,
    )
