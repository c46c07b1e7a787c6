"""The one place upstream failures are classified (PROVIDERS.md §5), on real provider error bodies.

Each body goes through the adapter's own mapping (``from_response``, Anthropic's
``error_from_body``, ``bedrock_error``) and then ``classify``: a row per provider signal.
"""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.routing.classify import Action
from tests.unit.classify_bodies import GEMINI_FREE_TIER_429, GROQ_TPM, anthropic, gemini, oai, openai_like


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
