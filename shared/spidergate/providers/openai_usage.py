"""Usage objects of OpenAI-compatible providers, including their non-standard cache fields."""

from __future__ import annotations

from typing import Any

from spidergate.usage.counts import Usage


def usage_of(raw: dict[str, Any] | None) -> Usage:
    """An OpenAI-shaped ``usage`` as ``Usage``; DeepSeek's cache hits count as cached input.

    DeepSeek reports ``prompt_cache_hit_tokens`` / ``prompt_cache_miss_tokens`` (their sum is
    ``prompt_tokens``) instead of ``prompt_tokens_details.cached_tokens``
    (api-docs.deepseek.com/guides/kv_cache); read as plain usage, every hit would be billed at the
    full input price.
    """
    usage = Usage.from_openai(raw)
    if raw and not usage.cached_tokens:
        hits = raw.get("prompt_cache_hit_tokens")
        if isinstance(hits, int) and not isinstance(hits, bool) and hits > 0:
            usage.cached_tokens = min(hits, usage.prompt_tokens)
    return usage
