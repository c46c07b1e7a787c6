"""Bedrock ConverseStream events -> OpenAI ``chat.completion.chunk`` pieces (PROVIDERS.md section 4)."""

from __future__ import annotations

from typing import Any

from spidergate.providers.base import StreamPiece, UpstreamError
from spidergate.providers.bedrock_response import finish_reason, usage_from_bedrock
from spidergate.providers.chat_output import ChunkWriter
from spidergate.providers.thinking import from_bedrock, thinking_block
from spidergate.usage.counts import Usage


class BedrockStreamTranslator:
    """Feeds on parsed ConverseStream events, emits OpenAI chunks; one instance per stream.

    Text blocks have no start event; tool calls get a running index (0, 1, ...), not the
    Converse ``contentBlockIndex``. Usage arrives in ``metadata``, after ``messageStop``.
    """

    def __init__(self, completion_id: str, model: str) -> None:
        self._writer = ChunkWriter(completion_id, model)
        self._tool_index_by_block: dict[int, int] = {}
        self._tool_has_arguments: set[int] = set()
        self._thinking: dict[int, list[str]] = {}  # block index -> [text, signature]
        self._usage: dict[str, Any] = {}
        self._started = False
        self._finished = False
        self._done = False

    def feed(self, event: dict[str, Any]) -> list[StreamPiece]:
        """The pieces one event produces (unknown events are skipped)."""
        if self._done:
            return []
        pieces: list[StreamPiece] = []
        if not self._started and _opens_message(event):
            self._started = True
            pieces.append(self._writer.role())
        if "contentBlockStart" in event:
            pieces.extend(self._on_block_start(event["contentBlockStart"]))
        elif "contentBlockDelta" in event:
            pieces.extend(self._on_block_delta(event["contentBlockDelta"]))
        elif "contentBlockStop" in event:
            pieces.extend(self._on_block_stop(event["contentBlockStop"]))
        elif "messageStop" in event and not self._finished:
            self._finished = True
            pieces.append(self._writer.finish(finish_reason(event["messageStop"].get("stopReason"))))
        elif "metadata" in event:
            self._usage = dict(event["metadata"].get("usage") or {})
        return pieces

    def _on_block_start(self, start: dict[str, Any]) -> list[StreamPiece]:
        use = (start.get("start") or {}).get("toolUse")
        if not use:
            return []
        index = len(self._tool_index_by_block)
        self._tool_index_by_block[int(start.get("contentBlockIndex") or 0)] = index
        return [
            self._writer.tool_call_start(index, str(use.get("toolUseId") or ""), str(use.get("name") or ""))
        ]

    def _on_block_delta(self, event: dict[str, Any]) -> list[StreamPiece]:
        delta = event.get("delta") or {}
        block_index = int(event.get("contentBlockIndex") or 0)
        if delta.get("text"):
            return [self._writer.text(str(delta["text"]))]
        fragment = (delta.get("toolUse") or {}).get("input")
        if fragment:
            index = self._tool_index_by_block.get(block_index)
            if index is None:
                return []
            self._tool_has_arguments.add(index)
            return [self._writer.tool_call_arguments(index, str(fragment))]
        reasoning = delta.get("reasoningContent") or {}
        redacted = reasoning.get("redactedContent")
        if redacted:
            block = from_bedrock({"redactedContent": redacted})
            return [self._writer.thinking_block(block)] if block is not None else []
        thinking = self._thinking.setdefault(block_index, ["", ""]) if reasoning else None
        if thinking is not None and reasoning.get("signature"):
            thinking[1] += str(reasoning["signature"])
        if thinking is not None and reasoning.get("text"):
            thinking[0] += str(reasoning["text"])
            return [self._writer.reasoning(str(reasoning["text"]))]
        return []  # citations have no OpenAI form

    def _on_block_stop(self, event: dict[str, Any]) -> list[StreamPiece]:
        """A reasoning block leaves whole, signed; a tool call that got no arguments gets ``{}``."""
        block_index = int(event.get("contentBlockIndex") or 0)
        thinking = self._thinking.pop(block_index, None)
        if thinking is not None:
            return [self._writer.thinking_block(thinking_block(thinking[0], thinking[1] or None))]
        index = self._tool_index_by_block.get(block_index)
        if index is not None and index not in self._tool_has_arguments:
            self._tool_has_arguments.add(index)
            return [self._writer.tool_call_arguments(index, "{}")]
        return []

    def usage(self) -> Usage:
        """The counts from the ``metadata`` event (zero if it has not come)."""
        return usage_from_bedrock(self._usage)

    def close(self) -> list[StreamPiece]:
        """End of the stream: the usage piece, once; raises if the message never finished."""
        if self._done:
            return []
        if not self._finished:
            raise UpstreamError(None, "stream", "Bedrock stream ended before messageStop")
        self._done = True
        return [self._writer.usage(self.usage())]


def _opens_message(event: dict[str, Any]) -> bool:
    """The role chunk goes first, even if an upstream skipped ``messageStart``."""
    return "messageStart" in event or "contentBlockStart" in event or "contentBlockDelta" in event
