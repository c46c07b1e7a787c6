"""httpx failures -> ``UpstreamError``: the one place translating adapters map low-level HTTP errors."""

from __future__ import annotations

import httpx
from spidergate.providers.base import UpstreamError


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
