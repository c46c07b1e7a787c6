"""Anthropic prompt caching, played: a prefix up to the last ``cache_control`` is written once,
then read by later requests with the same prefix (per model), as the Messages API reports it."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from spidergate.local.sandbox.text import content_text, count_tokens

_SEEN: OrderedDict[str, None] = OrderedDict()
_CAPACITY = 4096


def _blocks(body: dict[str, Any]) -> list[Any]:
    system = body.get("system")
    blocks: list[Any] = list(system) if isinstance(system, list) else [system] if system else []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        blocks.extend(content if isinstance(content, list) else [content])
    return blocks


def cache_usage(body: dict[str, Any]) -> tuple[int, int]:
    """(cache_creation_input_tokens, cache_read_input_tokens) for this request."""
    blocks = _blocks(body)
    tokens = 0
    cached = -1
    prefix_tokens = 0
    for index, block in enumerate(blocks):
        tokens += count_tokens(content_text(block) if isinstance(block, str) else content_text([block]))
        if isinstance(block, dict) and isinstance(block.get("cache_control"), dict):
            cached, prefix_tokens = index, tokens
    if cached < 0 or prefix_tokens == 0:
        return 0, 0
    prefix = json.dumps([body.get("model"), blocks[: cached + 1]], sort_keys=True, default=str)
    key = hashlib.sha256(prefix.encode()).hexdigest()
    if key in _SEEN:
        _SEEN.move_to_end(key)
        return 0, prefix_tokens
    _SEEN[key] = None
    if len(_SEEN) > _CAPACITY:
        _SEEN.popitem(last=False)
    return prefix_tokens, 0
