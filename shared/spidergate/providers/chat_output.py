"""Writing OpenAI ``chat.completion`` objects and ``chat.completion.chunk`` events.

For adapters that translate another wire format: they collect an assistant turn (text, reasoning,
tool calls) or emit deltas through a ``ChunkWriter``, and get shapes the openai SDK validates.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from spidergate.providers.base import StreamPiece
from spidergate.usage.counts import Usage


def new_completion_id() -> str:
    """An OpenAI-style id for an upstream that gives none."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def encode(obj: dict[str, Any]) -> bytes:
    """Compact JSON bytes for one SSE data payload."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(slots=True)
class AssistantTurn:
    """A buffered assistant answer, gathered block by block."""

    texts: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    thinking_blocks: list[dict[str, Any]] = field(default_factory=list)  # see providers.thinking

    def add_thinking(self, block: dict[str, Any]) -> None:
        """A thinking block: kept for replay, its text also read as ``reasoning_content``."""
        self.thinking_blocks.append(block)
        if block.get("type") == "thinking" and block.get("thinking"):
            self.reasoning.append(str(block["thinking"]))

    def add_tool_call(self, call_id: str, name: str, arguments: Any) -> None:
        """A finished tool call; ``arguments`` (a parsed object) is serialised as OpenAI expects."""
        self.tool_calls.append(
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        )

    def message(self) -> dict[str, Any]:
        """The OpenAI assistant message (``content`` is null when the turn is only tool calls)."""
        text = "".join(self.texts)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": text if text or not self.tool_calls else None,
            "refusal": None,
        }
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        if self.reasoning:
            message["reasoning_content"] = "".join(self.reasoning)
        if self.thinking_blocks:
            message["thinking_blocks"] = self.thinking_blocks
        return message


def chat_completion(
    *, completion_id: str, model: str, turn: AssistantTurn, finish_reason: str, usage: Usage
) -> dict[str, Any]:
    """A complete ``chat.completion`` object with one choice."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": turn.message(), "finish_reason": finish_reason, "logprobs": None}
        ],
        "usage": usage.to_openai(),
    }


class ChunkWriter:
    """Builds the chunks of one streamed completion (same id, created and model on each)."""

    def __init__(self, completion_id: str, model: str) -> None:
        self.completion_id = completion_id
        self.model = model
        self.created = int(time.time())

    def _envelope(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> StreamPiece:
        """A chunk with one choice carrying ``delta``."""
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return StreamPiece(encode(self._envelope([choice])))

    def role(self) -> StreamPiece:
        """The first chunk: the assistant role and empty content."""
        return self.delta({"role": "assistant", "content": ""})

    def text(self, text: str) -> StreamPiece:
        return self.delta({"content": text})

    def reasoning(self, text: str) -> StreamPiece:
        """Reasoning text as ``reasoning_content`` (the DeepSeek convention; not standard OpenAI)."""
        return self.delta({"reasoning_content": text})

    def thinking_block(self, block: dict[str, Any]) -> StreamPiece:
        """One finished thinking block (with its signature) or a redacted block, for replay."""
        return self.delta({"thinking_blocks": [block]})

    def tool_call_start(self, index: int, call_id: str, name: str) -> StreamPiece:
        """A tool call header: ``index`` counts tool calls in this answer, from 0."""
        call = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        return self.delta({"tool_calls": [call]})

    def tool_call_arguments(self, index: int, fragment: str) -> StreamPiece:
        return self.delta({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})

    def finish(self, finish_reason: str) -> StreamPiece:
        return self.delta({}, finish_reason)

    def usage(self, usage: Usage) -> StreamPiece:
        """The trailing ``choices: []`` usage chunk (the gateway forwards it only if asked)."""
        body = self._envelope([])
        body["usage"] = usage.to_openai()
        return StreamPiece(encode(body), usage=usage, usage_only=True)
