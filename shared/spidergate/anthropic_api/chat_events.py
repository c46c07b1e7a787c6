"""OpenAI chat chunks as Messages API stream events, for upstreams that do not speak Messages.

``message_start`` (usage: the prompt estimate, never 0; the real counts follow in
``message_delta``), then one ``content_block_start`` / ``*_delta`` / ``content_block_stop`` run
per block: thinking (``reasoning_content`` deltas; the signature when the finished block arrives
in ``thinking_blocks``), text, and one ``tool_use`` block per tool call (``input_json_delta``),
then ``message_delta`` with the stop reason and usage, then ``message_stop``.
"""

from __future__ import annotations

import json
from typing import Any

from spidergate.anthropic_api.from_chat import new_message_id, stop_reason

Json = dict[str, Any]


def event(data: Json) -> bytes:
    """One named SSE event (the name is the payload's ``type``, as Anthropic sends it)."""
    return b"event: " + str(data["type"]).encode() + b"\ndata: " + json.dumps(data).encode() + b"\n\n"


class ChatToEvents:
    """Feeds on chat chunk payloads, emits Messages events; one instance per stream."""

    def __init__(self, model: str, input_estimate: int) -> None:
        self.model = model
        self.input_estimate = input_estimate
        self.finish_reason: str | None = None
        self._started = False
        self._index = -1  # the open block's index, -1 when none is open
        self._open: str | None = None  # "text" | "thinking" | "tool:<n>"
        self._tool_blocks: dict[int, int] = {}  # OpenAI tool index -> content block index
        self._next_index = 0

    def start(self) -> list[bytes]:
        if self._started:
            return []
        self._started = True
        usage = {"input_tokens": self.input_estimate, "output_tokens": 1}
        message: Json = {
            "id": new_message_id(),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        }
        return [event({"type": "message_start", "message": message})]

    def feed(self, payload: bytes) -> list[bytes]:
        """The events for one chat chunk payload (the JSON after ``data: ``)."""
        out = self.start()
        chunk = json.loads(payload)
        choices = chunk.get("choices") or []
        if not choices or not isinstance(choices[0], dict):
            return out
        choice = choices[0]
        delta = choice.get("delta") or {}
        if delta.get("reasoning_content"):
            out += self._ensure("thinking", {"type": "thinking", "thinking": "", "signature": ""})
            out.append(self._delta({"type": "thinking_delta", "thinking": delta["reasoning_content"]}))
        for block in delta.get("thinking_blocks") or ():
            out += self._finished_thinking(block)
        if isinstance(delta.get("content"), str) and delta["content"]:
            out += self._ensure("text", {"type": "text", "text": ""})
            out.append(self._delta({"type": "text_delta", "text": delta["content"]}))
        for call in delta.get("tool_calls") or ():
            out += self._tool_call(call)
        if choice.get("finish_reason"):
            self.finish_reason = choice["finish_reason"]
        return out

    def close(self, usage: Json) -> list[bytes]:
        """The closing events: the open block's stop, ``message_delta`` with ``usage``, ``message_stop``."""
        out = self.start() + self._stop()
        delta = {"stop_reason": stop_reason(self.finish_reason), "stop_sequence": None}
        out.append(event({"type": "message_delta", "delta": delta, "usage": usage}))
        out.append(event({"type": "message_stop"}))
        return out

    def _finished_thinking(self, block: Json) -> list[bytes]:
        out: list[bytes] = []
        if block.get("type") == "redacted_thinking":
            out += self._stop()
            out += self._ensure("redacted", {"type": "redacted_thinking", "data": block.get("data", "")})
            return out + self._stop()
        if self._open != "thinking":
            out += self._ensure("thinking", {"type": "thinking", "thinking": "", "signature": ""})
            out.append(self._delta({"type": "thinking_delta", "thinking": str(block.get("thinking") or "")}))
        if block.get("signature"):
            out.append(self._delta({"type": "signature_delta", "signature": block["signature"]}))
        return out + self._stop()

    def _tool_call(self, call: Json) -> list[bytes]:
        out: list[bytes] = []
        position = int(call.get("index") or 0)
        function = call.get("function") or {}
        if position not in self._tool_blocks:
            opening = {
                "type": "tool_use",
                "id": str(call.get("id") or f"toolu_{position}"),
                "name": str(function.get("name") or ""),
                "input": {},
            }
            out += self._ensure(f"tool:{position}", opening, force=True)
            self._tool_blocks[position] = self._index
        arguments = function.get("arguments")
        if arguments:
            index = self._tool_blocks[position]
            delta = {"type": "input_json_delta", "partial_json": arguments}
            out.append(event({"type": "content_block_delta", "index": index, "delta": delta}))
        return out

    def _ensure(self, kind: str, opening: Json, *, force: bool = False) -> list[bytes]:
        if self._open == kind and not force:
            return []
        out = self._stop()
        self._index = self._next_index
        self._next_index += 1
        self._open = kind
        out.append(event({"type": "content_block_start", "index": self._index, "content_block": opening}))
        return out

    def _delta(self, delta: Json) -> bytes:
        return event({"type": "content_block_delta", "index": self._index, "delta": delta})

    def _stop(self) -> list[bytes]:
        if self._open is None:
            return []
        self._open = None
        return [event({"type": "content_block_stop", "index": self._index})]
