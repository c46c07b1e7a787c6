"""OpenAI's ``x-ratelimit-*`` response headers, from what the admission already knows.

Limits are exact, and so is ``remaining`` (to the 5 s bucket of the sliding window): the
window's updates return the new counters (a refusal, the window as it stood), from which the count
at the time the headers are written follows. ``reset`` is when the count next falls (a slot frees;
for a full window, the same moment as ``Retry-After``). An agent with neither rpm nor tpm gets no
headers: there is no limit to describe.
"""

from __future__ import annotations

import math

from spidergate.usage.admission import Admission
from spidergate.usage.sliding import Window, minute_start


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
    out: dict[str, str] = {}
    if adm.rpm is not None:
        requests = adm.request_window or Window(minute_start(now))
        out["x-ratelimit-limit-requests"] = str(adm.rpm)
        out["x-ratelimit-remaining-requests"] = str(max(0, adm.rpm - requests.count_at(now)))
        out["x-ratelimit-reset-requests"] = format_reset(requests.drops_at(now) - now)
    if adm.tpm is not None:
        tokens = adm.token_window or Window(minute_start(now))
        remaining = adm.tpm - tokens.count_at(now) - adm.token_estimate
        out["x-ratelimit-limit-tokens"] = str(adm.tpm)
        out["x-ratelimit-remaining-tokens"] = str(max(0, remaining))
        out["x-ratelimit-reset-tokens"] = format_reset(tokens.drops_at(now) - now)
    return out
