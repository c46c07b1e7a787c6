"""What an upstream failure means for the route: the one place errors are classified.

Follows PROVIDERS.md §5. Verdicts are decided on structured fields only: the HTTP status, the
provider's error ``type``/``code``, Bedrock exception names, Gemini's ``status`` and ``details``.
Upstream messages echo client input (a ``tool_choice`` function named ``billing``) and carry
marketing links (Groq's 429 ends in ``…/settings/billing``), so free text never decides anything,
least of all a key's fate. The few provider phrases that are read are matched whole (anchored,
with only numbers or identifiers as variables), so no text a client sent can produce them.

A key is disabled only on evidence about the key itself (401, 402, a structured quota or billing
signal, an account-level 403); a client 400 never changes key state.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import Enum

from spidergate.providers.base import UpstreamError

log = logging.getLogger("spidergate.routing")


class Action(Enum):
    NEXT_KEY = "next_key"  # transient: try the provider's next key (the key is not penalised)
    COOLDOWN = "cooldown"  # the key (or the key for this model) is benched for a while, then next key
    DISABLE = "disabled"  # the key is invalid or out of credit: disable it, then next key
    NEXT_MODEL = "next_model"  # this model cannot serve the request: skip its remaining keys
    CLIENT = "client_error"  # the request itself is wrong: answer the client, spend nothing more


@dataclass(frozen=True, slots=True)
class Verdict:
    """The route's next step. ``per_model``: the bench is for the (key, model) pair only.
    ``client_fault``: no fault of the key or provider; if no model can serve, the client's 400."""

    action: Action
    reason: str
    cooldown_seconds: float = 0.0
    per_model: bool = False
    client_fault: bool = False

    @property
    def rate_limited(self) -> bool:
        return self.reason == "rate_limited"


DEFAULT_COOLDOWN = 30.0
MAX_COOLDOWN = 3600.0
MODEL_MISSING_COOLDOWN = 900.0  # a (key, model) pair answering 404 / not enabled
NO_QUOTA_COOLDOWN = 3600.0  # a (key, model) pair with no quota at all (Gemini "limit: 0")

# Providers whose rate limits are per model, not per key (Groq, Gemini, Bedrock: per account x model).
PER_MODEL_LIMITS = frozenset({"groq", "gemini", "bedrock"})

_QUOTA_CODES = frozenset(
    {"insufficient_quota", "billing_error", "insufficient_balance", "billing_hard_limit_reached"}
)
_KEY_CODES = frozenset(
    {
        "invalid_api_key",
        "authentication_error",
        "UnrecognizedClientException",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "API_KEY_INVALID",
        "unsupported_country_region_territory",
    }
)
# The model (or one of the request's features) cannot be used on this model: try the next one.
_MODEL_UNSUPPORTED_CODES = frozenset(
    {"unsupported_parameter", "unsupported_value", "unsupported_image_url", "unsupported_tool_type"}
)
_CONTENT_FILTER_CODES = frozenset(
    {"content_filter", "content_policy_violation", "ResponsibleAIPolicyViolation"}
)

_NUM = r"[\d,]+"
_IDENT = r"[\w.:/@-]+"
# Whole provider messages (fullmatch): Anthropic's credit error, context overflows, Bedrock model refusals.
_ANTHROPIC_CREDIT = re.compile(
    r"Your credit balance is too low to access the (Anthropic|Claude) API\."
    r"( Please go to Plans & Billing to upgrade or purchase credits\.)?"
)
_CONTEXT_MESSAGES = (
    re.compile(rf"prompt is too long: {_NUM} tokens > {_NUM} maximum"),  # Anthropic
    re.compile(  # Anthropic: input + max_tokens over the window
        rf"input length and `max_tokens` exceed context limit: {_NUM} \+ {_NUM} > {_NUM}, decrease "
        r"input length or `max_tokens` and try again"
    ),
    re.compile(  # Gemini
        rf"The input token count( \({_NUM}\))? exceeds the maximum number of tokens allowed( \({_NUM}\))?\.?"
    ),
    re.compile(rf"Current length is {_NUM} while limit is {_NUM}"),  # Cerebras
    re.compile(r"Input is too long for requested model\.?"),  # Bedrock (Converse ValidationException)
)
_BEDROCK_MODEL_MESSAGES = (
    re.compile(r"The provided model identifier is invalid\.?"),
    re.compile(
        rf"Invocation of model ID {_IDENT} with on-demand throughput isn.t supported\. Retry your request "
        r"with the ID or ARN of an inference profile that contains this model\.?"
    ),
)
_BEDROCK_ACCESS = (
    re.compile(r"You don't have access to the model with the specified model ID\.?"),
    re.compile(r"Model access is denied due to .*AWS Marketplace.*", re.S),  # a fixed AWS sentence
)
_GEMINI_NO_QUOTA = re.compile(r"limit: 0, model: ")


def classify(error: UpstreamError, provider: str) -> Verdict:
    """Decide the route's next step for ``error`` raised by ``provider``'s adapter."""
    status = error.status
    if error.kind == "unsupported":
        return Verdict(Action.NEXT_MODEL, "unsupported_operation", client_fault=True)
    if error.kind == "config":
        return Verdict(Action.NEXT_KEY, "key_misconfigured")
    if error.kind in ("timeout", "connection") or status is None:
        return Verdict(Action.NEXT_KEY, error.kind if status is None else "stream_error")
    codes = {c for c in (error.code, error.error_type, error.reason) if c}
    if status == 401 or codes & _KEY_CODES:
        return Verdict(Action.DISABLE, "invalid_api_key")
    if status == 402 or codes & _QUOTA_CODES:
        return Verdict(Action.DISABLE, "insufficient_quota")
    if provider == "anthropic" and status in (400, 403) and _worded((_ANTHROPIC_CREDIT,), error, provider):
        return Verdict(Action.DISABLE, "insufficient_quota")
    if status == 429 or (provider == "groq" and status == 498):
        return _rate_limited(error, provider, codes)
    if status == 403:
        return _forbidden(error, provider, codes)
    if status == 404:
        # A model the key cannot reach (or a wrong base URL on this key): the provider's other
        # keys may serve it, so bench the pair and rotate.
        return Verdict(Action.COOLDOWN, "model_not_found", MODEL_MISSING_COOLDOWN, per_model=True)
    if status == 424:
        return Verdict(Action.NEXT_MODEL, "model_error")  # Bedrock ModelErrorException
    if status in (400, 413, 422):
        return _invalid(error, provider, codes)
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


def _worded(patterns: tuple[re.Pattern[str], ...], error: UpstreamError, provider: str) -> bool:
    """Whether the provider's whole message is one of its fixed phrases; logged when it is, since
    wording can change under us (the error is already redacted by the router)."""
    message = _provider_message(error)
    if not any(p.fullmatch(message) for p in patterns):
        return False
    log.info(
        "upstream error classified by its wording", extra={"provider": provider, "body": error.raw[:500]}
    )
    return True


def _provider_message(error: UpstreamError) -> str:
    """The provider's own message (the adapter's prefix removed), stripped."""
    return (error.upstream_message if error.upstream_message is not None else error.message).strip()


def _rate_limited(error: UpstreamError, provider: str, codes: set[str]) -> Verdict:
    if "ModelNotReadyException" in codes:
        return Verdict(Action.NEXT_MODEL, "model_not_ready")
    if provider == "gemini" and (error.reason == "quota_zero" or _GEMINI_NO_QUOTA.search(error.raw)):
        # The project has no quota at all for this model (free tier without it): not a wait.
        return Verdict(Action.NEXT_MODEL, "no_quota_for_model", NO_QUOTA_COOLDOWN, per_model=True)
    wait = error.retry_after if error.retry_after is not None else DEFAULT_COOLDOWN
    return Verdict(
        Action.COOLDOWN,
        "rate_limited",
        min(max(wait, 1.0), MAX_COOLDOWN),
        per_model=provider in PER_MODEL_LIMITS,
    )


def _forbidden(error: UpstreamError, provider: str, codes: set[str]) -> Verdict:
    if provider == "together":
        return Verdict(Action.NEXT_MODEL, "context_length_exceeded", client_fault=True)
    if "model_not_found" in codes:  # OpenAI: the project has no access to this model
        return Verdict(Action.COOLDOWN, "model_not_enabled", MODEL_MISSING_COOLDOWN, per_model=True)
    if provider == "bedrock" and _worded(_BEDROCK_ACCESS, error, provider):
        # Access is granted per model and region: the key is fine for other models.
        return Verdict(Action.NEXT_MODEL, "model_not_enabled", MODEL_MISSING_COOLDOWN, per_model=True)
    return Verdict(Action.DISABLE, "permission_denied")


def _invalid(error: UpstreamError, provider: str, codes: set[str]) -> Verdict:
    if "context_length_exceeded" in codes or _worded(_CONTEXT_MESSAGES, error, provider):
        return Verdict(Action.NEXT_MODEL, "context_length_exceeded", client_fault=True)
    if error.status == 413 and "rate_limit_exceeded" in codes:
        # Groq: the request alone exceeds the model's tokens-per-minute limit; waiting cannot help.
        return Verdict(Action.NEXT_MODEL, "request_over_model_limit")
    if codes & _MODEL_UNSUPPORTED_CODES:
        return Verdict(Action.NEXT_MODEL, "unsupported_by_model", client_fault=True)
    if provider == "bedrock" and _worded(_BEDROCK_MODEL_MESSAGES, error, provider):
        return Verdict(Action.NEXT_MODEL, "model_not_invocable")
    if error.status == 422 and "extra_forbidden" in codes:
        # Our translation sent a field the provider rejects: not the client's fault.
        return Verdict(Action.NEXT_MODEL, "adapter_rejected")
    if codes & _CONTENT_FILTER_CODES:
        return Verdict(Action.CLIENT, "content_filter")
    return Verdict(Action.CLIENT, "invalid_request")
