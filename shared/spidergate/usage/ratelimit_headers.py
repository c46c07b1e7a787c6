"""OpenAI's ``x-ratelimit-*`` response headers, from what the admission already knows.

Limits and resets are exact, and so is ``remaining``: the window's update returns the new counts
(and a refusal returns the window as it stood). An agent with neither rpm nor tpm gets no
headers: there is no limit to describe.
"""

from __future__ import annotations

import math

from spidergate.usage.admission import Admission
from spidergate.usage.keys import minute_end


def format_reset(seconds: float) -> str:
    """A duration as OpenAI writes it: ``12ms``, ``41s``, ``6m0s``, ``1h2m3s``."""
    # Rounded up (never promise a reset sooner than it is), less float noise below a microsecond.
    ms = max(0, math.ceil(seconds * 1000 - 1e-3))
    if ms < 1000:
        return f"{ms}ms"
    total = math.ceil(ms / 1000)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes}m{secs}s"


def ratelimit_headers(adm: Admission, now: float) -> dict[str, str]:
    """``x-ratelimit-{limit,remaining,reset}-{requests,tokens}`` for the limits the agent has."""
    if now >= adm.window_reset_at:
        # The response outlived its window: a fresh one has opened, counts unknown here.
        reset_at, requests_used, tokens_used = minute_end(now), 0, 0
    else:
        reset_at, requests_used, tokens_used = adm.window_reset_at, adm.requests_used, adm.tokens_used
    reset = format_reset(reset_at - now)
    out: dict[str, str] = {}
    if adm.rpm is not None:
        out["x-ratelimit-limit-requests"] = str(adm.rpm)
        out["x-ratelimit-remaining-requests"] = str(max(0, adm.rpm - requests_used))
        out["x-ratelimit-reset-requests"] = reset
    if adm.tpm is not None:
        out["x-ratelimit-limit-tokens"] = str(adm.tpm)
        out["x-ratelimit-remaining-tokens"] = str(max(0, adm.tpm - tokens_used - adm.token_estimate))
        out["x-ratelimit-reset-tokens"] = reset
    return out
