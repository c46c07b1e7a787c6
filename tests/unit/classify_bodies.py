"""Real provider error bodies through each adapter's own mapping, then ``classify``."""

from __future__ import annotations

import json
from typing import Any

import httpx
from botocore.exceptions import ClientError

from spidergate.providers.anthropic_response import error_from_body
from spidergate.providers.bedrock import bedrock_error
from spidergate.providers.errors import from_response
from spidergate.routing.classify import Verdict, classify


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
