"""Mapping of transport failures and provider error bodies to ``UpstreamError`` (one place)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from spidergate.providers.base import UpstreamError, parse_duration, retry_after_seconds


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


@dataclass(frozen=True, slots=True)
class ErrorFields:
    """The structured parts of a provider error body."""

    message: str
    code: str | None = None
    type: str | None = None
    param: str | None = None
    reason: str | None = None  # Gemini ErrorInfo reason, "quota_zero" (QuotaFailure at 0)
    retry_delay: float | None = None  # Gemini RetryInfo.retryDelay, seconds


def error_fields(payload: Any) -> tuple[str, str | None, str | None]:
    """(message, code, type) from any of the OpenAI-compatible error body shapes."""
    fields = parse_error(payload)
    return fields.message, fields.code, fields.type


def parse_error(payload: Any) -> ErrorFields:
    """``ErrorFields`` from any of the OpenAI-compatible error body shapes.

    Handles ``{"error": {...}}`` (OpenAI, Groq, newer vLLM, OpenRouter with an int code),
    ``[{"error": {...}}]`` (Gemini, with ``status`` and ``details``), ``{"object": "error",
    "message": ...}`` (older vLLM) and ``{"message": {"detail": [...]}, "type": ...}`` (Mistral 422,
    whose first detail ``type`` such as ``extra_forbidden`` becomes the code).
    """
    if isinstance(payload, list) and payload:
        payload = payload[0]
    if not isinstance(payload, dict):
        return ErrorFields(str(payload)[:500])
    err = payload.get("error", payload)
    if isinstance(err, str):
        return ErrorFields(err)
    if not isinstance(err, dict):
        return ErrorFields(str(err)[:500])
    raw_message = err.get("message", "")
    code = err.get("code")
    if isinstance(raw_message, dict) and code is None:
        detail = raw_message.get("detail")
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            code = detail[0].get("type")
    message = raw_message if isinstance(raw_message, str) else json.dumps(raw_message)[:500]
    etype = err.get("type") or err.get("status")
    if isinstance(code, int) or (isinstance(code, str) and code.isdigit()):
        code = None  # Gemini and OpenRouter repeat the HTTP status here: not an error code
    param = err.get("param")
    reason, delay = _google_details(err.get("details"))
    return ErrorFields(
        message,
        None if code is None else str(code),
        None if etype is None else str(etype),
        param if isinstance(param, str) else None,
        reason,
        delay,
    )


def _google_details(details: Any) -> tuple[str | None, float | None]:
    """Gemini ``details``: ErrorInfo ``reason``, QuotaFailure at zero, RetryInfo ``retryDelay``."""
    reason: str | None = None
    delay: float | None = None
    for detail in details if isinstance(details, list) else ():
        if not isinstance(detail, dict):
            continue
        kind = str(detail.get("@type", ""))
        if kind.endswith("ErrorInfo") and isinstance(detail.get("reason"), str):
            reason = detail["reason"]
        elif kind.endswith("QuotaFailure"):
            violations = detail.get("violations")
            for violation in violations if isinstance(violations, list) else ():
                if isinstance(violation, dict) and str(violation.get("quotaValue", "")) == "0":
                    reason = "quota_zero"
        elif kind.endswith("RetryInfo"):
            delay = parse_duration(str(detail.get("retryDelay", "")))
    return reason, delay


def from_response(provider: str, status: int, headers: httpx.Headers, content: bytes) -> UpstreamError:
    """An ``UpstreamError`` for a non-2xx HTTP answer (the message keeps the provider's words)."""
    text = content.decode("utf-8", "replace")
    try:
        fields = parse_error(json.loads(content))
    except ValueError:
        fields = ErrorFields(text[:300] or f"HTTP {status}")
    retry_after = retry_after_seconds(headers)
    return UpstreamError(
        status,
        "http",
        f"{provider} answered {status}: {fields.message}",
        code=fields.code,
        error_type=fields.type,
        retry_after=fields.retry_delay if retry_after is None else retry_after,
        raw=text,
        upstream_message=fields.message,
        param=fields.param,
        reason=fields.reason,
    )
