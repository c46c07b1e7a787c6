"""The provider seam: one small adapter protocol, one file per wire format, HTTP client injected.

Adapters speak OpenAI on the gateway side: requests arrive as validated OpenAI request dicts and
results leave as OpenAI response dicts / chunks. Every upstream failure is raised as
``UpstreamError``; ``spidergate.routing.classify`` alone decides what it means.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.usage.counts import Usage

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True, slots=True)
class ProviderDef:
    """How to reach a provider (hand-kept in ``catalog/data/providers.json``)."""

    name: str
    display_name: str
    wire: str  # "openai" | "anthropic" | "azure" | "bedrock"
    base_url: str | None = None
    auth: str = "bearer"  # "bearer" | "x-api-key" | "api-key" | "aws" | "none"
    free_tier: bool = False
    self_hosted: bool = False
    # Chat parameter rules, applied by ``providers.params.plan_params`` (see its module doc):
    # fields dropped, renamed, refused unless one of the accepted values, the allow-list of a
    # translating wire (None: everything not dropped passes), and message fields removed.
    drop_params: frozenset[str] = frozenset()
    rename_params: tuple[tuple[str, str], ...] = ()
    reasoning_rename_params: tuple[tuple[str, str], ...] = ()  # only for reasoning models
    reject_params: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    translate_params: frozenset[str] | None = None
    drop_message_fields: frozenset[str] = frozenset()
    thinking_excludes_params: frozenset[str] = frozenset()  # dropped when thinking is on
    stream_usage_option: bool = True  # accepts stream_options.include_usage
    extra_body: tuple[tuple[str, Any], ...] = ()
    api_version: str | None = None  # Azure classic deployments


@dataclass(frozen=True, slots=True)
class Target:
    """One attempt: a model on a provider through one pooled key."""

    model: ModelInfo
    provider: ProviderDef
    key: ProviderKey
    api_key: str = field(repr=False)

    @property
    def base_url(self) -> str:
        url = self.key.base_url or self.provider.base_url
        if not url:
            raise UpstreamError(None, "config", f"provider {self.provider.name} needs a base_url on its key")
        return url.rstrip("/")


class UpstreamError(Exception):
    """An upstream failure as observed; never shown to clients as is (may hold provider text).

    ``kind``: "http" (a status came back), "timeout", "connection", "stream" (broken or
    error event mid-stream), "config" (cannot build the call), "unsupported" (the adapter has
    no such operation).
    """

    def __init__(
        self,
        status: int | None,
        kind: str,
        message: str,
        *,
        code: str | None = None,
        error_type: str | None = None,
        retry_after: float | None = None,
        raw: str = "",
        upstream_message: str | None = None,
        param: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.code = code
        self.error_type = error_type
        self.retry_after = retry_after
        self.raw = raw[:2000]
        self.upstream_message = upstream_message  # the provider's own words, without our prefix
        self.param = param  # the provider's ``param`` (which request field it refused)
        self.reason = reason  # a structured detail (Gemini ErrorInfo reason, "quota_zero")


@dataclass(slots=True)
class Completion:
    """A buffered OpenAI-shaped JSON result (chat, embeddings, images, verbose transcriptions)."""

    body: dict[str, Any]
    usage: Usage
    raw: bytes | None = None  # the upstream's bytes when ``body`` is unchanged (pass-through)


@dataclass(slots=True)
class BinaryResult:
    """A non-JSON result (speech audio, text/srt/vtt transcriptions)."""

    content: bytes
    content_type: str
    usage: Usage


@dataclass(slots=True)
class StreamPiece:
    """One SSE event for the client: ``data`` is the JSON payload after ``data: ``.

    ``usage`` is set on the event carrying the upstream's usage; ``usage_only`` marks the
    ``choices: []`` usage chunk (sent to the client only if it asked for usage).
    """

    data: bytes
    usage: Usage | None = None
    usage_only: bool = False


@dataclass(slots=True)
class AudioUpload:
    """A transcription's audio file, already read (direct upload or from the S3 upload flow)."""

    filename: str
    content: bytes
    content_type: str


class Adapter:
    """Base adapter: operations a wire format lacks raise ``UpstreamError(kind="unsupported")``."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def chat(self, target: Target, request: dict[str, Any]) -> Completion:
        raise _unsupported(target, "chat")

    def chat_stream(self, target: Target, request: dict[str, Any]) -> AsyncIterator[StreamPiece]:
        raise _unsupported(target, "streaming chat")

    async def embeddings(self, target: Target, request: dict[str, Any]) -> Completion:
        raise _unsupported(target, "embeddings")

    async def images(self, target: Target, request: dict[str, Any]) -> Completion:
        raise _unsupported(target, "image generation")

    async def speech(self, target: Target, request: dict[str, Any]) -> BinaryResult:
        raise _unsupported(target, "speech")

    async def transcription(
        self, target: Target, fields: dict[str, Any], upload: AudioUpload
    ) -> Completion | BinaryResult:
        raise _unsupported(target, "transcription")


def _unsupported(target: Target, what: str) -> UpstreamError:
    return UpstreamError(None, "unsupported", f"{target.provider.name} adapter does not support {what}")


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``retry-after`` (seconds or HTTP date) or reset headers."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            import time
            from email.utils import parsedate_to_datetime

            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
        reset = headers.get(name)
        if reset:
            parsed = parse_duration(reset)
            if parsed is not None:
                return parsed
    return None


def parse_duration(text: str) -> float | None:
    """OpenAI-style reset durations: ``6m0s``, ``1s``, ``12ms``, ``0.5s``."""
    import re

    total = 0.0
    matched = False
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text):
        matched = True
        total += float(number) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    return total if matched else None
