"""Usage counts by class, as reported by an upstream and normalised to OpenAI's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# No single request uses more; an upstream count beyond it (or negative, or not a whole number)
# is not believed: it is replaced and the usage flagged ``estimated``.
MAX_COUNT = 10_000_000
_COUNTS = ("prompt_tokens", "completion_tokens", "cached_tokens", "cache_write_tokens", "reasoning_tokens")


def count(value: Any) -> int | None:
    """A token count from upstream JSON, or ``None`` when it is not a plausible one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        n = value
    elif (isinstance(value, float) and value.is_integer() and abs(value) <= MAX_COUNT) or (
        isinstance(value, str) and value.isdigit() and len(value) <= 9
    ):
        n = int(value)
    else:
        return None
    return n if 0 <= n <= MAX_COUNT else None


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
        if not isinstance(pdet, dict):
            pdet = {"cached_tokens": -1}
        if not isinstance(cdet, dict):
            cdet = {"reasoning_tokens": -1}
        raw = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "cached_tokens": pdet.get("cached_tokens") or 0,
            "cache_write_tokens": pdet.get("cache_write_tokens") or 0,
            "reasoning_tokens": cdet.get("reasoning_tokens") or 0,
        }
        parsed = {name: count(value) for name, value in raw.items()}
        return cls(
            **{name: n or 0 for name, n in parsed.items()},
            estimated=any(n is None for n in parsed.values()),
        )

    def sane(self) -> Usage:
        """These counts with every implausible one (negative, absurd) zeroed and the usage flagged
        ``estimated``; parts cannot exceed their whole."""
        fixed = {name: count(getattr(self, name)) for name in _COUNTS}
        out = Usage(
            **{name: n or 0 for name, n in fixed.items()},
            images=max(0, min(self.images, MAX_COUNT)),
            characters=max(0, min(self.characters, MAX_COUNT * 10)),
            seconds=max(0.0, min(self.seconds, 86400.0)) if self.seconds == self.seconds else 0.0,
            estimated=self.estimated or any(n is None for n in fixed.values()),
        )
        out.cached_tokens = min(out.cached_tokens, out.prompt_tokens)
        out.cache_write_tokens = min(out.cache_write_tokens, out.prompt_tokens - out.cached_tokens)
        out.reasoning_tokens = min(out.reasoning_tokens, out.completion_tokens)
        return out

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
