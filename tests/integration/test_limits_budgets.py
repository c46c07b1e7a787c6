"""Rate limits, budgets and key caps through the real gateway processes and the openai SDK."""

from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal

import openai
import pytest

from spidergate.catalog import get_catalog
from spidergate.domain import Budgets, Limits
from spidergate.usage import estimate
from spidergate.usage.pricing import worst_case
from spidergate.usage.reports import UsageReports
from tests.integration.conftest import records_of

pytestmark = pytest.mark.integration

HELLO = [{"role": "user", "content": "Say hello"}]
MODEL = "openai/gpt-6.1-terra"


def test_rpm_limit_sixth_request_gets_429_with_retry_after(make_tenant) -> None:
    tenant = make_tenant(limits=Limits(rpm=5))
    client = tenant.client()
    for _ in range(5):
        raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=HELLO)
        assert raw.headers["x-ratelimit-limit-requests"] == "5"
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=MODEL, messages=HELLO)
    error = caught.value
    assert error.code == "rate_limit_exceeded"
    assert "5 requests per minute" in error.message
    retry_after = int(error.response.headers["retry-after"])
    assert 1 <= retry_after <= 65  # a sliding minute, to its 5 s bucket


def test_spent_budget_is_insufficient_quota_without_retry(make_tenant, admin) -> None:
    tenant = make_tenant(budgets=Budgets(daily_usd=Decimal("0.00000001")))
    with pytest.raises(openai.RateLimitError) as caught:
        tenant.client().chat.completions.create(model=MODEL, messages=HELLO, max_tokens=50)
    assert caught.value.code == "insufficient_quota"
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert "budget" in caught.value.message


def test_capped_key_is_skipped_and_all_capped_is_a_clear_error(make_tenant, admin) -> None:
    tenant = make_tenant(keys=(("openai-1", "openai", "/v1"), ("openai-2", "openai", "/v1")))
    admin.vault.update(tenant.brand_id, tenant.key_ids["openai-1"], {"monthly_token_cap": 1})
    raw = tenant.client().chat.completions.with_raw_response.create(
        model=MODEL, messages=HELLO, extra_query={"include_route_trace": "true"}
    )
    attempts = raw.parse().model_extra["route_trace"]["attempts"]  # type: ignore[index]
    assert [(a["key"], a["outcome"]) for a in attempts][-1] == (tenant.key_ids["openai-2"], "success")
    assert (
        any(a["key"] == tenant.key_ids["openai-1"] and a["outcome"] == "skipped" for a in attempts)
        or attempts[0]["key"] == tenant.key_ids["openai-2"]
    )
    admin.vault.update(tenant.brand_id, tenant.key_ids["openai-2"], {"monthly_token_cap": 1})
    import time

    time.sleep(1.2)  # the gateway's key cache TTL in tests
    with pytest.raises(openai.APIStatusError) as caught:
        tenant.client().chat.completions.create(model=MODEL, messages=HELLO)
    assert caught.value.status_code == 503
    assert "monthly_token_cap" in caught.value.message


def test_budget_holds_under_50_concurrent_requests_across_two_gateways(make_tenant, admin, gateway2) -> None:
    model = get_catalog().get(MODEL)
    assert model is not None
    worst = worst_case(model, estimate.prompt_tokens(HELLO), 100)
    budget = worst * 10
    tenant = make_tenant(keys=(("openai-1", "openai", "/v1"),), budgets=Budgets(daily_usd=budget))

    async def fire() -> list[object]:
        clients = [
            tenant.async_client(),
            openai.AsyncOpenAI(base_url=gateway2.url, api_key=tenant.token, max_retries=0),
        ]
        calls = [
            clients[i % 2].chat.completions.create(model=MODEL, messages=HELLO, max_tokens=100)
            for i in range(50)
        ]
        try:
            return await asyncio.gather(*calls, return_exceptions=True)
        finally:
            for c in clients:
                await c.close()

    outcomes = asyncio.run(fire())
    served = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, openai.RateLimitError)]
    assert len(served) + len(refused) == 50, [o for o in outcomes if isinstance(o, Exception)][:3]
    # At most 10 reservations fit at once; refunds of the unused part of settled ones let a few
    # more through, but the budget must stop the rest.
    assert len(served) >= 10 and refused
    import time

    time.sleep(0.5)
    records = records_of(admin, tenant.brand_id)
    spent = sum((r.cost for r in records), Decimal(0))
    assert spent <= budget + worst
    assert len([r for r in records if r.status == 200]) == len(served)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    reports = UsageReports(admin.ddb, admin.stack.settings.usage_table)
    # The aggregates are folded from the usage stream by the local poller: eventually equal.
    deadline = time.monotonic() + 15
    while True:
        report = asyncio.run(reports.usage(tenant.brand_id, by="agent", start=today, end=today))
        if report.totals["requests"] == len(records) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert Decimal(report.totals["cost"]) == spent
    assert report.totals["requests"] == len(records)
