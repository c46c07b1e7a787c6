"""Cheap prompt-size estimates for limits and worst-case reservations (no tokenizer)."""

from __future__ import annotations

from typing import Any

_CHARS_PER_TOKEN = 4
_IMAGE_TOKENS = 1100  # a high-detail 1024px image is ~765-1105 tokens at OpenAI


def prompt_tokens(messages: list[dict[str, Any]], tools: list[Any] | None = None) -> int:
    """An upper-leaning estimate of a chat prompt's tokens (about 4 characters a token)."""
    chars = 0
    images = 0
    for message in messages:
        chars += 16  # role and framing
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "text":
                    chars += len(str(part.get("text", "")))
                elif part.get("type") == "image_url":
                    images += 1
                else:
                    chars += 256
        for call in message.get("tool_calls") or ():
            chars += len(str(call))
    if tools:
        chars += sum(len(str(t)) for t in tools)
    return chars // _CHARS_PER_TOKEN + images * _IMAGE_TOKENS + 8


_MESSAGE_OVERHEAD = 8  # role, separators and framing tokens of one chat message, generously


def prompt_bound(messages: list[dict[str, Any]], tools: list[Any] | None = None) -> int:
    """A true upper bound of a chat prompt's tokens, for the worst-case reservation: a byte-level
    BPE token covers at least one byte of UTF-8, so text costs at most its byte count (dense text
    such as 10,000 one-letter words runs far above the 4-characters-a-token estimate)."""
    total = 0
    images = 0
    for message in messages:
        total += _MESSAGE_OVERHEAD
        content = message.get("content")
        if isinstance(content, str):
            total += _utf8(content)
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "text":
                    total += _utf8(str(part.get("text", "")))
                elif part.get("type") == "image_url":
                    images += 1
                else:
                    total += _utf8(str(part))
        for call in message.get("tool_calls") or ():
            total += _utf8(str(call))
    if tools:
        total += sum(_utf8(str(t)) for t in tools)
    return total + images * _IMAGE_TOKENS + _MESSAGE_OVERHEAD


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def text_tokens(value: Any) -> int:
    """Estimate for embeddings input: a string, a list of strings or token arrays."""
    if isinstance(value, str):
        return len(value) // _CHARS_PER_TOKEN + 1
    if isinstance(value, list):
        if value and all(isinstance(v, int) for v in value):
            return len(value)
        return sum(text_tokens(v) for v in value)
    return 0
