"""Thinking blocks carried through the OpenAI shape, both ways, for the Anthropic and Bedrock wires.

OpenAI's chat format has no place for a model's signed reasoning, yet Claude refuses a tool loop
with thinking enabled unless the assistant turn that called the tool is sent back with its
thinking blocks, signatures intact ("Expected `thinking` or `redacted_thinking`, but found
`tool_use`"). The convention, LiteLLM's (docs.litellm.ai/docs/reasoning_content), which its and
other OpenAI SDK users already replay:

- the answer's ``message.reasoning_content`` holds the reasoning text;
- ``message.thinking_blocks`` holds the blocks as Anthropic shapes them:
  ``{"type": "thinking", "thinking": str, "signature": str}`` or
  ``{"type": "redacted_thinking", "data": str}``;
- a stream sends ``reasoning_content`` deltas as the text arrives and each finished block, once,
  as ``delta.thinking_blocks: [block]`` (redacted blocks when they start);
- an assistant message sent back with ``thinking_blocks`` gets them, in order and before its
  text and tool calls, on the wire.

These shapes are Anthropic's own, so an Anthropic-ingress endpoint can pass them through as is.
Bedrock's ``reasoningContent`` (``reasoningText{text, signature}`` or ``redactedContent`` bytes)
maps onto the same two types; its redacted bytes travel base64-encoded in ``data``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from spidergate.providers.chat_input import invalid

ThinkingBlock = dict[str, Any]


def thinking_block(text: str, signature: str | None) -> ThinkingBlock:
    """A signed thinking block (the signature may be missing on a cut stream)."""
    block: ThinkingBlock = {"type": "thinking", "thinking": text}
    if signature:
        block["signature"] = signature
    return block


def redacted_block(data: str) -> ThinkingBlock:
    """A redacted thinking block: opaque, encrypted data the model needs back unchanged."""
    return {"type": "redacted_thinking", "data": data}


def replayed_blocks(message: dict[str, Any]) -> list[ThinkingBlock]:
    """The ``thinking_blocks`` a client sent back on an assistant message, checked."""
    raw = message.get("thinking_blocks")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("assistant thinking_blocks must be a list", "invalid_thinking_blocks")
    blocks: list[ThinkingBlock] = []
    for block in raw:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "thinking" and isinstance(block.get("thinking"), str):
            blocks.append(thinking_block(block["thinking"], _text(block.get("signature"))))
        elif kind == "redacted_thinking" and isinstance(block.get("data"), str):
            blocks.append(redacted_block(block["data"]))
        else:
            raise invalid(
                "thinking_blocks entries are {type: thinking, thinking, signature} or "
                "{type: redacted_thinking, data}",
                "invalid_thinking_blocks",
            )
    return blocks


# -- Anthropic ---------------------------------------------------------------------------------
def from_anthropic(block: dict[str, Any]) -> ThinkingBlock | None:
    """A Messages API content block as a thinking block (None for other block types)."""
    kind = block.get("type")
    if kind == "thinking":
        return thinking_block(str(block.get("thinking") or ""), _text(block.get("signature")))
    if kind == "redacted_thinking":
        return redacted_block(str(block.get("data") or ""))
    return None


def to_anthropic(blocks: list[ThinkingBlock]) -> list[dict[str, Any]]:
    """Thinking blocks as Messages API content blocks (the same shapes)."""
    return [dict(block) for block in blocks]


# -- Bedrock Converse --------------------------------------------------------------------------
def from_bedrock(reasoning: dict[str, Any]) -> ThinkingBlock | None:
    """A Converse ``reasoningContent`` member as a thinking block."""
    text = reasoning.get("reasoningText")
    if isinstance(text, dict):
        return thinking_block(str(text.get("text") or ""), _text(text.get("signature")))
    redacted = reasoning.get("redactedContent")
    if isinstance(redacted, bytes | bytearray):
        return redacted_block(base64.b64encode(bytes(redacted)).decode())
    return None


def to_bedrock(blocks: list[ThinkingBlock]) -> list[dict[str, Any]]:
    """Thinking blocks as Converse ``reasoningContent`` content blocks."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        if block["type"] == "thinking":
            text: dict[str, Any] = {"text": block["thinking"]}
            if block.get("signature"):
                text["signature"] = block["signature"]
            out.append({"reasoningContent": {"reasoningText": text}})
        else:
            try:
                data = base64.b64decode(block["data"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise invalid(
                    "redacted_thinking data must be the base64 the gateway returned",
                    "invalid_thinking_blocks",
                ) from exc
            out.append({"reasoningContent": {"redactedContent": data}})
    return out


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
