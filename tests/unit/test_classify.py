"""The one place upstream failures are classified (PROVIDERS.md §5), on real provider error bodies.

Each body goes through the adapter's own mapping (``from_response``, Anthropic's
``error_from_body``, ``bedrock_error``) and then ``classify``: a row per provider signal.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from spidergate.providers.anthropic_response import error_from_body
from spidergate.providers.base import UpstreamError
from spidergate.providers.bedrock import bedrock_error
from spidergate.providers.errors import from_response
from spidergate.routing.classify import Action, Verdict, classify


def openai_like(provider: str, status: int, body: Any, headers: dict[str, str] | None = None) -> Verdict:
    error = from_response(provider, status, httpx.Headers(headers or {}), json.dumps(body).encode())
    return classify(error, provider)


def anthropic(status: int, etype: str, message: str) -> Verdict:
    body = {"type": "error", "error": {"type": etype, "message": message}, "request_id": "req_1"}
    return classify(error_from_body(status, json.dumps(body)), "anthropic")


def bedrock(code: str, message: str, status: int = 400) -> Verdict:
    exc = ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "Converse",
    )
    return classify(bedrock_error(exc, streaming=False), "bedrock")


def oai(message: str, etype: str | None, code: str | None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


def gemini(status: int, state: str, message: str, details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"error": {"code": status, "message": message, "status": state, "details": details}}]


GEMINI_FREE_TIER_429 = gemini(
    429,
    "RESOURCE_EXHAUSTED",
    "You exceeded your current quota, please check your plan and billing details. For more information on "
    "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. Please retry in 20s.",
    [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [
                {
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"},
                    "quotaValue": "15",
                }
            ],
        },
        {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"url": "https://ai.google.dev/"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"},
    ],
)
GROQ_TPM = (
    "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` "
    "on tokens per minute (TPM): Limit 6000, Used 5000, Requested 1500. Please try again in 5s. Need more "
    "tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing"
)


def test_client_400_echoing_billing_words_changes_no_key_state() -> None:
    """Issue 12 #1: a tool_choice named ``billing`` echoed in a 400 once disabled every key."""
    body = oai(
        "Invalid 'tool_choice': function 'billing insufficient_quota credit balance is too low' not found.",
        "invalid_request_error",
        None,
        "tool_choice",
    )
    for provider in ("openai", "groq", "deepseek", "mistral"):
        verdict = openai_like(provider, 400, body)
        assert (verdict.action, verdict.reason) == (Action.CLIENT, "invalid_request")
    echoed = anthropic(
        400,
        "invalid_request_error",
        "tools.0.name: 'Your credit balance is too low to access the Anthropic API.' is not valid",
    )
    assert echoed.action is Action.CLIENT


def test_client_text_cannot_steer_context_or_model_verdicts() -> None:
    body = oai(
        "Invalid 'tools[0].function.name': 'maximum context length prompt is too long model not found'.",
        "invalid_request_error",
        None,
        "tools[0].function.name",
    )
    assert openai_like("openai", 400, body).action is Action.CLIENT
    assert openai_like("cerebras", 400, oai("x Current length is 9 while limit is 8", None, None)).action is (
        Action.CLIENT
    )


@pytest.mark.parametrize(
    ("provider", "status", "body", "action", "reason"),
    [
        (
            "openai",
            429,
            oai(
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            ),
            Action.DISABLE,
            "insufficient_quota",
        ),
        (
            "openai",
            401,
            oai("Incorrect API key provided: sk-canar****1234.", "invalid_request_error", "invalid_api_key"),
            Action.DISABLE,
            "invalid_api_key",
        ),
        (
            "openai",
            403,
            oai(
                "Country, region, or territory not supported",
                "request_forbidden",
                "unsupported_country_region_territory",
            ),
            Action.DISABLE,
            "invalid_api_key",
        ),
        (
            "openai",
            400,
            oai(
                "This model's maximum context length is 128000 tokens. However, your messages resulted in "
                "130000 tokens. Please reduce the length of the messages.",
                "invalid_request_error",
                "context_length_exceeded",
                "messages",
            ),
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            "openai",
            400,
            oai(
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                "'max_completion_tokens' instead.",
                "invalid_request_error",
                "unsupported_parameter",
                "max_tokens",
            ),
            Action.NEXT_MODEL,
            "unsupported_by_model",
        ),
        (
            "openai",
            404,
            oai(
                "The model `gpt-x` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            ),
            Action.COOLDOWN,
            "model_not_found",
        ),
        (
            "openai",
            403,
            oai(
                "Project `proj_1` does not have access to model `o3`",
                "invalid_request_error",
                "model_not_found",
            ),
            Action.COOLDOWN,
            "model_not_enabled",
        ),
        (
            "azure",
            400,
            oai(
                "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
                None,
                "content_filter",
                "prompt",
            ),
            Action.CLIENT,
            "content_filter",
        ),
        ("groq", 429, oai(GROQ_TPM, "tokens", "rate_limit_exceeded"), Action.COOLDOWN, "rate_limited"),
        (
            "groq",
            413,
            oai(GROQ_TPM.replace("Rate limit reached", "Request too large"), "tokens", "rate_limit_exceeded"),
            Action.NEXT_MODEL,
            "request_over_model_limit",
        ),
        (
            "groq",
            400,
            oai(
                "Please reduce the length of the messages or completion.",
                "invalid_request_error",
                "context_length_exceeded",
                "messages",
            ),
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            "groq",
            498,
            oai("Flex tier capacity exceeded.", "capacity_exceeded", "capacity_exceeded"),
            Action.COOLDOWN,
            "rate_limited",
        ),
        ("gemini", 429, GEMINI_FREE_TIER_429, Action.COOLDOWN, "rate_limited"),
        (
            "gemini",
            429,
            gemini(
                429,
                "RESOURCE_EXHAUSTED",
                "You exceeded your current quota, please check your plan and billing details.\n* Quota exceeded "
                "for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, "
                "model: gemini-2.5-pro",
                [],
            ),
            Action.NEXT_MODEL,
            "no_quota_for_model",
        ),
        (
            "gemini",
            400,
            gemini(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                    }
                ],
            ),
            Action.DISABLE,
            "invalid_api_key",
        ),
        (
            "gemini",
            400,
            gemini(
                400,
                "INVALID_ARGUMENT",
                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
                [],
            ),
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            "gemini",
            403,
            gemini(403, "PERMISSION_DENIED", "Permission denied: Consumer has been suspended.", []),
            Action.DISABLE,
            "permission_denied",
        ),
        (
            "gemini",
            503,
            gemini(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", []),
            Action.NEXT_KEY,
            "upstream_unavailable",
        ),
        (
            "deepseek",
            402,
            oai("Insufficient Balance", "unknown_error", "invalid_request_error"),
            Action.DISABLE,
            "insufficient_quota",
        ),
        (
            "cerebras",
            400,
            oai("Current length is 9000 while limit is 8192", "invalid_request_error", None),
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            "mistral",
            422,
            {
                "object": "error",
                "message": {
                    "detail": [
                        {
                            "type": "extra_forbidden",
                            "loc": ["body", "store"],
                            "msg": "Extra inputs are not permitted",
                            "input": False,
                        }
                    ]
                },
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            },
            Action.NEXT_MODEL,
            "adapter_rejected",
        ),
        (
            "together",
            403,
            oai(
                "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8193.",
                "invalid_request_error",
                None,
            ),
            Action.NEXT_MODEL,
            "context_length_exceeded",
        ),
        (
            "openai",
            500,
            oai("The server had an error while processing your request.", "server_error", None),
            Action.NEXT_KEY,
            "upstream_unavailable",
        ),
    ],
)
def test_openai_compatible_bodies(provider: str, status: int, body: Any, action: Action, reason: str) -> None:
    verdict = openai_like(provider, status, body)
    assert (verdict.action, verdict.reason) == (action, reason)


def test_per_model_limits_and_retry_delays() -> None:
    gem = openai_like("gemini", 429, GEMINI_FREE_TIER_429)
    assert gem.per_model and gem.cooldown_seconds == 20.0  # from details[].retryDelay
    groq = openai_like("groq", 429, oai(GROQ_TPM, "tokens", "rate_limit_exceeded"), {"retry-after": "5"})
    assert groq.per_model and groq.cooldown_seconds == 5.0
    openai = openai_like(
        "openai", 429, oai("Rate limit reached", "requests", "rate_limit_exceeded"), {"retry-after": "7"}
    )
    assert not openai.per_model and openai.cooldown_seconds == 7.0
    missing = openai_like(
        "groq", 404, oai("The model `x` does not exist", "invalid_request_error", "model_not_found")
    )
    assert missing.per_model and missing.cooldown_seconds > 0


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
