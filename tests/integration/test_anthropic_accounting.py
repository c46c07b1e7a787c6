"""Messages requests share chat's accounting: usage records, limits and budgets, key fallback."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import anthropic
import httpx
import pytest

from spidergate.domain import Budgets, Limits
from tests.integration.conftest import Sandbox, records_of, wait_for_records

pytestmark = pytest.mark.integration

CLAUDE = "anthropic/claude-sonnet-4-5"
GPT = "openai/gpt-6.1-terra"
HELLO: Any = [{"role": "user", "content": "Say hello"}]


def client(tenant: Any) -> anthropic.Anthropic:
    base = tenant.gateway.root + "/api/gate/anthropic"
    return anthropic.Anthropic(base_url=base, api_key=tenant.token, max_retries=0)


@pytest.mark.parametrize(("model", "streamed"), [(CLAUDE, True), (CLAUDE, False), (GPT, True), (GPT, False)])
def test_each_message_is_recorded_once_with_exact_usage(
    make_tenant, admin, model: str, streamed: bool
) -> None:
    tenant = make_tenant()
    c = client(tenant)
    if streamed:
        with c.messages.stream(model=model, max_tokens=100, messages=HELLO) as stream:
            message = stream.get_final_message()
    else:
        message = c.messages.create(model=model, max_tokens=100, messages=HELLO)
    (record,) = wait_for_records(admin, tenant.brand_id, 1)
    assert record.endpoint == "messages" and record.status == 200 and record.served_model == model
    assert record.usage.completion_tokens == message.usage.output_tokens
    assert record.usage.prompt_tokens == message.usage.input_tokens
    assert record.cost > 0 and not record.usage.estimated


def test_a_failing_key_falls_back_to_the_next(make_tenant, admin, sandbox: Sandbox) -> None:
    keys = (("anthropic-1", "anthropic", ""), ("anthropic-2", "anthropic", ""))
    tenant = make_tenant(keys=keys)
    sandbox.fault({"status": 429}, api_key=tenant.keys["anthropic-1"])
    message = client(tenant).messages.create(model=CLAUDE, max_tokens=50, messages=HELLO)
    assert message.content
    (record,) = wait_for_records(admin, tenant.brand_id, 1)
    assert [(a.key_label, a.outcome) for a in record.attempts][-1] == ("anthropic-2", "success")
    assert len(record.attempts) == 2


def test_rpm_limit_is_a_429_rate_limit_error(make_tenant) -> None:
    tenant = make_tenant(limits=Limits(rpm=2))
    c = client(tenant)
    for _ in range(2):
        c.messages.create(model=GPT, max_tokens=20, messages=HELLO)
    with pytest.raises(anthropic.RateLimitError) as caught:
        c.messages.create(model=GPT, max_tokens=20, messages=HELLO)
    body: Any = caught.value.body
    assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
    # Sliding window: a slot frees when the oldest admission leaves it (5 s buckets, so up to 65 s).
    assert 1 <= int(caught.value.response.headers["retry-after"]) <= 65


def test_spent_budget_says_do_not_retry(make_tenant) -> None:
    tenant = make_tenant(budgets=Budgets(daily_usd=Decimal("0.00000001")))
    with pytest.raises(anthropic.RateLimitError) as caught:
        client(tenant).messages.create(model=GPT, max_tokens=50, messages=HELLO)
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert "budget" in json.dumps(caught.value.body)


@pytest.mark.parametrize("model", [CLAUDE, GPT])
def test_client_disconnect_mid_stream_is_recorded_once(make_tenant, admin, model: str) -> None:
    tenant = make_tenant()
    body = {"model": model, "max_tokens": 100, "messages": HELLO, "stream": True}
    url = tenant.gateway.root + "/api/gate/anthropic/v1/messages"
    with httpx.stream("POST", url, json=body, headers={"x-api-key": tenant.token}, timeout=10) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event: content_block_delta"):
                break  # content arrived: hang up
    wait_for_records(admin, tenant.brand_id, 1)
    time.sleep(0.5)
    (record,) = records_of(admin, tenant.brand_id)
    assert record.endpoint == "messages" and record.served_model == model
