"""The client's answer when no candidate served: a 4xx for the request's own faults, else 429/503.

A request that every candidate refused for what it is (too long for every window, needing a
capability no candidate has, a parameter no model accepts) is the client's mistake: a 400 that
says which, never a retryable 5xx. What remains is a capacity problem: a 429 when every key is
only cooling, else a 503 whose ``x-should-retry`` says whether waiting can help.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spidergate.errors import AllKeysRateLimited, GatewayError, InvalidRequest, NoCapacity, UpstreamRejected
from spidergate.providers.base import UpstreamError
from spidergate.redaction import Redactor
from spidergate.routing.classify import Action, Verdict

# Skips that say nothing about the request, only about the brand's keys.
_CAPACITY_SKIPS = frozenset({"no_keys", "keys_cooling", "keys_disabled", "keys_benched", "no_adapter"})
# Failures that pass with time (besides transient errors and rate limits).
_PASSING = frozenset({"overloaded", "model_not_ready", "model_error"})
# Capabilities as the client names them.
_CAPABILITY_PARAMS = {
    "tools": "tools",
    "vision": "messages",
    "json": "response_format",
    "audio_input": "messages",
}


@dataclass
class Outcomes:
    """What happened on the way through the chain (fed by the router, read by ``client_error``)."""

    reasons: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    cooling_waits: list[float] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)
    refusal: UpstreamError | None = None  # the last upstream refusal of the request itself
    client_error: UpstreamError | None = None  # a 4xx to pass straight back
    transient: bool = False  # a failure that may pass with time (5xx, timeouts, cooling keys)

    def skip(self, model_id: str, why: str, text: str | None = None) -> None:
        self.skips.append(why)
        self.reasons.append(f"{model_id}: {text or why.replace('_', ' ')}")
        if why == "keys_cooling":
            self.transient = True

    def failed(self, verdict: Verdict, error: UpstreamError, reason: str) -> None:
        self.verdicts.append(verdict)
        self.reasons.append(reason)
        if verdict.client_fault:
            self.refusal = error
        elif verdict.action is Action.NEXT_KEY or verdict.rate_limited or verdict.reason in _PASSING:
            self.transient = True


def client_error(outcomes: Outcomes, redactor: Redactor, token_estimate: int) -> GatewayError:
    """The error for the client once the chain is exhausted."""
    if outcomes.client_error is not None:
        return upstream_rejected(outcomes.client_error, redactor)
    request_fault = _request_fault(outcomes, redactor, token_estimate)
    if request_fault is not None:
        return request_fault
    summary = "; ".join(outcomes.reasons[-6:]) or "no model in the chain can serve this request"
    waits = outcomes.cooling_waits
    if waits and outcomes.verdicts and all(v.rate_limited for v in outcomes.verdicts):
        return AllKeysRateLimited(f"Every candidate key is rate-limited ({summary}).", retry_after=min(waits))
    if waits and not outcomes.verdicts and all(s == "keys_cooling" for s in outcomes.skips):
        return AllKeysRateLimited(f"Every candidate key is rate-limited ({summary}).", retry_after=min(waits))
    if outcomes.transient:
        hint = "A retry may succeed once the upstream recovers or a key's cooldown ends."
        return NoCapacity(f"No provider could serve this request: {summary}. {hint}")
    hint = "Retrying will not help until the brand's vault changes (add or re-enable a key for these models)."
    return NoCapacity(
        f"No provider could serve this request: {summary}. {hint}", headers={"x-should-retry": "false"}
    )


def upstream_rejected(error: UpstreamError, redactor: Redactor) -> UpstreamRejected:
    """A provider's 4xx passed back with its own message, ``param`` and ``code`` (redacted)."""
    status = error.status if error.status and 400 <= error.status < 500 else 400
    message = error.upstream_message if error.upstream_message is not None else error.message
    return UpstreamRejected(
        redactor.redact(message) or f"The provider refused the request ({status}).",
        status=status,
        param=error.param,
        code=redactor.redact(error.code) if error.code else None,
        headers={"x-should-retry": "false"},
    )


def _request_fault(outcomes: Outcomes, redactor: Redactor, token_estimate: int) -> GatewayError | None:
    """A 400 when every candidate failed for the request itself (and none for lack of keys)."""
    if any(s in _CAPACITY_SKIPS or s.startswith("key_") for s in outcomes.skips):
        return None
    if any(not v.client_fault for v in outcomes.verdicts):
        return None
    if not outcomes.skips and outcomes.refusal is None:
        return None
    headers = {"x-should-retry": "false"}
    context = "context_length_exceeded" in outcomes.skips or any(
        v.reason == "context_length_exceeded" for v in outcomes.verdicts
    )
    refusal = outcomes.refusal
    if context:
        upstream = refusal.upstream_message if refusal is not None and refusal.upstream_message else None
        message = (
            redactor.redact(upstream)
            if upstream
            else (
                f"The prompt (about {token_estimate} tokens) exceeds the context window of every "
                "candidate model; shorten it or name a model with a larger window."
            )
        )
        return InvalidRequest(message, param="messages", code="context_length_exceeded", headers=headers)
    lacking = sorted({s[len("lacks_") :] for s in outcomes.skips if s.startswith("lacks_")})
    if lacking:
        names = ", ".join(lacking)
        param = _CAPABILITY_PARAMS.get(lacking[0])
        return InvalidRequest(
            f"No candidate model supports what this request needs ({names}); name a model that "
            f"does, or drop that part of the request.",
            param=param,
            code=f"lacks_{lacking[0]}",
            headers=headers,
        )
    if refusal is not None:
        return upstream_rejected(refusal, redactor)
    modes = sorted({s[len("mode_") :] for s in outcomes.skips if s.startswith("mode_")})
    if modes:
        return InvalidRequest(
            f"The requested model is a {modes[0]} model, not a chat model; name a chat model or alias.",
            param="model",
            code="model_not_supported",
            headers=headers,
        )
    return None
