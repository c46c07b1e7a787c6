"""Prompt caching on Claude through both APIs: cache_control passed on, cache writes and reads
reported apart and priced at their own rates (the sandbox plays Anthropic's prompt cache)."""

from __future__ import annotations

import secrets
from typing import Any

import anthropic
import pytest

pytestmark = pytest.mark.integration

CLAUDE = "anthropic/claude-sonnet-4-5"
KEYS = (("anthropic-1", "anthropic", ""),)


def _system() -> str:
    return f"Context {secrets.token_hex(4)}: " + " ".join(["The gateway pools provider keys."] * 60)


def test_messages_api_reports_cache_writes_then_reads(make_tenant) -> None:
    tenant = make_tenant(keys=KEYS)
    c = anthropic.Anthropic(
        base_url=tenant.gateway.root + "/api/gate/anthropic", api_key=tenant.token, max_retries=0
    )
    system: Any = [{"type": "text", "text": _system(), "cache_control": {"type": "ephemeral"}}]
    messages: Any = [{"role": "user", "content": "Say hello"}]
    first = c.messages.create(model=CLAUDE, max_tokens=50, system=system, messages=messages)
    second = c.messages.create(model=CLAUDE, max_tokens=50, system=system, messages=messages)
    assert first.usage.cache_creation_input_tokens and first.usage.cache_creation_input_tokens > 300
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    costs = [(m.usage.model_extra or {})["cost"] for m in (first, second)]
    assert costs[1] < costs[0] / 3  # reads at a tenth of the input price, writes at 1.25x


def test_chat_api_passes_cache_control_and_prices_cached_input(make_tenant) -> None:
    client = make_tenant(keys=KEYS).client()
    messages: Any = [
        {
            "role": "system",
            "content": [{"type": "text", "text": _system(), "cache_control": {"type": "ephemeral"}}],
        },
        {"role": "user", "content": "Say hello"},
    ]
    first = client.chat.completions.create(model=CLAUDE, messages=messages, max_tokens=50)
    second = client.chat.completions.create(model=CLAUDE, messages=messages, max_tokens=50)
    assert first.usage is not None and second.usage is not None
    written = getattr(first.usage.prompt_tokens_details, "cache_write_tokens", None)
    assert written and written > 300
    assert second.usage.prompt_tokens_details is not None
    assert second.usage.prompt_tokens_details.cached_tokens == written
    assert (second.usage.model_extra or {})["cost"] < (first.usage.model_extra or {})["cost"] / 3
