"""Usage counts by class, as reported by an upstream and normalised to OpenAI's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Usage:
    """Counts for one request. ``prompt_tokens`` includes cached and cache-write tokens;
    ``completion_tokens`` includes reasoning tokens (OpenAI's convention)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0
    characters: int = 0
    seconds: float = 0.0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @classmethod
    def from_openai(cls, usage: dict[str, Any] | None) -> Usage:
        """Parse an OpenAI ``usage`` object (chat or embeddings), tolerating missing parts."""
        if not usage:
            return cls()
        prompt = usage.get("prompt_tokens") or usage.get("input_tokens") or 0
        completion = usage.get("completion_tokens") or usage.get("output_tokens") or 0
        pdet = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
        cdet = usage.get("completion_tokens_details") or usage.get("output_tokens_details") or {}
        return cls(
            prompt_tokens=int(prompt),
            completion_tokens=int(completion),
            cached_tokens=int(pdet.get("cached_tokens") or 0),
            cache_write_tokens=int(pdet.get("cache_write_tokens") or 0),
            reasoning_tokens=int(cdet.get("reasoning_tokens") or 0),
        )

    def to_openai(self) -> dict[str, Any]:
        """The OpenAI chat ``usage`` object for these counts."""
        out: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.cached_tokens or self.cache_write_tokens:
            details: dict[str, int] = {"cached_tokens": self.cached_tokens}
            if self.cache_write_tokens:
                details["cache_write_tokens"] = self.cache_write_tokens
            out["prompt_tokens_details"] = details
        if self.reasoning_tokens:
            out["completion_tokens_details"] = {"reasoning_tokens": self.reasoning_tokens}
        return out
