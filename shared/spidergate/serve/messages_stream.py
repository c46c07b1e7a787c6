"""Messages API event streams committed to the client: passed through, or translated from chat.

Both settle usage before ``message_stop`` and, on a disconnect, in ``close()`` (as chat does). A
failure after the first byte ends the stream with an ``error`` event.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from spidergate.anthropic_api.chat_events import ChatToEvents
from spidergate.anthropic_api.errors import error_event
from spidergate.anthropic_api.from_chat import anthropic_usage
from spidergate.anthropic_api.passthrough import UsageReader
from spidergate.errors import UpstreamFailed
from spidergate.providers.anthropic_response import ERROR_STATUS
from spidergate.providers.anthropic_stream import SseEvent
from spidergate.providers.base import StreamPiece, UpstreamError
from spidergate.serve.exchange import Exchange
from spidergate.usage.counts import Usage

_CUT = UpstreamFailed(
    "The upstream stream failed after it started; the response is incomplete.", code="upstream_stream_error"
)


@dataclass
class MessagesStream(ABC):
    """Base: ``events()`` yields SSE bytes, ``close()`` releases the upstream and settles."""

    headers: dict[str, str]
    exchange: Exchange
    _completed: bool = field(default=False, init=False)
    _bytes: int = field(default=0, init=False)

    @abstractmethod
    def events(self) -> AsyncIterator[bytes]:
        """The SSE body for the client."""

    @abstractmethod
    async def _release(self) -> None:
        """Close the upstream stream."""

    async def close(self) -> None:
        try:
            await self._release()
        finally:
            if self._completed:
                await self.exchange.finish()
            else:
                self.exchange.record.client_disconnected = True
                self.exchange.fail(499, "client_disconnected")
                await self._settle(None)

    async def _settle(self, usage: Usage | None) -> Usage:
        if usage is None:
            usage = Usage(
                prompt_tokens=self.exchange.record.usage.prompt_tokens,
                completion_tokens=max(1, self._bytes // 40),
                estimated=True,
            )
        self.exchange.account(usage)
        await self.exchange.finish()
        return usage

    async def _cut(self) -> bytes:
        self.exchange.fail(502, "upstream_stream_error")
        self._completed = True
        await self._settle(None)
        return error_event(_CUT)


@dataclass
class PassedStream(MessagesStream):
    """An Anthropic upstream's events, ``data`` lines as received (``message_delta`` gains the cost)."""

    head: list[SseEvent] = field(default_factory=list)
    rest: AsyncIterator[SseEvent] | None = None
    reader: UsageReader = field(default_factory=UsageReader)

    async def events(self) -> AsyncIterator[bytes]:
        try:
            for item in self.head:
                yield await self._take(item)
            if self.rest is not None:
                async for item in self.rest:
                    yield await self._take(item)
        except UpstreamError:
            yield await self._cut()
            return
        if not self._completed:
            self._completed = True
            await self._settle(self.reader.usage())

    async def _take(self, item: SseEvent) -> bytes:
        self.reader.feed(item)
        data = item.data
        if item.event == "message_delta":
            data = self._with_cost(data)
        elif item.event == "error":
            status = ERROR_STATUS.get(_error_type(data), 500)
            self.exchange.fail(status, "upstream_stream_error")
        if item.event == "message_stop" or item.event == "error":
            self._completed = True
            await self._settle(self.reader.usage())
        self._bytes += len(data)
        return b"event: " + item.event.encode() + b"\ndata: " + data.encode() + b"\n\n"

    def _with_cost(self, data: str) -> str:
        usage = self.reader.usage()
        if usage is None:
            return data
        self.exchange.account(usage)
        try:
            parsed = json.loads(data)
        except ValueError:
            return data
        if isinstance(parsed.get("usage"), dict):
            parsed["usage"]["cost"] = float(self.exchange.record.cost)
        return json.dumps(parsed)

    async def _release(self) -> None:
        if self.rest is not None:
            await self.rest.aclose()  # type: ignore[attr-defined]


@dataclass
class TranslatedStream(MessagesStream):
    """A chat stream from another upstream, as Messages events."""

    head: list[StreamPiece] = field(default_factory=list)
    rest: AsyncIterator[StreamPiece] | None = None
    translator: ChatToEvents = field(default_factory=lambda: ChatToEvents("", 0))
    _usage: Usage | None = field(default=None, init=False)

    async def events(self) -> AsyncIterator[bytes]:
        try:
            for event in self.translator.start():
                yield event
            for piece in self.head:
                for event in self._take(piece):
                    yield event
            if self.rest is not None:
                async for piece in self.rest:
                    for event in self._take(piece):
                        yield event
        except UpstreamError:
            yield await self._cut()
            return
        self._completed = True
        usage = await self._settle(self._usage)
        for event in self.translator.close(anthropic_usage(usage, self.exchange.record.cost)):
            yield event

    def _take(self, piece: StreamPiece) -> list[bytes]:
        if piece.usage is not None:
            self._usage = piece.usage
        self._bytes += len(piece.data)
        return self.translator.feed(piece.data)

    async def _release(self) -> None:
        if self.rest is not None:
            await self.rest.aclose()  # type: ignore[attr-defined]


def _error_type(data: str) -> str:
    try:
        error = json.loads(data).get("error") or {}
    except (ValueError, AttributeError):
        return ""
    return str(error.get("type") or "") if isinstance(error, dict) else ""
