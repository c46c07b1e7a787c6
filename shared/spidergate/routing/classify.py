"""What an upstream failure means for the route: the one place errors are classified.

Follows the cross-provider table in PROVIDERS.md §5 with the provider-specific signals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from spidergate.providers.base import UpstreamError


class Action(Enum):
    NEXT_KEY = "next_key"  # transient: try the provider's next key (the key is not penalised)
    COOLDOWN = "cooldown"  # the key hit a rate limit: cool it down, then next key
    DISABLE = "disabled"  # the key is invalid or out of credit: disable it, then next key
    NEXT_MODEL = "next_model"  # this model cannot serve the request: skip its remaining keys
    CLIENT = "client_error"  # the request itself is wrong: answer the client, spend nothing more


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    reason: str
    cooldown_seconds: float = 0.0


DEFAULT_COOLDOWN = 30.0
MAX_COOLDOWN = 3600.0

_CONTEXT = re.compile(
    r"maximum context length|context[_ ]length|context window|prompt is too long|too many tokens|"
    r"exceeds the maximum number of tokens|current length is \d+ while limit is|input is too long|"
    r"reduce the length",
    re.IGNORECASE,
)
_CREDIT = re.compile(r"credit balance is too low|insufficient[_ ]balance|insufficient[_ ]quota|billing", re.I)
_MODEL_MISSING = re.compile(
    r"model.*(not found|does not exist|not available|not enabled|decommissioned)", re.I
)
_CONTENT_FILTER = re.compile(
    r"content[_ ]filter|ResponsibleAIPolicyViolation|content management policy", re.I
)


def classify(error: UpstreamError, provider: str) -> Verdict:
    """Decide the route's next step for ``error`` raised by ``provider``'s adapter."""
    status, text = error.status, f"{error.code or ''} {error.error_type or ''} {error.message}"
    if error.kind == "unsupported":
        return Verdict(Action.NEXT_MODEL, "unsupported_operation")
    if error.kind == "config":
        return Verdict(Action.NEXT_KEY, "key_misconfigured")
    if error.kind in ("timeout", "connection") or status is None:
        return Verdict(Action.NEXT_KEY, error.kind if status is None else "stream_error")
    if _CREDIT.search(text) and status in (400, 402, 403, 429):
        return Verdict(Action.DISABLE, "insufficient_quota")
    if status == 429 or (provider == "groq" and status == 498):
        wait = error.retry_after if error.retry_after is not None else DEFAULT_COOLDOWN
        return Verdict(Action.COOLDOWN, "rate_limited", min(max(wait, 1.0), MAX_COOLDOWN))
    if status == 401:
        return Verdict(Action.DISABLE, "invalid_api_key")
    if status == 402:
        return Verdict(Action.DISABLE, "insufficient_quota")
    if status == 403:
        if provider == "together" or _CONTEXT.search(text):
            return Verdict(Action.NEXT_MODEL, "context_length_exceeded")
        if _MODEL_MISSING.search(text):
            return Verdict(Action.NEXT_MODEL, "model_not_enabled")
        return Verdict(Action.DISABLE, "permission_denied")
    if status == 404:
        return Verdict(Action.NEXT_MODEL, "model_not_found")
    if status in (400, 413, 422):
        if error.code == "context_length_exceeded" or _CONTEXT.search(text):
            return Verdict(Action.NEXT_MODEL, "context_length_exceeded")
        if status == 422 and "extra_forbidden" in text:
            # Our translation sent a field the provider rejects: not the client's fault.
            return Verdict(Action.NEXT_MODEL, "adapter_rejected")
        if _CONTENT_FILTER.search(text):
            return Verdict(Action.CLIENT, "content_filter")
        return Verdict(Action.CLIENT, "invalid_request")
    if status in (408, 409, 425):
        return Verdict(Action.NEXT_KEY, "upstream_timeout")
    if 300 <= status < 400:
        return Verdict(Action.NEXT_KEY, "upstream_redirect")  # a misconfigured base URL, not a success
    if status == 529:
        return Verdict(Action.NEXT_MODEL, "overloaded")  # load across all of the provider's users
    if status >= 500:
        # Overload and server errors: another model (or provider) is the better bet, but one
        # more key of the same provider is tried first (see the router's provider strike rule).
        return Verdict(Action.NEXT_KEY, "upstream_unavailable")
    return Verdict(Action.CLIENT, "invalid_request")
