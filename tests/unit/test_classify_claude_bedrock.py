"""Classification of Anthropic and Bedrock failures and of the gateway's own (PROVIDERS.md §5)."""

from __future__ import annotations

import pytest

from spidergate.providers.base import UpstreamError
from spidergate.routing.classify import Action, classify
from tests.unit.classify_bodies import anthropic, bedrock


@pytest.mark.parametrize(
    ("status", "etype", "message", "action", "reason"),
    [
        (
            400,
            "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
            Action.DISABLE,
            "insufficient_quota",
        ),
        (
            402,
            "billing_error",
            "Your account has an outstanding balance.",
            Action.DISABLE,
            "insufficient_quota",
        ),
        (401, "authentication_error", "invalid x-api-key", Action.DISABLE, "invalid_api_key"),
        (
            403,
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
            Action.DISABLE,
            "permission_denied",
        ),
        (
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            Action.COOLDOWN,
            "rate_limited",
        ),
        (529, "overloaded_error", "Overloaded", Action.NEXT_MODEL, "overloaded"),
        (
            400,
            "invalid_request_error",
            "prompt is too long: 210000 tokens > 200000 maximum",
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            400,
            "invalid_request_error",
            "input length and `max_tokens` exceed context limit: 180000 + 64000 > 200000, decrease input length or `max_tokens` and try again",
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            400,
            "invalid_request_error",
            "messages.1.content: Input should be a valid list",
            Action.CLIENT,
            "invalid_request",
        ),
        (404, "not_found_error", "model: claude-x", Action.COOLDOWN, "model_not_found"),
    ],
)
def test_anthropic_bodies(status: int, etype: str, message: str, action: Action, reason: str) -> None:
    verdict = anthropic(status, etype, message)
    assert (verdict.action, verdict.reason) == (action, reason)
    assert not verdict.per_model or reason == "model_not_found"  # Anthropic limits are per key


@pytest.mark.parametrize(
    ("code", "message", "status", "action", "reason"),
    [
        (
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
            403,
            Action.NEXT_MODEL,
            "model_not_enabled",
        ),
        (
            "AccessDeniedException",
            "Model access is denied due to IAM user or service role is not authorized to perform the required AWS "
            "Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to "
            "this model. Refer to the Amazon Bedrock documentation for further details.",
            403,
            Action.NEXT_MODEL,
            "model_not_enabled",
        ),
        (
            "ValidationException",
            "The provided model identifier is invalid.",
            400,
            Action.NEXT_MODEL,
            "model_not_invocable",
        ),
        (
            "ValidationException",
            "Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn\u2019t "
            "supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
            400,
            Action.NEXT_MODEL,
            "model_not_invocable",
        ),
        (
            "ValidationException",
            "Input is too long for requested model.",
            400,
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            "ValidationException",
            "A conversation must start with a user message.",
            400,
            Action.CLIENT,
            "invalid_request",
        ),
        (
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
            429,
            Action.COOLDOWN,
            "rate_limited",
        ),
        ("ModelNotReadyException", "Model is not ready", 429, Action.NEXT_MODEL, "model_not_ready"),
        ("ModelErrorException", "The model returned an error", 424, Action.NEXT_MODEL, "model_error"),
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            403,
            Action.DISABLE,
            "invalid_api_key",
        ),
        ("ServiceUnavailableException", "Service unavailable", 503, Action.NEXT_KEY, "upstream_unavailable"),
    ],
)
def test_bedrock_exceptions(code: str, message: str, status: int, action: Action, reason: str) -> None:
    verdict = bedrock(code, message, status)
    assert (verdict.action, verdict.reason) == (action, reason)


def test_bedrock_throttling_cools_the_model_only() -> None:
    assert bedrock("ThrottlingException", "Too many requests", 429).per_model


@pytest.mark.parametrize(
    ("error", "action", "reason"),
    [
        (UpstreamError(None, "timeout", "read timeout"), Action.NEXT_KEY, "timeout"),
        (UpstreamError(None, "connection", "reset"), Action.NEXT_KEY, "connection"),
        (UpstreamError(None, "config", "no base url"), Action.NEXT_KEY, "key_misconfigured"),
        (UpstreamError(None, "unsupported", "no embeddings"), Action.NEXT_MODEL, "unsupported_operation"),
        (
            UpstreamError(
                400, "http", "n=2 is not supported for anthropic models", code="unsupported_parameter"
            ),
            Action.NEXT_MODEL,
            "unsupported_by_model",
        ),
        (
            UpstreamError(400, "http", "Bedrock needs inline images", code="unsupported_image_url"),
            Action.NEXT_MODEL,
            "unsupported_by_model",
        ),
    ],
)
def test_gateway_side_failures(error: UpstreamError, action: Action, reason: str) -> None:
    verdict = classify(error, "anthropic")
    assert (verdict.action, verdict.reason) == (action, reason)


def test_cooldown_honours_retry_after_and_bounds() -> None:
    def limited(retry_after: float | None) -> float:
        return classify(UpstreamError(429, "http", "x", retry_after=retry_after), "openai").cooldown_seconds

    assert limited(12.5) == 12.5
    assert limited(None) == 30.0
    assert limited(10**6) == 3600.0
