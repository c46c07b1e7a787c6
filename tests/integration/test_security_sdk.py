"""Issue 12 through the official openai SDK against the real local gateway: the billing-echo attack
leaves every key active, client mistakes surface as the SDK's 400 errors without retries, and a
503 nothing can fix tells the SDK not to retry."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.integration.conftest import Admin, Sandbox

HELLO: list[Any] = [{"role": "user", "content": "Hi"}]
MODEL = "openai/gpt-4o-mini"
OPENAI_KEYS = (("openai-1", "openai", "/v1"), ("openai-2", "openai", "/v1"), ("openai-3", "openai", "/v1"))


def counting_client(tenant: Any, sent: list[str], retries: int = 2) -> openai.OpenAI:
    """The SDK with its default retries, counting every HTTP request it makes."""
    http = httpx.Client(event_hooks={"request": [lambda r: sent.append(str(r.url))]})
    return openai.OpenAI(
        base_url=tenant.gateway.url, api_key=tenant.token, max_retries=retries, http_client=http
    )


def test_tool_choice_named_billing_echoed_in_a_400_disables_no_key(
    make_tenant: Any, sandbox: Sandbox, admin: Admin
) -> None:
    tenant = make_tenant(keys=OPENAI_KEYS)
    echo = {
        "error": {
            "message": "Invalid 'tool_choice': function 'billing' (insufficient_quota) not found in 'tools'.",
            "type": "invalid_request_error",
            "param": "tool_choice",
            "code": None,
        }
    }
    for label, _, _ in OPENAI_KEYS:
        sandbox.fault({"status": 400, "body": echo}, times=-1, api_key=tenant.keys[label])
    tools: Any = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    sent: list[str] = []
    with pytest.raises(openai.BadRequestError) as caught:
        counting_client(tenant, sent).chat.completions.create(
            model=MODEL,
            messages=HELLO,
            tools=tools,
            tool_choice={"type": "function", "function": {"name": "billing"}},
        )
    assert len(sent) == 1  # a 400: the SDK does not retry
    assert caught.value.param == "tool_choice" and caught.value.code is None
    assert "answered" not in caught.value.message
    keys = admin.vault.list(tenant.brand_id)
    assert [(k.status, k.cooldown_until, k.model_cooldowns) for k in keys] == [("active", 0.0, {})] * 3


@pytest.mark.parametrize("model", ["text-embedding-3-small", "dall-e-3", "tts-1", "embed"])
def test_non_chat_model_on_chat_is_one_bad_request(make_tenant: Any, model: str) -> None:
    tenant = make_tenant(keys=OPENAI_KEYS[:1])
    sent: list[str] = []
    with pytest.raises(openai.BadRequestError) as caught:
        counting_client(tenant, sent).chat.completions.create(model=model, messages=HELLO)
    assert len(sent) == 1
    assert caught.value.code == "model_not_supported"


def test_no_key_for_the_chain_is_a_503_the_sdk_does_not_retry(make_tenant: Any) -> None:
    tenant = make_tenant(keys=(("groq-1", "groq", "/v1"),))
    sent: list[str] = []
    with pytest.raises(openai.APIStatusError) as caught:
        counting_client(tenant, sent).chat.completions.create(model=MODEL, messages=HELLO)
    assert caught.value.status_code == 503
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert len(sent) == 1


def test_upstream_context_overflow_reaches_the_sdk_as_context_length_exceeded(
    make_tenant: Any, sandbox: Sandbox
) -> None:
    tenant = make_tenant(keys=OPENAI_KEYS[:2])
    body = {
        "error": {
            "message": "This model's maximum context length is 128000 tokens. However, your messages "
            "resulted in 200000 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
    for label in ("openai-1", "openai-2"):
        sandbox.fault({"status": 400, "body": body}, times=-1, api_key=tenant.keys[label])
    sent: list[str] = []
    with pytest.raises(openai.BadRequestError) as caught:
        counting_client(tenant, sent).chat.completions.create(model=MODEL, messages=HELLO)
    assert caught.value.code == "context_length_exceeded"
    assert caught.value.body["message"] == body["error"]["message"]
    assert len(sent) == 1
