"""OpenAI chat answers as Messages API answers: the buffered ``message`` and its usage.

Thinking comes back from ``thinking_blocks`` as the signed blocks themselves (before the text and
tool calls, as Claude orders them); reasoning text without blocks (a non-Claude reasoner) becomes
one unsigned thinking block.
"""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Any

from spidergate.usage.counts import Usage

Json = dict[str, Any]

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def stop_reason(finish_reason: str | None) -> str:
    return STOP_REASONS.get(finish_reason or "", "end_turn")


def anthropic_usage(usage: Usage, cost: Decimal | None = None) -> Json:
    """Anthropic's usage object: ``input_tokens`` exclude cache reads and writes (OpenAI's include them)."""
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    written = min(usage.cache_write_tokens, usage.prompt_tokens - cached)
    out: Json = {
        "input_tokens": usage.prompt_tokens - cached - written,
        "output_tokens": usage.completion_tokens,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": cached,
    }
    if cost is not None:
        out["cost"] = float(cost)
    return out


def tool_input(arguments: Any) -> Json:
    """A tool call's JSON arguments as a ``tool_use`` input (an object; ``{}`` when empty)."""
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments) if arguments else {}
    except (TypeError, ValueError):
        return {"_raw": str(arguments)}
    return value if isinstance(value, dict) else {"_value": value}


def to_message(body: Json, model: str, usage: Usage, cost: Decimal | None) -> Json:
    """The Messages API ``message`` for an OpenAI ``chat.completion`` body."""
    choices = body.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    content: list[Json] = []
    blocks = message.get("thinking_blocks")
    if isinstance(blocks, list) and blocks:
        content.extend(dict(b) for b in blocks if isinstance(b, dict))
    elif message.get("reasoning_content"):
        content.append({"type": "thinking", "thinking": str(message["reasoning_content"]), "signature": ""})
    text = message.get("content")
    if isinstance(text, str) and text:
        content.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": str(call.get("id") or "toolu_" + secrets.token_hex(8)),
                "name": str(function.get("name") or ""),
                "input": tool_input(function.get("arguments")),
            }
        )
    return {
        "id": new_message_id(),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(choice.get("finish_reason")),
        "stop_sequence": None,
        "usage": anthropic_usage(usage, cost),
    }
