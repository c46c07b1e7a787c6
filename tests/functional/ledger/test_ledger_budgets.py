"""The ledger against DynamoDB over HTTP (a moto server): agent and brand budgets under concurrency."""

from __future__ import annotations

import asyncio
import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest

from spidergate.domain import Budgets, Principal
from spidergate.errors import QuotaExceeded, RateLimited
from spidergate.settings import Settings
from spidergate.usage import keys
from spidergate.usage.ledger import Admission, Ledger
from tests.functional.ledger.harness import (
    BRAND,
    T0,
    WORST,
    Clock,
    agent_day,
    create_usage_table,
    drain,
    dynamodb,
    item,
    key,
    ledger_for,
    principal,
    record,
)


# -- budgets under concurrency ---------------------------------------------------------------
async def _drain_budget(ledgers: list[Ledger], agents: list[Principal], first_round: int) -> list[Admission]:
    """Rounds of 50 concurrent admits and their settles until the budget admits nothing more."""
    settled: list[Admission] = []
    for round_no in range(10):
        calls = [
            ledgers[i % len(ledgers)].admit(
                agents[i % len(agents)], f"q{round_no}-{i}", key=key(), worst_cost=WORST, token_estimate=10
            )
            for i in range(50)
        ]
        results = await asyncio.gather(*calls, return_exceptions=True)
        admitted = [r for r in results if isinstance(r, Admission)]
        refused = [r for r in results if not isinstance(r, Admission)]
        assert all(
            isinstance(r, QuotaExceeded | RateLimited) and "budget of $1.00" in r.message for r in refused
        )
        if round_no == 0:
            assert len(admitted) == first_round
        await asyncio.gather(*(ledgers[0].settle(a, record(a, cost="0.07")) for a in admitted))
        settled += admitted
        if not admitted:
            return settled
    raise AssertionError("the budget never ran out")


def _assert_books_balance(table: tuple[Any, str], spend: keys.Key, settled: list[Admission]) -> None:
    counters = item(table, spend)
    assert counters["spent"] <= Decimal("1.00")  # never past the budget...
    assert counters["spent"] > Decimal("1.00") - WORST  # ...and used up to within one worst case
    assert counters["reserved"] == 0
    assert counters["committed"] == counters["spent"] == Decimal("0.07") * len(settled)
    drain(table)  # the aggregates are folded from the stream
    total = item(table, keys.aggregate_key(BRAND, "TOTAL", keys.day_id(T0)))
    assert total["requests"] == len(settled)
    assert total["cost"] == counters["spent"]
    assert total["total_tokens"] == 150 * len(settled)


async def test_agent_budget_holds_against_fifty_concurrent_admits(table: tuple[Any, str]) -> None:
    agent = principal(agent_budgets=Budgets(daily_usd=Decimal("1.00")))
    # $1.00 covers exactly 10 worst cases of $0.10; then 0.70 is spent and 3 more fit.
    settled = await _drain_budget([ledger_for(table, Clock())], [agent], first_round=10)
    assert len(settled) == 13
    _assert_books_balance(table, agent_day(), settled)


async def test_brand_budget_holds_across_two_containers_on_real_threads(endpoint: str) -> None:
    """Two Ledgers with their own clients, each in its own thread and event loop, two agents."""
    name = f"usage-{uuid.uuid4().hex[:10]}"
    create_usage_table(dynamodb(endpoint), name)
    brand = Budgets(monthly_usd=Decimal("1.00"))
    agents = [principal("cli_a", brand_budgets=brand), principal("cli_b", brand_budgets=brand)]
    containers = [Ledger(dynamodb(endpoint), name, Settings(), Clock()) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[list[Any]] = [[], []]

    def container(n: int) -> None:
        async def run() -> list[Any]:
            barrier.wait()
            calls = [
                containers[n].admit(
                    agents[i % 2], f"c{n}-{i}", key=key(), worst_cost=WORST, token_estimate=10
                )
                for i in range(25)
            ]
            return await asyncio.gather(*calls, return_exceptions=True)

        outcomes[n] = asyncio.run(run())

    threads = [threading.Thread(target=container, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    admitted = [r for rs in outcomes for r in rs if isinstance(r, Admission)]
    assert len(admitted) == 10
    refused = [r for rs in outcomes for r in rs if not isinstance(r, Admission)]
    assert len(refused) == 40
    assert all("brand monthly budget of $1.00" in r.message for r in refused)
    tbl = (dynamodb(endpoint), name)
    await asyncio.gather(*(containers[0].settle(a, record(a, cost="0.07")) for a in admitted))
    settled = admitted + await _drain_budget(containers, agents, first_round=3)
    _assert_books_balance(tbl, keys.brand_spend_key(BRAND, "month", T0), settled)


async def test_a_lowered_budget_is_honoured_at_once(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    first = await ledger.admit(
        principal(agent_budgets=Budgets(daily_usd=Decimal(5))),
        "r1",
        key=key(),
        worst_cost=WORST,
        token_estimate=1,
    )
    await ledger.settle(first, record(first, cost="0.50"))
    with pytest.raises(QuotaExceeded, match=r"agent daily budget of \$0.50 is spent"):
        await ledger.admit(
            principal(agent_budgets=Budgets(daily_usd=Decimal("0.50"))),
            "r2",
            key=key(),
            worst_cost=WORST,
            token_estimate=1,
        )
    # A budget set only now still sees what was spent before it existed (once the stream is folded).
    drain(table)
    with pytest.raises(QuotaExceeded, match=r"brand daily budget of \$0.55"):
        await ledger.admit(
            principal(brand_budgets=Budgets(daily_usd=Decimal("0.55"))),
            "r3",
            key=key(),
            worst_cost=WORST,
            token_estimate=1,
        )
