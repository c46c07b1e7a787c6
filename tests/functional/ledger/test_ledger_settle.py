"""The ledger against DynamoDB over HTTP (a moto server): settle idempotency, the refund sweep,
round-trip counts and the usage reports."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import boto3
import pytest

from spidergate.domain import Budgets, Limits
from spidergate.errors import InvalidRequest
from spidergate.local.stream_poller import StreamPoller
from spidergate.usage import keys
from spidergate.usage.ledger import Admission
from spidergate.usage.record import RequestRecord
from spidergate.usage.reports import UsageReports
from spidergate.usage.sweep import sweep_reservations
from tests.functional.ledger.harness import (
    BRAND,
    T0,
    WORST,
    CallCounter,
    Clock,
    agent_day,
    drain,
    item,
    key,
    ledger_for,
    principal,
    record,
)


# -- settle ------------------------------------------------------------------------------------
async def test_settling_twice_counts_once(table: tuple[Any, str]) -> None:
    ledger, other_container = ledger_for(table, Clock()), ledger_for(table, Clock())
    agent = principal(limits=Limits(concurrency=3), agent_budgets=Budgets(daily_usd=Decimal(1)))
    adm = await ledger.admit(agent, "r1", key=key(), worst_cost=WORST, token_estimate=1)
    copy = Admission(**{f: getattr(adm, f) for f in Admission.__dataclass_fields__})
    await ledger.settle(adm, record(adm))
    await other_container.settle(copy, record(copy))
    await ledger.settle(adm, record(adm))
    drain(table)
    drain(table)  # a replayed stream changes nothing
    assert item(table, agent_day())["spent"] == Decimal("0.07")
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 0
    assert (
        item(table, keys.aggregate_key(BRAND, "MODEL", keys.day_id(T0), "openai/gpt-4o-mini"))["requests"]
        == 1
    )


async def test_a_request_refused_before_admission_is_still_recorded(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    failed = RequestRecord(
        "r9", BRAND, "cli_x", "chat", "fast", "fast", T0, status=429, error_code="rate_limit"
    )
    await ledger.settle(None, failed)
    drain(table)
    total = item(table, keys.aggregate_key(BRAND, "TOTAL", keys.day_id(T0)))
    assert (total["requests"], total["errors"]) == (1, 1)


# -- sweep -------------------------------------------------------------------------------------
async def test_sweep_refunds_a_stale_reservation_exactly_once(table: tuple[Any, str]) -> None:
    clock = Clock()
    ledger = ledger_for(table, clock)
    agent = principal(limits=Limits(concurrency=1), agent_budgets=Budgets(daily_usd=Decimal(1)))
    stale = await ledger.admit(agent, "r1", key=key(), worst_cost=WORST, token_estimate=1)
    assert (await sweep_reservations(table[0], table[1], stale_seconds=900, now=T0 + 60)).found == 0
    results = await asyncio.gather(
        *(sweep_reservations(table[0], table[1], stale_seconds=900, now=T0 + 901) for _ in range(3))
    )
    assert sum(r.refunded for r in results) == 1
    assert sum(r.refunded_usd for r in results) == WORST
    assert item(table, agent_day())["committed"] == 0
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 0
    # The request that never settled in time settles late: its spend counts, nothing is refunded twice.
    await ledger.settle(stale, record(stale, cost="0.06"))
    day = item(table, agent_day())
    assert (day["committed"], day["spent"], day["reserved"]) == (Decimal("0.06"), Decimal("0.06"), 0)
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 0


# -- round trips -------------------------------------------------------------------------------
async def test_an_unlimited_agent_admits_without_dynamodb_and_settles_in_one_call(
    table: tuple[Any, str],
) -> None:
    ledger = ledger_for(table, Clock())
    counter = CallCounter(table[0])
    adm = await ledger.admit(principal(), "r1", key=key(), worst_cost=WORST, token_estimate=1)
    assert counter.total == 0
    assert ledger.headers(adm) == {}
    await ledger.settle(adm, record(adm))
    assert counter.calls == {"PutItem": 1}  # the record alone: 1 WRU under 1 KB


async def test_a_fully_constrained_agent_uses_one_round_trip_each_way(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    counter = CallCounter(table[0])
    budgets = Budgets(daily_usd=Decimal(5), monthly_usd=Decimal(50))
    agent = principal(
        limits=Limits(rpm=5, tpm=10_000, concurrency=2), agent_budgets=budgets, brand_budgets=budgets
    )
    adm = await ledger.admit(
        agent, "r1", key=key(monthly_cap_usd=Decimal(10)), worst_cost=WORST, token_estimate=1
    )
    # window (this minute and the carry into the next), concurrency, 4 budget counters, the key's
    # cap, and the reservation: single items at once
    assert counter.calls == {"UpdateItem": 8, "PutItem": 1}
    assert adm.round_trips == 1
    await ledger.settle(adm, record(adm))
    # the record, 5 hold releases, the slot, the TPM tokens (this minute and the next), the reservation
    assert counter.calls == {"UpdateItem": 16, "PutItem": 2, "DeleteItem": 1}
    assert "TransactWriteItems" not in counter.calls
    assert adm.round_trips == 2


# -- reports -----------------------------------------------------------------------------------
async def test_reports_serve_traces_usage_and_alias_windows(table: tuple[Any, str]) -> None:
    clock = Clock()
    ledger = ledger_for(table, clock)
    reports = UsageReports(table[0], table[1], clock)
    plan = [
        ("cli_a", "openai/gpt-4o-mini", 200, False),
        ("cli_b", "anthropic/claude-haiku", 200, True),
        ("cli_a", "openai/gpt-4o-mini", 502, False),
        ("cli_a", "anthropic/claude-haiku", 200, True),
    ]
    for n, (agent_id, model, status, fallback) in enumerate(plan):
        clock.now = T0 + n
        adm = await ledger.admit(principal(agent_id), f"r{n}", key=key(), worst_cost=WORST, token_estimate=1)
        await ledger.settle(
            adm,
            record(adm, served_model=model, provider=model.split("/")[0], status=status, fallback=fallback),
        )
    drain(table)
    page = await reports.traces(BRAND, limit=3)
    assert [r.request_id for r in page.records] == ["r3", "r2", "r1"]
    rest = await reports.traces(BRAND, limit=3, cursor=page.cursor)
    assert [r.request_id for r in rest.records] == ["r0"]
    assert rest.cursor is None
    by_agent = await reports.traces(BRAND, agent_id="cli_a", model="anthropic/claude-haiku", fallback=True)
    assert [r.request_id for r in by_agent.records] == ["r3"]
    assert [r.request_id for r in (await reports.traces(BRAND, status="5xx")).records] == ["r2"]
    with pytest.raises(InvalidRequest):
        await reports.traces("brd_other", cursor=page.cursor)
    with pytest.raises(InvalidRequest):
        await reports.traces(BRAND, cursor="not-a-cursor")

    day = keys.day_id(T0)
    usage = await reports.usage(BRAND, by="model", start=day, end=day)
    assert {row.value: row.counts["requests"] for row in usage.rows} == {
        "openai/gpt-4o-mini": 2,
        "anthropic/claude-haiku": 2,
    }
    assert (usage.totals["requests"], usage.totals["errors"]) == (4, 1)
    assert usage.totals["cost"] == Decimal("0.28")

    mine = await reports.alias_usage(BRAND)
    assert await reports.alias_usage("brd_other") == {}  # a brand sees its own usage only
    for view in (mine,):
        assert (view["fast"].requests, view["fast"].total_tokens, view["fast"].cost) == (
            4,
            600,
            Decimal("0.28"),
        )
        assert view["fast"].top_model == "anthropic/claude-haiku"  # 2 each: ties go to the first name
    clock.now = T0 + 25 * 3600
    assert await reports.alias_usage(BRAND) == {}


async def test_replaying_the_whole_stream_changes_no_aggregate(table: tuple[Any, str]) -> None:
    """Stream delivery is at least once: a second consumer reading every shard from its start
    (a full replay) folds nothing twice."""
    ledger = ledger_for(table, Clock())
    for n in range(3):
        adm = await ledger.admit(principal(), f"r{n}", key=key(), worst_cost=WORST, token_estimate=1)
        await ledger.settle(adm, record(adm))
    assert drain(table) == 3
    total_key = keys.aggregate_key(BRAND, "TOTAL", keys.day_id(T0))
    before = item(table, total_key)
    assert (before["requests"], before["cost"]) == (3, Decimal("0.21"))
    assert before.get("ref_cost", 0) == 0 and before["brand_id"] == BRAND
    streams = boto3.session.Session().client(
        "dynamodbstreams",
        endpoint_url=table[0].meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert StreamPoller(table[0], streams, table[1]).drain() == 3  # every record delivered again
    assert item(table, total_key) == before
    # New records after a replay still count.
    adm = await ledger.admit(principal(), "r9", key=key(), worst_cost=WORST, token_estimate=1)
    await ledger.settle(adm, record(adm, ref_cost=Decimal("0.50")))  # list price of the first choice
    assert drain(table) == 1
    assert (item(table, total_key)["requests"], item(table, total_key)["ref_cost"]) == (4, Decimal("0.50"))
    report = await UsageReports(table[0], table[1], Clock()).usage(
        BRAND, by="day", start=keys.day_id(T0), end=keys.day_id(T0)
    )
    assert report.totals["ref_cost"] == Decimal("0.50")
    assert item(table, keys.agent_spend_key("cli_x", "day", T0))["spent"] == Decimal("0.28")
