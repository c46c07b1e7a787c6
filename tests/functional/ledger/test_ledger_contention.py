"""The ledger under DynamoDB's real concurrency rules (the fault layer in ``faults.py``): a burst of
one brand's requests loses no record, budgets are never overspent past the bound, and no request
is refused for contention alone."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import boto3
import httpx
import pytest
from botocore.credentials import Credentials

from spidergate.domain import Budgets, Limits
from spidergate.dynamo_http import AsyncDynamoDB
from spidergate.errors import GatewayError
from spidergate.local.stream_poller import StreamPoller
from spidergate.settings import Settings
from spidergate.usage import keys
from spidergate.usage.ledger import Ledger
from spidergate.usage.spill import RecordSpill
from tests.functional.ledger.faults import Faults, faulty_moto_endpoint
from tests.functional.ledger.harness import (
    BRAND,
    T0,
    Clock,
    agent_day,
    create_usage_table,
    dynamodb,
    item,
    key,
    principal,
    record,
)

BURST = 200
AT_ONCE = 20


@pytest.fixture(scope="module")
def faults() -> Faults:
    return Faults()


@pytest.fixture(scope="module")
def endpoint(faults: Faults) -> Iterator[str]:
    with faulty_moto_endpoint(faults) as url:
        yield url


@pytest.fixture
def table(endpoint: str, faults: Faults) -> tuple[Any, str]:
    faults.throttle_share = faults.fail_share = 0.0
    ddb = dynamodb(endpoint)
    name = f"usage-{uuid.uuid4().hex[:10]}"
    create_usage_table(ddb, name)
    return ddb, name


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64)) as client:
        yield client


def container(http: httpx.AsyncClient, endpoint: str, table: tuple[Any, str], clock: Clock) -> Ledger:
    """One gateway container's ledger, on the production client (plain HTTP)."""
    settings = Settings(reservation_stale_seconds=900, aws_endpoint_url=endpoint, region="us-east-1")
    ddb = AsyncDynamoDB.for_settings(settings, http, credentials=Credentials("testing", "testing"))
    return Ledger(ddb, table[1], settings, clock)


def record_count(table: tuple[Any, str]) -> int:
    ddb, name = table
    found, start = 0, None
    while True:
        kw: dict[str, Any] = {
            "TableName": name,
            "FilterExpression": "begins_with(pk, :p)",
            "ExpressionAttributeValues": {":p": {"S": "REQ#"}},
            "Select": "COUNT",
            "ConsistentRead": True,
        }
        if start:
            kw["ExclusiveStartKey"] = start
        page = ddb.scan(**kw)
        found += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


async def burst(n: int, at_once: int, one: Any) -> list[BaseException | None]:
    gate = asyncio.Semaphore(at_once)

    async def guarded(i: int) -> BaseException | None:
        async with gate:
            try:
                await one(i)
            except Exception as exc:  # what Exchange would log and drop
                return exc
            return None

    return list(await asyncio.gather(*(guarded(i) for i in range(n))))


async def test_a_burst_of_one_brand_without_limits_loses_no_record(
    table: tuple[Any, str], http: httpx.AsyncClient, endpoint: str, faults: Faults
) -> None:
    clock = Clock()
    ledgers = [container(http, endpoint, table, clock) for _ in range(2)]
    agent = principal()
    before = faults.seen["cancelled"]
    settles: list[float] = []

    async def one(i: int) -> None:
        ledger = ledgers[i % 2]
        adm = await ledger.admit(agent, f"r{i}", key=key(), worst_cost=Decimal("0.01"), token_estimate=1)
        t = time.perf_counter()
        await ledger.settle(adm, record(adm, cost="0.001"))
        settles.append(time.perf_counter() - t)

    started = time.perf_counter()
    errors = await burst(BURST, AT_ONCE, one)
    elapsed = time.perf_counter() - started
    assert [e for e in errors if e is not None] == []
    assert record_count(table) == BURST
    settles.sort()
    p50, p99 = settles[len(settles) // 2] * 1000, settles[int(len(settles) * 0.99)] * 1000
    print(
        f"\n{BURST} settles, {AT_ONCE} at once, two containers: {elapsed:.2f}s, records lost 0, settle p50"
        f" {p50:.1f} ms p99 {p99:.1f} ms, cancelled transactions {faults.seen['cancelled'] - before}"
    )


async def test_a_burst_with_budgets_and_limits_never_overspends_and_loses_nothing(
    table: tuple[Any, str], http: httpx.AsyncClient, endpoint: str, faults: Faults
) -> None:
    """40 requests at once against a daily budget worth 25 worst cases: no lost record, no false
    refusal while budget remains, and spend never above the budget."""
    clock = Clock()
    ledgers = [container(http, endpoint, table, clock) for _ in range(2)]
    budget = Decimal("0.25")
    agent = principal(
        limits=Limits(rpm=1000, concurrency=100),
        agent_budgets=Budgets(daily_usd=budget),
        brand_budgets=Budgets(daily_usd=Decimal(100)),
    )
    refused: list[GatewayError] = []

    async def one(i: int) -> None:
        ledger = ledgers[i % 2]
        try:
            adm = await ledger.admit(agent, f"b{i}", key=key(), worst_cost=Decimal("0.01"), token_estimate=1)
        except GatewayError as exc:
            refused.append(exc)
            return
        await ledger.settle(adm, record(adm, cost="0.01"))

    errors = await burst(40, 40, one)
    assert [e for e in errors if e is not None] == []
    day = item(table, agent_day())
    assert day["spent"] <= budget
    assert record_count(table) == 40 - len(refused)
    # Only a spent (or held) budget refuses: never contention.
    assert all(e.code in {"insufficient_quota", "rate_limit_exceeded"} for e in refused)
    assert len(refused) <= 40 - 25 + 0  # at most the requests the budget cannot hold
    assert item(table, keys.concurrency_key("cli_x")).get("held", 0) == 0
    assert item(table, keys.brand_spend_key(BRAND, "day", T0))["spent"] == day["spent"]


async def test_throttles_and_failed_writes_lose_no_record(
    table: tuple[Any, str], http: httpx.AsyncClient, endpoint: str, faults: Faults
) -> None:
    clock = Clock()
    ledger = container(http, endpoint, table, clock)
    faults.throttle_share, faults.fail_share = 0.1, 0.1
    agent = principal()
    settles: list[float] = []

    async def one(i: int) -> None:
        adm = await ledger.admit(agent, f"t{i}", key=key(), worst_cost=Decimal("0.01"), token_estimate=1)
        t = time.perf_counter()
        await ledger.settle(adm, record(adm, cost="0.001"))
        settles.append(time.perf_counter() - t)

    errors = await burst(100, AT_ONCE, one)
    faults.throttle_share = faults.fail_share = 0.0
    assert [e for e in errors if e is not None] == []
    assert record_count(table) == 100
    settles.sort()
    print(f"\nwith 10% throttles + 10% 5xx: records lost 0, settle p99 {settles[98] * 1000:.1f} ms")


async def test_a_record_that_cannot_be_written_is_parked_and_drained_back(
    table: tuple[Any, str], http: httpx.AsyncClient, endpoint: str, faults: Faults
) -> None:
    """Every DynamoDB write fails: the record goes to the spill queue, and the drain (the local
    stack's poller, like the drain function) puts it back once DynamoDB answers again."""
    sqs = boto3.session.Session().client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    url = sqs.create_queue(QueueName=f"spill-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    settings = Settings(aws_endpoint_url=endpoint, region="us-east-1")
    ddb = AsyncDynamoDB.for_settings(
        settings, http, credentials=Credentials("testing", "testing"), backoff=0.001
    )
    ledger = Ledger(ddb, table[1], settings, Clock(), spill=RecordSpill(url, lambda: sqs))
    adm = await ledger.admit(principal(), "lost-1", key=key(), worst_cost=Decimal("0.01"), token_estimate=1)
    faults.fail_share = 1.0
    try:
        await ledger.settle(adm, record(adm, cost="0.001"))  # no exception: parked
    finally:
        faults.fail_share = 0.0
    assert record_count(table) == 0
    poller = StreamPoller(table[0], None, table[1], (sqs, url))
    assert poller.drain_parked() == 1
    assert record_count(table) == 1
    assert poller.drain_parked() == 0
