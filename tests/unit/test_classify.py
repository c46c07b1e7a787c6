"""The one place upstream failures are classified (PROVIDERS.md §5)."""

import pytest

from spidergate.providers.base import UpstreamError
from spidergate.routing.classify import Action, classify


def http(
    status: int, message: str = "", *, code: str | None = None, retry_after: float | None = None
) -> UpstreamError:
    return UpstreamError(status, "http", message, code=code, retry_after=retry_after)


@pytest.mark.parametrize(
    ("error", "provider", "action", "reason"),
    [
        (
            http(429, "Rate limit reached", code="rate_limit_exceeded", retry_after=7),
            "openai",
            Action.COOLDOWN,
            "rate_limited",
        ),
        (
            http(429, "You exceeded your current quota", code="insufficient_quota"),
            "openai",
            Action.DISABLE,
            "insufficient_quota",
        ),
        (http(401, "Incorrect API key"), "openai", Action.DISABLE, "invalid_api_key"),
        (http(402, "Insufficient Balance"), "deepseek", Action.DISABLE, "insufficient_quota"),
        (http(400, "Your credit balance is too low"), "anthropic", Action.DISABLE, "insufficient_quota"),
        (
            http(403, "input tokens + max_tokens exceed context"),
            "together",
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (http(403, "permission denied"), "anthropic", Action.DISABLE, "permission_denied"),
        (http(404, "The model `x` does not exist"), "openai", Action.NEXT_MODEL, "model_not_found"),
        (
            http(400, "This model's maximum context length is 8192 tokens", code="context_length_exceeded"),
            "openai",
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            http(400, "Current length is 9000 while limit is 8192"),
            "cerebras",
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (http(400, "Invalid value for 'temperature'"), "openai", Action.CLIENT, "invalid_request"),
        (
            http(422, "extra_forbidden: max_completion_tokens"),
            "mistral",
            Action.NEXT_MODEL,
            "adapter_rejected",
        ),
        (http(400, "ResponsibleAIPolicyViolation"), "azure", Action.CLIENT, "content_filter"),
        (http(500, "boom"), "openai", Action.NEXT_KEY, "upstream_unavailable"),
        (http(503, "overloaded"), "deepseek", Action.NEXT_KEY, "upstream_unavailable"),
        (http(529, "Overloaded"), "anthropic", Action.NEXT_MODEL, "overloaded"),
        (http(498, "capacity exceeded"), "groq", Action.COOLDOWN, "rate_limited"),
        (UpstreamError(None, "timeout", "read timeout"), "openai", Action.NEXT_KEY, "timeout"),
        (UpstreamError(None, "connection", "reset"), "openai", Action.NEXT_KEY, "connection"),
        (
            UpstreamError(None, "unsupported", "no embeddings"),
            "anthropic",
            Action.NEXT_MODEL,
            "unsupported_operation",
        ),
    ],
)
def test_classification(error: UpstreamError, provider: str, action: Action, reason: str) -> None:
    verdict = classify(error, provider)
    assert (verdict.action, verdict.reason) == (action, reason)


def test_cooldown_honours_retry_after_and_defaults() -> None:
    assert classify(http(429, retry_after=12.5), "openai").cooldown_seconds == 12.5
    assert classify(http(429), "openai").cooldown_seconds == 30.0
    assert classify(http(429, retry_after=10**6), "openai").cooldown_seconds == 3600.0
