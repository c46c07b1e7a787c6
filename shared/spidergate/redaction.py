"""Removal of key material from upstream text before it reaches a client, a log or a trace.

Upstreams echo what they were sent (``Incorrect API key provided: sk-…``). Every string that
leaves the gateway from an upstream goes through a ``Redactor`` holding the material of the keys
used for the request, which also removes anything shaped like a provider key or a gateway token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spidergate.providers.base import UpstreamError

MASK = "[redacted]"

# Shapes of provider keys and tokens (prefix + enough body to not hit ordinary words), masked or not.
_KEY_SHAPES = re.compile(
    r"""
    \b(?:sk|rk)-[A-Za-z0-9_*\-]{6,}        # OpenAI (sk-proj-), Anthropic (sk-ant-), DeepSeek, OpenRouter (sk-or-)
    | \bgsk_[A-Za-z0-9_*]{8,}               # Groq
    | \bAIza[0-9A-Za-z_*\-]{12,}            # Google / Gemini
    | \b(?:xai|csk|nvapi|pplx)-[A-Za-z0-9_*\-]{8,}   # xAI, Cerebras, NVIDIA, Perplexity
    | \b(?:hf|r8|fw|tgp_v1)_[A-Za-z0-9_*]{8,}        # Hugging Face, Replicate, Fireworks, Together
    | \b(?:AKIA|ASIA)[A-Z0-9]{16}\b          # AWS access key ids
    | \bspideriq_pat_[A-Za-z0-9_\-]+        # gateway personal access tokens
    | \b[Bb]earer\s+[A-Za-z0-9._~+/=:\-]{7,}[A-Za-z0-9_~+/=\-]  # not a closing period
    """,
    re.VERBOSE,
)
_MIN_SECRET = 8  # shorter "secrets" (tests, placeholders) would mask ordinary words


class Redactor:
    """Masks the given secrets and every key-shaped string."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        secret = secret.strip()
        if len(secret) >= _MIN_SECRET:
            self._secrets.add(secret)

    def redact(self, text: str | None) -> str:
        if not text:
            return ""
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return _KEY_SHAPES.sub(MASK, text)

    def scrub(self, error: UpstreamError) -> UpstreamError:
        """``error`` with every text field redacted (in place; returned for chaining)."""
        error.message = self.redact(error.message)
        error.args = (error.message,)
        error.raw = self.redact(error.raw)
        if error.upstream_message is not None:
            error.upstream_message = self.redact(error.upstream_message)
        if error.code is not None:
            error.code = self.redact(error.code)
        if error.param is not None:
            error.param = self.redact(error.param)
        return error


def redact(text: str | None, secrets: Iterable[str] = ()) -> str:
    """One-off redaction of ``text``."""
    return Redactor(secrets).redact(text)
