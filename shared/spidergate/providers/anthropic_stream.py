"""Anthropic Messages SSE events -> OpenAI ``chat.completion.chunk`` pieces (PROVIDERS.md section 2)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from spidergate.providers.anthropic_response import finish_reason, stream_error, usage_from_anthropic
from spidergate.providers.base import StreamPiece, UpstreamError
from spidergate.providers.chat_output import ChunkWriter, new_completion_id
from spidergate.providers.thinking import redacted_block, thinking_block
from spidergate.usage.counts import Usage


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One server-sent event: its ``event:`` name and joined ``data:`` lines."""

    event: str
    data: str


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[SseEvent]:
    """Parse SSE lines into events (comments skipped; multi-line data joined with newlines)."""
    event = ""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield SseEvent(event or "message", "\n".join(data))
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield SseEvent(event or "message", "\n".join(data))


class AnthropicStreamTranslator:
    """Feeds on Anthropic stream events, emits OpenAI chunks; one instance per stream.

    Tool-call indexes count tool calls (0, 1, ...), not Anthropic content-block indexes.
    Thinking text streams as ``reasoning_content``; each thinking block leaves whole, with its
    signature, when it stops (``providers.thinking``).
    """

    def __init__(self, fallback_model: str) -> None:
        self._fallback_model = fallback_model
        self._writer: ChunkWriter | None = None
        self._start_usage: dict[str, Any] = {}
        self._delta_usage: dict[str, Any] = {}
        self._tool_index_by_block: dict[int, int] = {}
        self._tool_has_arguments: set[int] = set()
        self._thinking: dict[int, list[str]] = {}  # block index -> [text, signature]
        self._finished = False
        self._done = False

    def _ensure_writer(self, message: dict[str, Any] | None = None) -> ChunkWriter:
        if self._writer is None:
            message = message or {}
            self._writer = ChunkWriter(
                str(message.get("id") or new_completion_id()),
                str(message.get("model") or self._fallback_model),
            )
        return self._writer

    def feed(self, event: SseEvent) -> list[StreamPiece]:
        """The pieces one event produces; an ``error`` event raises ``UpstreamError(kind="stream")``."""
        if self._done or event.event == "ping":
            return []
        if event.event == "error":
            raise stream_error(event.data)
        try:
            payload = json.loads(event.data)
        except ValueError as exc:
            raise UpstreamError(None, "stream", "Anthropic stream sent invalid JSON", raw=event.data) from exc
        kind = payload.get("type") or event.event
        if kind == "error":
            raise stream_error(event.data)
        handler = getattr(self, f"_on_{kind}", None)
        return handler(payload) if handler is not None else []  # unknown event types are skipped

    def _on_message_start(self, payload: dict[str, Any]) -> list[StreamPiece]:
        message = payload.get("message") or {}
        self._start_usage = dict(message.get("usage") or {})
        return [self._ensure_writer(message).role()]

    def _on_content_block_start(self, payload: dict[str, Any]) -> list[StreamPiece]:
        block = payload.get("content_block") or {}
        kind = block.get("type")
        block_index = int(payload.get("index") or 0)
        writer = self._ensure_writer()
        if kind == "thinking":
            self._thinking[block_index] = [
                str(block.get("thinking") or ""),
                str(block.get("signature") or ""),
            ]
            return []
        if kind == "redacted_thinking":
            return [writer.thinking_block(redacted_block(str(block.get("data") or "")))]
        if kind != "tool_use":
            return []
        index = len(self._tool_index_by_block)
        self._tool_index_by_block[block_index] = index
        return [writer.tool_call_start(index, str(block.get("id") or ""), str(block.get("name") or ""))]

    def _on_content_block_delta(self, payload: dict[str, Any]) -> list[StreamPiece]:
        delta = payload.get("delta") or {}
        kind = delta.get("type")
        block_index = int(payload.get("index") or 0)
        writer = self._ensure_writer()
        if kind == "text_delta" and delta.get("text"):
            return [writer.text(str(delta["text"]))]
        if kind == "input_json_delta" and delta.get("partial_json"):
            index = self._tool_index_by_block.get(block_index)
            if index is not None:
                self._tool_has_arguments.add(index)
                return [writer.tool_call_arguments(index, str(delta["partial_json"]))]
        thinking = self._thinking.get(block_index)
        if kind == "thinking_delta" and delta.get("thinking"):
            if thinking is not None:
                thinking[0] += str(delta["thinking"])
            return [writer.reasoning(str(delta["thinking"]))]
        if kind == "signature_delta" and thinking is not None:
            thinking[1] += str(delta.get("signature") or "")
        return []  # citations_delta and empty fragments have no OpenAI form

    def _on_content_block_stop(self, payload: dict[str, Any]) -> list[StreamPiece]:
        """A thinking block leaves whole, signed; a tool call that got no arguments gets ``{}``."""
        block_index = int(payload.get("index") or 0)
        writer = self._ensure_writer()
        thinking = self._thinking.pop(block_index, None)
        if thinking is not None:
            return [writer.thinking_block(thinking_block(thinking[0], thinking[1] or None))]
        index = self._tool_index_by_block.get(block_index)
        if index is not None and index not in self._tool_has_arguments:
            self._tool_has_arguments.add(index)
            return [writer.tool_call_arguments(index, "{}")]  # what OpenAI and our JSON path give
        return []

    def _on_message_delta(self, payload: dict[str, Any]) -> list[StreamPiece]:
        # Counts here are cumulative; newer API versions also repeat the input counts.
        self._delta_usage.update({k: v for k, v in (payload.get("usage") or {}).items() if v is not None})
        stop_reason = (payload.get("delta") or {}).get("stop_reason")
        if stop_reason is None or self._finished:
            return []
        self._finished = True
        return [self._ensure_writer().finish(finish_reason(stop_reason))]

    def _on_message_stop(self, payload: dict[str, Any]) -> list[StreamPiece]:
        pieces: list[StreamPiece] = []
        if not self._finished:
            self._finished = True
            pieces.append(self._ensure_writer().finish("stop"))
        return pieces + self.close()

    def usage(self) -> Usage:
        """The counts seen so far (start counts overlaid with the cumulative delta counts)."""
        return usage_from_anthropic({**self._start_usage, **self._delta_usage})

    def close(self) -> list[StreamPiece]:
        """End of the stream: the usage piece, once.

        Raises ``UpstreamError(kind="stream")`` if the upstream ended before saying how it finished.
        """
        if self._done:
            return []
        if not self._finished:
            raise UpstreamError(None, "stream", "Anthropic stream ended before the message finished")
        self._done = True
        return [self._ensure_writer().usage(self.usage())]
