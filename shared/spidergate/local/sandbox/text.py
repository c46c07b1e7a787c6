"""Deterministic text for the sandbox: replies, token counts, ids and tool arguments."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

ECHO_WORDS = 24
_PIECE = re.compile(r"\s*\S+")


def count_tokens(text: str) -> int:
    """The sandbox's token count: whitespace-separated words."""
    return len(text.split())


def pieces(text: str) -> list[str]:
    """``text`` split into one-token pieces (leading whitespace kept) that join back to it."""
    return _PIECE.findall(text)


def reply_for(model: str, user_text: str) -> str:
    """The assistant text the sandbox answers with: the model name and an echo of the user."""
    words = user_text.split()
    echo = " ".join(words[:ECHO_WORDS]) + (" …" if len(words) > ECHO_WORDS else "")
    return f"Sandbox reply from {model}: {echo}" if echo else f"Sandbox reply from {model}."


def limit_tokens(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` cut to ``limit`` tokens, and whether it was cut."""
    parts = pieces(text)
    if limit is None or len(parts) <= limit:
        return text, False
    return "".join(parts[:limit]), True


def stable_hex(*parts: str, length: int = 24) -> str:
    """A hex digest of ``parts``: the same request gives the same ids."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def content_text(content: Any) -> str:
    """The text inside an OpenAI or Anthropic message ``content`` (string or list of parts)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict):
            if isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif part.get("type") == "tool_result":
                texts.append(content_text(part.get("content")))
    return " ".join(texts)


def last_user_text(messages: list[Any]) -> str:
    """The text of the last user message, or "" when there is none."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def messages_tokens(messages: list[Any]) -> int:
    """Prompt tokens of a message list: the words of every message's text content."""
    return sum(count_tokens(content_text(m.get("content"))) for m in messages if isinstance(m, dict))


def arguments_from_schema(schema: Any) -> dict[str, Any]:
    """Tool-call arguments: a value for every required string property, nothing else."""
    if not isinstance(schema, dict):
        return {}
    properties = schema.get("properties")
    required = schema.get("required")
    if not isinstance(properties, dict) or not isinstance(required, list):
        return {}
    args: dict[str, Any] = {}
    for name in required:
        prop = properties.get(name) if isinstance(name, str) else None
        if isinstance(prop, dict) and prop.get("type") == "string":
            args[name] = f"sandbox {name}"
    return args


def dumps(value: Any) -> str:
    """Compact JSON, as the providers send it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
